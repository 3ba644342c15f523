"""CIBA, poll mode: backchannel request, the phone's answer, the client's polls."""
import pytest
import requests

from mockpsc.testing import Phone, fresh_national_id

from psc_helpers import MEDECIN, PIN, make_rp

CIBA_GRANT = "urn:openid:params:grant-type:ciba"


def ask(rp, **overrides):
    data = {"scope": "openid scope_all", "login_hint": MEDECIN, "binding_message": "42", "acr_values": "eidas1",
            **overrides}
    return requests.post(rp.psc.endpoint("ext/ciba/auth"), data={k: v for k, v in data.items() if v is not None},
                         auth=(rp.client_id, rp.secret), timeout=5)


def poll(rp, auth_req_id, client=None):
    client = client or rp
    return requests.post(rp.psc.endpoint("token"), data={"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id},
                         auth=(client.client_id, client.secret), timeout=5)


@pytest.fixture
def ciba_psc(own_psc):
    """CIBA polls depend on time: a private mock whose clock the test moves."""
    return own_psc


def person(psc) -> str:
    national_id = fresh_national_id()
    psc.add_identity(national_id, "CIBA", "USER", ecps={"pin": PIN}, exercices=[{"profession": "10"}])
    return national_id


def test_ciba_pending_then_approved_with_the_binding_message(ciba_psc):
    rp = make_rp(ciba_psc, ciba_enabled=True)
    national_id = person(ciba_psc)
    ack = ask(rp, login_hint=national_id, binding_message="07", channel="MOBILE")
    assert ack.status_code == 200, ack.text
    body = ack.json()
    assert body["expires_in"] == 120 and body["interval"] == 1 and body["auth_req_id"]
    first = poll(rp, body["auth_req_id"])
    assert first.status_code == 400 and first.json()["error"] == "authorization_pending"

    [push] = Phone(ciba_psc).pending(national_id)
    assert "07" in push["choices"] and push["channel"] == "MOBILE" and push["client_id"] == rp.client_id
    assert Phone(ciba_psc).approve(push["id"], PIN, "07").status_code == 200
    ciba_psc.clock.advance(1)
    granted = poll(rp, body["auth_req_id"])
    assert granted.status_code == 200, granted.text
    claims = rp.verify(granted.json()["id_token"]).claims
    assert claims["SubjectNameID"] == national_id and claims["acr"] == "eidas1" and claims["authMode"] == "MOBILE"
    assert "nonce" not in claims and claims["aud"] == rp.client_id
    ciba_psc.clock.advance(1)
    assert poll(rp, body["auth_req_id"]).json()["error"] == "invalid_grant"  # used once


def test_ciba_card_channel_gives_authmode_card(ciba_psc):
    rp = make_rp(ciba_psc, ciba_enabled=True)
    national_id = person(ciba_psc)
    auth_req_id = ask(rp, login_hint=national_id, channel="CARD", binding_message="55").json()["auth_req_id"]
    [push] = Phone(ciba_psc).pending(national_id)
    assert push["channel"] == "CARD"
    Phone(ciba_psc).approve(push["id"], PIN, "55")
    tokens = poll(rp, auth_req_id).json()
    assert rp.verify(tokens["id_token"]).claims["authMode"] == "CARD"


def test_ciba_slow_down_denied_and_expired(ciba_psc):
    rp = make_rp(ciba_psc, ciba_enabled=True)
    national_id = person(ciba_psc)
    auth_req_id = ask(rp, login_hint=national_id).json()["auth_req_id"]
    assert poll(rp, auth_req_id).json()["error"] == "authorization_pending"
    assert poll(rp, auth_req_id).json()["error"] == "slow_down"  # same instant: too fast
    ciba_psc.clock.advance(1)
    assert poll(rp, auth_req_id).json()["error"] == "slow_down"  # the interval grew to 6 s, then 11 s
    ciba_psc.clock.advance(11)
    assert poll(rp, auth_req_id).json()["error"] == "authorization_pending"

    [push] = Phone(ciba_psc).pending(national_id)
    Phone(ciba_psc).deny(push["id"])
    ciba_psc.clock.advance(10)
    assert poll(rp, auth_req_id).json()["error"] == "access_denied"

    auth_req_id = ask(rp, login_hint=national_id).json()["auth_req_id"]
    ciba_psc.clock.advance(120)
    assert poll(rp, auth_req_id).json()["error"] == "expired_token"


def test_ciba_wrong_number_is_access_denied(ciba_psc):
    rp = make_rp(ciba_psc, ciba_enabled=True)
    national_id = person(ciba_psc)
    auth_req_id = ask(rp, login_hint=national_id, binding_message="31").json()["auth_req_id"]
    [push] = Phone(ciba_psc).pending(national_id)
    wrong = next(c for c in push["choices"] if c != "31")
    assert Phone(ciba_psc).approve(push["id"], PIN, wrong).json()["error"] == "wrong_number"
    assert poll(rp, auth_req_id).json()["error"] == "access_denied"


@pytest.mark.parametrize(("overrides", "error"), [
    ({"binding_message": "123"}, "invalid_binding_message"),
    ({"binding_message": None}, "invalid_binding_message"),
    ({"login_hint": None}, "invalid_request"),
    ({"login_hint": "899700543210"}, "unknown_user_id"),   # nobody
    ({"login_hint": "899700123450"}, "unknown_user_id"),   # known, no e-CPS
    ({"login_hint": "99700218896"}, "unknown_user_id"),    # bare RPPS
    ({"scope": "scope_all"}, "invalid_scope"),
    ({"acr_values": "eidas0"}, "invalid_request"),
    ({"acr_values": "eidas1 eidas2"}, "invalid_request"),
    ({"channel": "SMS"}, "invalid_request"),
    ({"login_hint_token": "x"}, "invalid_request"),
])
def test_bad_ciba_requests(mock_psc, overrides, error):
    rp = make_rp(mock_psc, ciba_enabled=True)
    response = ask(rp, **overrides)
    assert response.status_code == 400 and response.json()["error"] == error, response.text


def test_ciba_is_enabled_per_client_and_polls_are_bound_to_the_client(mock_psc):
    plain = make_rp(mock_psc)
    assert ask(plain).json()["error"] == "unauthorized_client"
    rp, other = make_rp(mock_psc, ciba_enabled=True), make_rp(mock_psc, ciba_enabled=True)
    auth_req_id = ask(rp).json()["auth_req_id"]
    assert poll(rp, auth_req_id, client=other).json()["error"] == "invalid_grant"
    assert poll(rp, "forged").json()["error"] == "invalid_grant"
    no_auth = requests.post(mock_psc.endpoint("ext/ciba/auth"), data={"login_hint": MEDECIN}, timeout=5)
    assert no_auth.status_code == 401 and no_auth.json()["error"] == "invalid_client"
    for push in Phone(mock_psc).pending(MEDECIN):  # leave the shared identity's phone clean
        Phone(mock_psc).deny(push["id"])
