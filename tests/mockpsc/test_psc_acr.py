"""The acr a login returns is what its method achieved (e-CPS eidas1, card eidas2), per
identity, or for one identity's next login; acr_values may ask eidas1, eidas2 or eidas3."""
import pytest
import requests

from mockpsc.identities import IdentityError
from mockpsc.testing import card_login, fresh_national_id

from psc_helpers import PIN, make_rp, query_of


def new_person(psc, **options) -> str:
    national_id = fresh_national_id()
    psc.add_identity(national_id, "NIVEAU", "TESTEUR", ecps={"pin": PIN}, cps={"pin": PIN},
                     exercices=[{"profession": "10"}], **options)
    return national_id


def id_token_of(rp, back) -> dict:
    code = query_of(back.headers["Location"])["code"]
    response = rp.exchange(code)
    assert response.status_code == 200, response.text
    return rp.verify(response.json()["id_token"]).claims


def ecps_claims(rp, national_id, **authorize) -> dict:
    return id_token_of(rp, rp.login(national_id, **authorize))


def card_claims(rp, national_id, **authorize) -> dict:
    page = rp.open_login_page(**authorize)  # a fresh browser (rp.http) first
    return id_token_of(rp, card_login(rp.http, page, national_id))


def test_ecps_gives_mobile_and_eidas1_card_gives_card_and_eidas2(mock_psc):
    rp, national_id = make_rp(mock_psc), new_person(mock_psc)
    ecps = ecps_claims(rp, national_id)
    assert (ecps["acr"], ecps["authMode"]) == ("eidas1", "MOBILE")
    card = card_claims(rp, national_id)
    assert (card["acr"], card["authMode"]) == ("eidas2", "CARD")


@pytest.mark.parametrize("asked", ["eidas1", "eidas2", "eidas3"])
def test_every_eidas_level_may_be_asked_and_the_answer_is_what_the_method_achieved(mock_psc, asked):
    rp, national_id = make_rp(mock_psc), new_person(mock_psc)
    page = rp.open_login_page(acr_values=asked)
    assert page.status_code == 200 and 'id="login-form"' in page.text, page.headers.get("Location")
    assert ecps_claims(rp, national_id, acr_values=asked)["acr"] == "eidas1"  # not an echo of the request
    assert card_claims(rp, national_id, acr_values=asked)["acr"] == "eidas2"


def test_an_identity_can_achieve_other_levels(mock_psc):
    rp = make_rp(mock_psc)
    national_id = new_person(mock_psc, ecps_acr="eidas2", card_acr="eidas3")
    ecps = ecps_claims(rp, national_id)
    assert (ecps["acr"], ecps["authMode"]) == ("eidas2", "MOBILE")  # an e-CPS login returning eidas2
    assert card_claims(rp, national_id)["acr"] == "eidas3"
    listed = requests.get(f"{mock_psc.auth_origin}/__mock/identities/{national_id}", timeout=5).json()
    assert (listed["ecps_acr"], listed["card_acr"]) == ("eidas2", "eidas3")


def test_next_login_acr_applies_to_the_next_login_only(mock_psc):
    rp, national_id = make_rp(mock_psc), new_person(mock_psc)
    mock_psc.set_next_login_acr(national_id, "eidas2")
    assert ecps_claims(rp, national_id)["acr"] == "eidas2"
    assert ecps_claims(rp, national_id)["acr"] == "eidas1"
    mock_psc.set_next_login_acr(national_id, "eidas1")
    assert card_claims(rp, national_id)["acr"] == "eidas1", "whatever the method of that login"
    assert card_claims(rp, national_id)["acr"] == "eidas2"
    mock_psc.set_next_login_acr(national_id, "eidas3")
    mock_psc.set_next_login_acr(national_id, None)  # disarmed
    assert ecps_claims(rp, national_id)["acr"] == "eidas1"


