"""Acces_Regulation_Medicale in userinfo: "VRAI" or "FAUX" per identity, from the identities
file, add_identity, and changed between logins through update_identity or the control API."""
import requests

from mockpsc.identities import DEFAULT_FILE, load_identities_file
from mockpsc.testing import fresh_national_id

from psc_helpers import MEDECIN, PIN, make_rp


def regulation_flag(rp, national_id: str) -> str:
    tokens = rp.tokens(national_id)
    info = requests.get(rp.psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"},
                        timeout=5)
    assert info.status_code == 200, info.text
    return info.json()["Acces_Regulation_Medicale"]


def test_the_shipped_regulator_is_the_urgentiste_and_nobody_else():
    regulators = [i.national_id for i in load_identities_file(DEFAULT_FILE) if i.regulation]
    assert regulators == [MEDECIN]


def test_flag_follows_the_identity(rp):
    assert regulation_flag(rp, MEDECIN) == "VRAI"
    assert regulation_flag(rp, "899700366240") == "FAUX"  # LUCAS BERNARD, infirmier


def test_a_regulator_added_then_changed_between_logins(mock_psc):
    rp = make_rp(mock_psc, userinfo_format="jwt")
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, "REGUL", "ATEUR", ecps={"pin": PIN}, regulation=True)
    tokens = rp.tokens(national_id)
    signed = requests.get(mock_psc.endpoint("userinfo"), timeout=5,
                          headers={"Authorization": f"Bearer {tokens['access_token']}"}).text
    assert rp.verify(signed).claims["Acces_Regulation_Medicale"] == "VRAI"

    mock_psc.update_identity(national_id, regulation=False)
    mock_psc.update_client(rp.client_id, userinfo_format="json")
    assert regulation_flag(rp, national_id) == "FAUX"
    assert mock_psc.state.ecps.get(national_id) is not None, "changing the flag keeps the e-CPS as it was"


def test_flag_over_the_control_api(mock_psc, rp):
    national_id = fresh_national_id()
    created = requests.post(f"{mock_psc.auth_origin}/__mock/identities", timeout=5, json={
        "national_id": national_id, "given_name": "A", "family_name": "B", "ecps": {"pin": PIN},
        "regulation": True})
    assert created.status_code == 201, created.text
    assert regulation_flag(rp, national_id) == "VRAI"
    url = f"{mock_psc.auth_origin}/__mock/identities/{national_id}"
    changed = requests.patch(url, json={"regulation": False}, timeout=5)
    assert changed.status_code == 200 and changed.json()["regulation"] is False
    assert regulation_flag(rp, national_id) == "FAUX"
    listed = {i["national_id"]: i for i in requests.get(f"{mock_psc.auth_origin}/__mock/identities", timeout=5).json()}
    assert listed[national_id]["regulation"] is False and listed[MEDECIN]["regulation"] is True
    for bad in ({"regulation": "VRAI"}, {"regulation": 1}, {"given_name": "C"}, {}):
        refused = requests.patch(url, json=bad, timeout=5)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_request", bad
    assert requests.patch(f"{mock_psc.auth_origin}/__mock/identities/899700543210", json={"regulation": True},
                          timeout=5).status_code == 404
