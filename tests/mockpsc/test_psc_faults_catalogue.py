"""Every fault switch, as a relying party sees it (the Keycloak-side proof that the
broker refuses each is in tests/e2e/test_psc_broker_faults.py)."""
import time

import pytest
import requests
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError

from mockpsc.faults import FAULTS

from psc_helpers import MEDECIN, make_rp


def userinfo(rp, access_token):
    return requests.get(rp.psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {access_token}"}, timeout=5)


def test_unknown_kid_is_not_in_the_jwks(rp):
    rp.psc.inject_fault("id_token_unknown_kid", client_id=rp.client_id)
    tokens = rp.tokens()
    kid = jws.extract_compact(tokens["id_token"].encode()).protected["kid"]
    published = [k["kid"] for k in requests.get(rp.psc.endpoint("certs"), timeout=5).json()["keys"]]
    assert kid not in published
    with pytest.raises(JoseError):
        rp.verify(tokens["id_token"])


@pytest.mark.parametrize(("fault", "value", "claim", "expected"), [
    ("wrong_issuer", None, "iss", "https://auth.psc.invalid/auth/realms/esante-wallet"),
    ("wrong_audience", "someone", "aud", "someone"),
    ("nonce", "other", "nonce", "other"),
    ("nonce", None, "nonce", "absent"),
    ("missing_subject_name_id", None, "SubjectNameID", "absent"),
])
def test_claim_faults(rp, fault, value, claim, expected):
    if value is None and FAULTS[fault].needs_value:
        rp.psc.inject_fault(fault, None, client_id=rp.client_id)
    elif value is None:
        rp.psc.inject_fault(fault, client_id=rp.client_id)
    else:
        rp.psc.inject_fault(fault, value, client_id=rp.client_id)
    tokens = rp.tokens()
    assert rp.verify(tokens["id_token"]).claims.get(claim, "absent") == expected
    if fault == "missing_subject_name_id":
        assert "SubjectNameID" not in userinfo(rp, tokens["access_token"]).json()


def test_expired_id_token(rp):
    rp.psc.inject_fault("id_token_expired", client_id=rp.client_id)
    claims = rp.verify(rp.tokens()["id_token"]).claims
    assert claims["exp"] < time.time() and claims["exp"] - claims["iat"] == 120


def test_userinfo_sub_mismatch_and_bad_signature(mock_psc):
    rp = make_rp(mock_psc, userinfo_format="jwt")
    rp.psc.inject_fault("userinfo_sub_mismatch", client_id=rp.client_id)
    rp.psc.inject_fault("userinfo_bad_signature", client_id=rp.client_id)
    tokens = rp.tokens()
    signed = userinfo(rp, tokens["access_token"]).text
    with pytest.raises(BadSignatureError):
        rp.verify(signed)
    payload = jws.extract_compact(signed.encode()).payload
    assert b'"sub"' in payload and rp.verify(tokens["id_token"]).claims["sub"].encode() not in payload
    clean = rp.tokens()  # consumed: the next login is clean
    assert rp.verify(userinfo(rp, clean["access_token"]).text).claims["sub"] == rp.verify(
        clean["id_token"]).claims["sub"]


@pytest.mark.parametrize("endpoint", ["token", "userinfo", "introspect"])
def test_server_error_faults(rp, endpoint):
    tokens = rp.tokens()
    rp.psc.inject_fault(f"{endpoint}_server_error", client_id=rp.client_id)
    if endpoint == "token":
        response = requests.post(rp.psc.endpoint("token"), data={"grant_type": "refresh_token",
                                                                 "refresh_token": tokens["refresh_token"]},
                                 auth=(rp.client_id, rp.secret), timeout=5)
    elif endpoint == "userinfo":
        response = userinfo(rp, tokens["access_token"])
    else:
        response = requests.post(rp.psc.endpoint("token/introspect"), data={"token": tokens["access_token"]},
                                 auth=(rp.client_id, rp.secret), timeout=5)
    assert response.status_code == 500 and response.json()["error"] == "server_error"
    assert userinfo(rp, tokens["access_token"]).status_code == 200  # once only


def test_client_less_endpoints_take_faults_armed_for_any_client(mock_psc):
    mock_psc.inject_fault("certs_server_error")
    mock_psc.inject_fault("discovery_server_error")
    assert requests.get(mock_psc.endpoint("certs"), timeout=5).status_code == 500
    assert requests.get(mock_psc.discovery_url, timeout=5).status_code == 500
    assert requests.get(mock_psc.endpoint("certs"), timeout=5).status_code == 200


def test_slow_responses_delay_without_blocking_others(rp):
    tokens = rp.tokens()
    rp.psc.inject_fault("userinfo_slow", 1.0, client_id=rp.client_id)
    started = time.monotonic()
    slow = userinfo(rp, tokens["access_token"])
    assert slow.status_code == 200 and time.monotonic() - started >= 1.0
    with pytest.raises(ValueError):
        rp.psc.inject_fault("token_slow", "soon")


def test_faults_until_cleared_and_listed(rp):
    rp.psc.inject_fault("acr", "eidas0", client_id=rp.client_id, times=None)
    assert [rp.verify(rp.tokens()["id_token"]).claims["acr"] for _ in range(2)] == ["eidas0", "eidas0"]
    listed = requests.get(rp.psc.auth_origin + "/__mock/faults", timeout=5).json()
    assert set(FAULTS) <= set(listed["known"]) and all(listed["known"].values())
    rp.psc.clear_faults()
    assert rp.verify(rp.tokens(MEDECIN)["id_token"]).claims["acr"] == "eidas1"
