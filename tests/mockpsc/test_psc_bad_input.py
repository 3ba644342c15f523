"""Bad input to any endpoint of the mock gets an OIDC-style error (or an error
page for browser pages), never a 500: every route, with malformed bodies,
wrong content types, oversized bodies, odd query strings and unknown ids."""
import re

import pytest
import requests
from starlette.routing import Route

from mockpsc.apps import auth_app, wallet_app

BODIES = [
    (b"", {}),
    (b"%%%=&&==\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"{not json", {"Content-Type": "application/json"}),
    (b'["a", 1]', {"Content-Type": "application/json"}),
    (b'{"pin": 1234, "number": [1], "national_id": 8, "link": {}, "code": null, "grace": "x"}',
     {"Content-Type": "application/json"}),
    (b"a=" + b"x" * 70000, {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"grant_type=a&grant_type=b&token=x&token=y", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"\x00\x01\x02", {"Content-Type": "text/plain"}),
]
PATH_PARAMETER = re.compile(r"\{[a-z_]+(?::[a-z]+)?\}")
QUERIES = ["", "?national_id=%ZZ&to=%FF", "?client_id=a&client_id=b&redirect_uri=x", "?since=abc&event=",
           "?tx=&token=" + "A" * 3000]


def routes(app) -> list[tuple[str, str]]:
    starlette_app = app.app
    found = []
    for route in starlette_app.routes:
        assert isinstance(route, Route)
        path = PATH_PARAMETER.sub("nope", route.path)  # {device_id}, {national_id:path}...
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path))
    return found


def all_requests(psc):
    state = psc.state
    for origin, app in ((psc.auth_origin, auth_app(state)), (psc.wallet_origin, wallet_app(state))):
        for method, path in routes(app):
            yield origin, method, path


def test_no_route_answers_500_to_bad_input(mock_psc):
    since = mock_psc.log_entries()[-1]["seq"]
    checked = 0
    for origin, method, path in all_requests(mock_psc):
        for query in QUERIES:
            if method == "GET":
                response = requests.get(origin + path + query, timeout=10, allow_redirects=False)
                assert response.status_code < 500, (method, path, query, response.text[:300])
                checked += 1
                continue
            for body, headers in BODIES:
                response = requests.request(method, origin + path + query, data=body, headers=headers, timeout=10,
                                            allow_redirects=False)
                assert response.status_code < 500, (method, path, query, body[:40], response.text[:300])
                checked += 1
    assert checked > 500
    crashes = mock_psc.log_entries(since, event="server.error")
    assert crashes == [], crashes


@pytest.mark.parametrize("path", [
    "/auth/realms/esante-wallet/protocol/openid-connect/token",
    "/auth/realms/esante-wallet/protocol/openid-connect/token/introspect",
    "/auth/realms/esante-wallet/protocol/openid-connect/revoke",
    "/auth/realms/esante-wallet/protocol/openid-connect/ext/ciba/auth",
])
def test_oauth_endpoints_answer_oauth_errors(mock_psc, path):
    response = requests.post(mock_psc.auth_origin + path, data=b"{", headers={"Content-Type": "application/json"},
                             timeout=5)
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "invalid_request" and response.json()["error_description"]
    unauthenticated = requests.post(mock_psc.auth_origin + path, data={"token": "x"}, timeout=5)
    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"] == "invalid_client"


def test_unknown_paths_and_methods_are_json_errors(mock_psc):
    missing = requests.get(mock_psc.auth_origin + "/auth/realms/other/.well-known/openid-configuration", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong_method = requests.delete(mock_psc.endpoint("token"), timeout=5)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "invalid_request"