def test_next_login_acr_over_the_control_api(mock_psc):
    rp, national_id = make_rp(mock_psc), new_person(mock_psc)
    other = new_person(mock_psc)
    url = f"{mock_psc.auth_origin}/__mock/identities/{national_id}/next-login-acr"
    armed = requests.post(url, json={"acr": "eidas2"}, timeout=5)
    assert armed.status_code == 200 and armed.json() == {"national_id": national_id, "next_login_acr": "eidas2"}
    assert requests.get(url, timeout=5).json()["next_login_acr"] == "eidas2"
    assert ecps_claims(rp, other)["acr"] == "eidas1", "armed for one identity only"
    assert ecps_claims(rp, national_id)["acr"] == "eidas2"
    assert requests.get(url, timeout=5).json()["next_login_acr"] is None  # consumed
    for bad in ({"acr": "eidas0"}, {"acr": ["eidas2"]}, {"level": "eidas2"}, {}):
        refused = requests.post(url, json=bad, timeout=5)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_request", bad
    unknown = requests.post(f"{mock_psc.auth_origin}/__mock/identities/899700543210/next-login-acr",
                            json={"acr": "eidas2"}, timeout=5)
    assert unknown.status_code == 404
    with pytest.raises(IdentityError, match="eidas1"):
        mock_psc.set_next_login_acr(national_id, "substantial")


def test_ciba_card_channel_achieves_eidas2(mock_psc):
    rp, national_id = make_rp(mock_psc, ciba_enabled=True), new_person(mock_psc)
    tokens = {}
    for channel in ("MOBILE", "CARD"):
        asked = requests.post(mock_psc.endpoint("ext/ciba/auth"), auth=(rp.client_id, rp.secret), timeout=5, data={
            "scope": "openid scope_all", "acr_values": "eidas2", "login_hint": national_id, "binding_message": "42",
            "channel": channel}).json()
        [push] = mock_psc.state.pushes.pending(national_id)
        assert mock_psc.state.pushes.approve(push.id, PIN, "42").error is None
        polled = requests.post(mock_psc.endpoint("token"), auth=(rp.client_id, rp.secret), timeout=5, data={
            "grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": asked["auth_req_id"]})
        assert polled.status_code == 200, polled.text
        claims = rp.verify(polled.json()["id_token"]).claims
        tokens[channel] = (claims["acr"], claims["authMode"])
    assert tokens == {"MOBILE": ("eidas1", "MOBILE"), "CARD": ("eidas2", "CARD")}


def test_default_levels_are_settings(own_psc):
    rp, national_id = make_rp(own_psc), new_person(own_psc)
    base = own_psc.auth_origin + "/__mock/settings"
    assert requests.patch(base, json={"ecps_acr": "eidas2"}, timeout=5).status_code == 200
    assert ecps_claims(rp, national_id)["acr"] == "eidas2"
    for bad in ({"card_acr": "eidas0"}, {"ecps_acr": 1}, {"card_acr": None}):
        refused = requests.patch(base, json=bad, timeout=5)
        assert refused.status_code == 400 and "eidas1" in refused.json()["error_description"], bad
    assert own_psc.settings.card_acr == "eidas2"


def test_an_identity_levels_changed_over_the_control_api(mock_psc):
    rp, national_id = make_rp(mock_psc), new_person(mock_psc)
    url = f"{mock_psc.auth_origin}/__mock/identities/{national_id}"
    changed = requests.patch(url, json={"ecps_acr": "eidas2"}, timeout=5)
    assert changed.status_code == 200 and changed.json()["ecps_acr"] == "eidas2"
    assert ecps_claims(rp, national_id)["acr"] == "eidas2"
    assert requests.patch(url, json={"ecps_acr": None}, timeout=5).json()["ecps_acr"] == "eidas1"  # the default
    assert ecps_claims(rp, national_id)["acr"] == "eidas1"
    assert requests.patch(url, json={"card_acr": "eidas0"}, timeout=5).status_code == 400
