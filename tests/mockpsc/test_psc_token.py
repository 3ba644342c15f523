"""Token endpoint: code binding, PKCE, client authentication, error shapes."""
import pytest
import requests

from mockpsc.testing import fresh_national_id

from psc_helpers import PIN, make_rp


def assert_oauth_error(response, status: int, error: str):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_code_is_single_use(rp):
    code = rp.code()
    assert rp.exchange(code).status_code == 200
    assert_oauth_error(rp.exchange(code), 400, "invalid_grant")


def test_wrong_pkce_verifier(rp):
    code = rp.code()
    assert_oauth_error(rp.exchange(code, verifier="w" * 43), 400, "invalid_grant")


def test_missing_pkce_verifier(rp):
    code = rp.code()
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    response = requests.post(rp.psc.endpoint("token"), data=data, auth=(rp.client_id, rp.secret), timeout=5)
    assert_oauth_error(response, 400, "invalid_grant")


def test_code_used_by_another_client(mock_psc, rp):
    code = rp.code()
    other = make_rp(mock_psc)
    other.verifier = rp.verifier
    other.redirect_uri = rp.redirect_uri
    assert_oauth_error(other.exchange(code), 400, "invalid_grant")


def test_redirect_uri_must_match_the_authorization_request(rp):
    code = rp.code()
    assert_oauth_error(rp.exchange(code, redirect_uri="http://127.0.0.1:9/other"), 400, "invalid_grant")


def test_bad_client_secret_is_invalid_client_401(rp):
    code = rp.code()
    response = rp.exchange(code, secret="wrong")
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert_oauth_error(rp.exchange(code, auth="post", secret="wrong"), 401, "invalid_client")


def test_unknown_client_and_no_client_auth(mock_psc):
    url = mock_psc.endpoint("token")
    data = {"grant_type": "authorization_code", "code": "x", "redirect_uri": "http://x"}
    assert_oauth_error(requests.post(url, data=data, auth=("nobody", "s"), timeout=5), 401, "invalid_client")
    assert_oauth_error(requests.post(url, data={**data, "client_id": "nobody"}, timeout=5), 401, "invalid_client")


def test_auth_method_not_allowed_for_the_client(mock_psc):
    rp = make_rp(mock_psc, auth_methods=["client_secret_basic"])
    code = rp.code()
    assert_oauth_error(rp.exchange(code, auth="post"), 401, "invalid_client")


def test_two_auth_methods_at_once_is_invalid_request(rp):
    code = rp.code()
    assert_oauth_error(rp.exchange(code, client_secret=rp.secret), 400, "invalid_request")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"%%%=&&==\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"grant_type": "authorization_code"}', {"Content-Type": "application/json"}),
        (b"", {}),
        (b"grant_type=a&grant_type=b", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"code=%E9", {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
)
def test_malformed_bodies_are_400_json_never_500(rp, body, headers):
    response = requests.post(rp.psc.endpoint("token"), data=body, headers=headers,
                             auth=(rp.client_id, rp.secret), timeout=5)
    assert_oauth_error(response, 400, "invalid_request")


def test_garbage_basic_header_is_invalid_client(rp):
    response = requests.post(rp.psc.endpoint("token"), data={"grant_type": "authorization_code"},
                             headers={"Authorization": "Basic !!!notbase64"}, timeout=5)
    assert_oauth_error(response, 401, "invalid_client")


def test_missing_and_unsupported_grant_types(rp):
    url = rp.psc.endpoint("token")
    auth = (rp.client_id, rp.secret)
    assert_oauth_error(requests.post(url, data={"code": "x"}, auth=auth, timeout=5), 400, "invalid_request")
    assert_oauth_error(requests.post(url, data={"grant_type": "password"}, auth=auth, timeout=5),
                       400, "unsupported_grant_type")


def test_missing_code_is_invalid_request(rp):
    response = requests.post(rp.psc.endpoint("token"), data={"grant_type": "authorization_code"},
                             auth=(rp.client_id, rp.secret), timeout=5)
    assert_oauth_error(response, 400, "invalid_request")


def test_code_expires_after_60_seconds(own_psc):
    rp = make_rp(own_psc)
    national_id = fresh_national_id()
    own_psc.add_identity(national_id, "A", "B", ecps={"pin": PIN})
    code = rp.code(national_id)
    own_psc.clock.advance(60)
    assert_oauth_error(rp.exchange(code), 400, "invalid_grant")
