"""mockpsc.testing helpers that the Keycloak end-to-end tests lean on."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mockpsc.testing import browser_session, fresh_national_id, read_error, read_match_number
from psc_ids.national_id import parse_national_id


def test_read_match_number_and_error():
    assert read_match_number('<p class="number" id="match-number">07</p>') == "07"
    with pytest.raises(AssertionError):
        read_match_number("<p>nothing</p>")
    html = '<p id="error" class="error" data-code="bare_rpps">Ajoutez un 8\n devant</p>'
    assert read_error(html) == {"code": "bare_rpps", "message": "Ajoutez un 8 devant"}
    assert read_error("<p>fine</p>") is None


def test_fresh_national_ids_are_valid_and_distinct():
    ids = {fresh_national_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(parse_national_id(i).type == "RPPS" for i in ids)


class _CookieHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        self.send_response(200)
        if self.path == "/set":
            # What Keycloak sends over plain http on loopback.
            self.send_header("Set-Cookie", "AUTH_SESSION_ID=abc;Version=1;Path=/;Secure;HttpOnly;SameSite=None")
        body = (self.headers.get("Cookie") or "").encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_browser_session_keeps_secure_cookies_on_loopback_http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CookieHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        session = browser_session()
        session.get(base + "/set", timeout=5)
        assert "AUTH_SESSION_ID=abc" in session.get(base + "/echo", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()
