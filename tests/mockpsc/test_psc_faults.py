"""Fault injection into the next token response(s)."""
import pytest
import requests
from joserfc import jws
from joserfc.errors import BadSignatureError

from psc_helpers import make_rp


def test_id_token_bad_signature_fails_verification_with_the_real_kid(rp):
    real_kid = requests.get(rp.psc.endpoint("certs"), timeout=5).json()["keys"][0]["kid"]
    rp.psc.inject_fault("id_token_bad_signature", client_id=rp.client_id)
    tokens = rp.tokens()
    with pytest.raises(BadSignatureError):
        rp.verify(tokens["id_token"])
    assert jws.extract_compact(tokens["id_token"].encode()).protected["kid"] == real_kid
    rp.verify(tokens["access_token"])  # only the ID token is spoiled
    rp.verify(rp.tokens()["id_token"])  # times=1: the next response is clean again


# What a relying party must refuse: a level below eidas1, no acr, garbage, a list, a number.
@pytest.mark.parametrize(("value", "expected"), [
    ("eidas0", "eidas0"), (None, "absent"), ("substantial", "substantial"), (["eidas1"], ["eidas1"]), (2, 2),
], ids=["eidas0", "missing", "garbage", "list", "number"])
def test_acr_fault_replaces_or_removes_acr(rp, value, expected):
    rp.psc.inject_fault("acr", value, client_id=rp.client_id)
    tokens = rp.tokens()
    assert rp.verify(tokens["id_token"]).claims.get("acr", "absent") == expected
    assert rp.verify(tokens["access_token"]).claims.get("acr", "absent") == expected
    assert rp.verify(rp.tokens()["id_token"]).claims["acr"] == "eidas1"  # times=1: the next login is clean


def test_faults_over_http_are_scoped_to_a_client_and_clearable(mock_psc, rp):
    other = make_rp(mock_psc)
    url = mock_psc.auth_origin + "/__mock/faults"
    armed = requests.post(url, json={"client_id": rp.client_id, "fault": "acr", "value": "eidas0", "times": 2},
                          timeout=5)
    assert armed.status_code == 201
    assert rp.verify(other.tokens()["id_token"]).claims["acr"] == "eidas1"  # other client untouched
    assert rp.verify(rp.tokens()["id_token"]).claims["acr"] == "eidas0"
    assert requests.delete(url, headers={"Content-Type": "application/json"}, timeout=5).status_code == 204
    assert requests.get(url, timeout=5).json()["armed"] == []
    assert rp.verify(rp.tokens()["id_token"]).claims["acr"] == "eidas1"


def test_bad_fault_requests_are_400(mock_psc):
    url = mock_psc.auth_origin + "/__mock/faults"
    assert requests.post(url, json={"fault": "nope"}, timeout=5).status_code == 400
    assert requests.post(url, json={"fault": "acr"}, timeout=5).status_code == 400  # value required
    assert requests.post(url, json={"fault": "acr", "value": "x", "times": 0}, timeout=5).status_code == 400
    assert requests.post(url, data=b"{", headers={"Content-Type": "application/json"}, timeout=5).status_code == 400
