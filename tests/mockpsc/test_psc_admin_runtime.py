"""The /__mock control API that changes the mock while it runs."""
import requests

from mockpsc.testing import fresh_national_id

from psc_helpers import PIN, make_rp


def test_clock_and_settings_over_http(own_psc):
    base = own_psc.auth_origin + "/__mock"
    now = requests.get(base + "/clock", timeout=5).json()["now"]
    advanced = requests.post(base + "/clock", json={"advance": 100}, timeout=5).json()["now"]
    assert advanced - now >= 100
    assert requests.post(base + "/clock", json={"advance": -1}, timeout=5).status_code == 400
    changed = requests.patch(base + "/settings", json={"id_token_lifetime": 30, "logout_omits_state": True}, timeout=5)
    assert changed.status_code == 200 and changed.json()["id_token_lifetime"] == 30
    rp = make_rp(own_psc)
    claims = rp.verify(rp.tokens()["id_token"]).claims
    assert claims["exp"] - claims["iat"] == 30
    for bad in ({"id_token_lifetime": "long"}, {"nope": 1}, {"logout_omits_state": "yes"}, {"pin_attempts": -3}):
        response = requests.patch(base + "/settings", json=bad, timeout=5)
        assert response.status_code == 400 and response.json()["error_description"], bad


def test_client_settings_change_over_http(mock_psc, rp):
    url = f"{mock_psc.auth_origin}/__mock/clients/{rp.client_id}"
    changed = requests.patch(url, json={"userinfo_format": "jwt", "claims_variant": "otherIDs"}, timeout=5)
    assert changed.status_code == 200 and changed.json()["userinfo_format"] == "jwt"
    assert changed.json()["claims_variant"]["other_ids_key"] == "otherIDs" and "secret" not in changed.json()
    assert requests.patch(url, json={"userinfo_format": "xml"}, timeout=5).status_code == 400
    assert requests.patch(url, json={"client_id": "renamed"}, timeout=5).status_code == 400
    assert requests.patch(mock_psc.auth_origin + "/__mock/clients/nobody", json={}, timeout=5).status_code == 404


def test_ecps_state_and_unlock_over_http(mock_psc):
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, "A", "B", ecps={"pin": PIN, "device": "admin-phone"})
    mock_psc.state.ecps.check_pin(national_id, "0000")
    url = f"{mock_psc.auth_origin}/__mock/ecps/{national_id}"
    state = requests.get(url, timeout=5).json()
    assert state["device_id"] == "admin-phone" and state["failed_pin_attempts"] == 1 and not state["locked"]
    assert requests.post(url + "/unlock", json={}, timeout=5).json()["failed_pin_attempts"] == 0
    assert requests.get(f"{mock_psc.auth_origin}/__mock/ecps/899700543210", timeout=5).status_code == 404


def test_client_certificates_over_http(own_psc_with_tls):
    response = requests.post(own_psc_with_tls.auth_origin + "/__mock/tls/client-certificates",
                             json={"common_name": "kc-region", "organization": "ARS"}, timeout=5)
    assert response.status_code == 201
    body = response.json()
    assert body["subject_dn"] == "CN=kc-region,O=ARS" and "BEGIN CERTIFICATE" in body["cert_pem"]
    assert "PRIVATE KEY" in body["key_pem"] and body["ca_path"].endswith("ca.pem")
