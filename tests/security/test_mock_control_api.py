"""The mock's /__mock control API cannot be written by a web page nor, on public origins, by
anyone without the per-start token (issue 11 §7).

A page can send a cross-origin POST with a text/plain, form or multipart body without a CORS
preflight: on a mock a browser reaches (docker compose publishes it), that registers a client,
arms a fault or adds an identity. Each attack asserts the refusal and that nothing changed.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from mockpsc.server import MockPSC
from mockpsc.testing import fresh_national_id
from provisioning.runtime.keycloak import free_port

JSON = {"Content-Type": "application/json"}


def _client(client_id: str) -> dict:
    return {"client_id": client_id, "secret": "attacker-secret-value", "redirect_uris": ["https://attacker.example/cb"]}


def _registered(psc: MockPSC, client_id: str) -> bool:
    return psc.state.clients.get(client_id) is not None


@pytest.fixture
def loopback_psc():
    """A mock on loopback only, as tests and `smur-iam demo` run it: no token, the other rules hold."""
    with MockPSC() as psc:
        yield psc


@pytest.fixture
def public_psc():
    """A mock serving public origins, as docker-compose.yml runs it (reached here on 127.0.0.1)."""
    auth_port, wallet_port = free_port(), free_port()
    with MockPSC(auth_port=auth_port, wallet_port=wallet_port,
                 public_auth_origin=f"http://psc-auth.localhost:{auth_port}",
                 public_wallet_origin=f"http://psc.localhost:{wallet_port}") as psc:
        psc.control_url = f"http://127.0.0.1:{auth_port}/__mock"
        yield psc


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_write_without_a_json_content_type_is_refused_and_changes_nothing(loopback_psc, content_type):
    base = loopback_psc.auth_origin + "/__mock"
    headers = {"Content-Type": content_type} if content_type else {}
    client_id = f"csrf-{fresh_national_id()}"
    refused = requests.post(base + "/clients", data=json.dumps(_client(client_id)), headers=headers, timeout=5)
    assert refused.status_code == 415, refused.text
    assert refused.json()["error"] == "unsupported_media_type" and "application/json" in \
        refused.json()["error_description"]
    assert not _registered(loopback_psc, client_id)
    assert client_id not in requests.get(base + "/clients", timeout=5).text

    national_id = fresh_national_id()
    identity = {"national_id": national_id, "given_name": "EVE", "family_name": "ATTACKER", "ecps": {"pin": "1234"}}
    assert requests.post(base + "/identities", data=json.dumps(identity), headers=headers,
                         timeout=5).status_code == 415
    assert loopback_psc.state.identities.get(national_id) is None
    assert requests.post(base + "/faults", data=json.dumps({"fault": "acr", "value": "eidas3", "times": None}),
                         headers=headers, timeout=5).status_code == 415
    assert loopback_psc.state.faults.view() == []


def test_body_less_writes_need_the_json_content_type_too(loopback_psc):
    """keys/rotate, ecps unlock and DELETE faults carry no body: a page could still send them."""
    base = loopback_psc.auth_origin + "/__mock"
    active = loopback_psc.state.keys.active.kid
    assert requests.post(base + "/keys/rotate", timeout=5).status_code == 415
    assert requests.post(base + "/keys/rotate", headers={"Content-Type": "text/plain"}, timeout=5).status_code == 415
    assert loopback_psc.state.keys.active.kid == active
    loopback_psc.inject_fault("acr", "eidas3", times=None)
    assert requests.delete(base + "/faults", timeout=5).status_code == 415
    assert len(loopback_psc.state.faults.view()) == 1
    # The same requests with the JSON type go through (empty body allowed).
    assert requests.delete(base + "/faults", headers=JSON, timeout=5).status_code == 204
    assert requests.post(base + "/keys/rotate", headers=JSON, timeout=5).status_code == 201


@pytest.mark.parametrize("headers", [
    {"Origin": "http://attacker.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},  # same host, another port: another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
], ids=["foreign", "null", "other-port", "cross-site", "same-site"])
def test_a_cross_origin_request_is_refused_and_changes_nothing(loopback_psc, headers):
    base = loopback_psc.auth_origin + "/__mock"
    client_id = f"cors-{fresh_national_id()}"
    refused = requests.post(base + "/clients", json=_client(client_id), headers=headers, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"] == "cross_origin_refused"
    assert "access-control-allow-origin" not in {k.lower() for k in refused.headers}
    assert not _registered(loopback_psc, client_id)
    # Reads too: the log holds identities and client ids.
    assert requests.get(base + "/log", headers=headers, timeout=5).status_code == 403
    # A preflight gets no CORS grant either, so a browser never sends the JSON request.
    preflight = requests.options(base + "/clients", headers={**headers, "Access-Control-Request-Method": "POST",
                                                             "Access-Control-Request-Headers": "content-type"},
                                 timeout=5)
    assert preflight.status_code >= 400 and "access-control-allow-origin" not in {k.lower() for k in preflight.headers}


def test_the_mocks_own_origin_is_accepted(loopback_psc):
    client_id = f"own-{fresh_national_id()}"
    created = requests.post(loopback_psc.auth_origin + "/__mock/clients", json=_client(client_id),
                            headers={"Origin": loopback_psc.auth_origin, "Sec-Fetch-Site": "same-origin"}, timeout=5)
    assert created.status_code == 201 and _registered(loopback_psc, client_id)


def test_on_public_origins_no_token_is_401_and_changes_nothing(public_psc):
    client_id = f"notoken-{fresh_national_id()}"
    refused = requests.post(public_psc.control_url + "/clients", json=_client(client_id), timeout=5)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_token" and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert not _registered(public_psc, client_id)
    active = public_psc.state.keys.active.kid
    assert requests.post(public_psc.control_url + "/keys/rotate", headers=JSON, timeout=5).status_code == 401
    assert public_psc.state.keys.active.kid == active
    for path in ("/clients", "/log", "/identities", "/faults"):  # nothing to read either
        assert requests.get(public_psc.control_url + path, timeout=5).status_code == 401, path


@pytest.mark.parametrize("authorization", ["Bearer wrong-token-of-some-length", "Bearer ", "Basic YWRtaW46YWRtaW4=",
                                           "bearer"])
def test_on_public_origins_a_wrong_token_is_401(public_psc, authorization):
    client_id = f"badtoken-{fresh_national_id()}"
    refused = requests.post(public_psc.control_url + "/clients", json=_client(client_id),
                            headers={"Authorization": authorization}, timeout=5)
    assert refused.status_code == 401 and not _registered(public_psc, client_id)
    # The token of the right length, one character off.
    token = public_psc.control_token
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert requests.post(public_psc.control_url + "/clients", json=_client(client_id),
                         headers={"Authorization": f"Bearer {near}"}, timeout=5).status_code == 401
    assert not _registered(public_psc, client_id)


def test_on_public_origins_the_right_token_works(public_psc):
    assert len(public_psc.control_token) >= 32
    client_id = f"token-{fresh_national_id()}"
    created = requests.post(public_psc.control_url + "/clients", json=_client(client_id),
                            headers=public_psc.control_headers(), timeout=5)
    assert created.status_code == 201 and _registered(public_psc, client_id)
    # The token does not lift the other rules.
    assert requests.post(public_psc.control_url + "/clients", data=json.dumps(_client("x-" + client_id)),
                         headers={**public_psc.control_headers(), "Content-Type": "text/plain"},
                         timeout=5).status_code == 415
    assert requests.post(public_psc.control_url + "/clients", json=_client("y-" + client_id),
                         headers={**public_psc.control_headers(), "Origin": "http://attacker.example"},
                         timeout=5).status_code == 403
    assert not _registered(public_psc, "x-" + client_id) and not _registered(public_psc, "y-" + client_id)


def test_listening_beyond_loopback_needs_a_token_too():
    with MockPSC(host="0.0.0.0") as psc:
        assert psc.control_token
        url = f"http://127.0.0.1:{psc.auth_origin.rsplit(':', 1)[1]}/__mock/clients"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, headers=psc.control_headers(), timeout=5).status_code == 200


def test_a_given_token_is_required_even_on_loopback_and_a_short_one_is_refused():
    with MockPSC(control_token="a-token-chosen-by-the-deployment") as psc:
        assert requests.get(psc.auth_origin + "/__mock/clients", timeout=5).status_code == 401
        assert requests.get(psc.auth_origin + "/__mock/clients", timeout=5,
                            headers={"Authorization": "Bearer a-token-chosen-by-the-deployment"}).status_code == 200
    with pytest.raises(ValueError, match="at least 16"):
        MockPSC(control_token="short")


ATTACKER_PAGE = """<!doctype html><title>cute cats</title><script>
(async () => {
  const target = %(target)s, body = %(body)s;
  // No preflight for these: text/plain and form bodies, no-cors mode (the answer is opaque).
  for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
    try { await fetch(target + "/clients", {method: "POST", mode: "no-cors", headers: {"Content-Type": type},
                                           body: JSON.stringify(body[type])}); } catch (e) {}
  }
  try { await fetch(target + "/keys/rotate", {method: "POST", mode: "no-cors"}); } catch (e) {}
  // With the JSON type the browser asks first (preflight), and must get no grant.
  let json = "sent";
  try { await fetch(target + "/clients", {method: "POST", headers: {"Content-Type": "application/json"},
                                          body: JSON.stringify(body.json)}); } catch (e) { json = "blocked"; }
  document.title = "done " + json;
})();
</script>"""


def test_a_web_page_in_a_real_browser_cannot_write_to_the_control_api(loopback_psc, chromium):
    """Chromium, an attacker's page on another origin of this machine, the requests a page can make."""
    names = {kind: f"page-{kind}-{fresh_national_id()}" for kind in
             ("text/plain", "application/x-www-form-urlencoded", "json")}
    page_html = ATTACKER_PAGE % {"target": json.dumps(loopback_psc.auth_origin + "/__mock"),
                                 "body": json.dumps({kind: _client(name) for kind, name in names.items()})}

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            data = page_html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    active = loopback_psc.state.keys.active.kid
    since = loopback_psc.log_entries()[-1]["seq"]
    try:
        context = chromium.new_context()
        try:
            page = context.new_page()
            # localhost vs 127.0.0.1: another origin and another site, both on this machine.
            page.goto(f"http://localhost:{server.server_address[1]}/")
            page.wait_for_function("document.title.startsWith('done')", timeout=15_000)
            assert page.title() == "done blocked"
        finally:
            context.close()
    finally:
        server.shutdown()
        server.server_close()
    registered = [kind for kind, name in names.items() if _registered(loopback_psc, name)]
    assert registered == [], f"a web page registered a client with a {registered} body"
    assert loopback_psc.state.keys.active.kid == active, "a web page rotated the signing key"
    reached = [e for e in loopback_psc.log_entries(since) if e["kind"] == "http" and e["path"].startswith("/__mock")]
    assert reached, "the browser's requests must have reached the mock (and been refused there)"
    assert {e["status"] for e in reached} == {403}, reached
