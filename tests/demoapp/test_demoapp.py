"""The SMUR-T@b stand-in: standard OIDC against the realm, PSC login, who is signed in, logout."""
from __future__ import annotations

from urllib.parse import urljoin

import pytest

from demoapp.server import DemoApp
from fixtures.realms import run_cli
from mockpsc.testing import browser_session, read_form, wallet_login


@pytest.fixture
def tablet_app(region_files, keycloak):
    app = DemoApp(f"{keycloak.base_url}/realms/{region_files.realm}")
    region_files.env |= {"SMURTAB_REDIRECT_URI": app.redirect_uri, "SMURTAB_ORIGIN": app.origin}
    result = run_cli("apply", str(region_files.directory), env=region_files.env)
    assert result.returncode == 0, result.stderr
    with app.start():
        yield app


def follow(session, response, stop_at: str | None = None, hops: int = 20):
    """Follow redirects by hand (so each hop is visible), until a page or a URL starting with ``stop_at``."""
    for _ in range(hops):
        if response.status_code not in (301, 302, 303):
            return response
        target = urljoin(response.url, response.headers["Location"])
        if stop_at and target.startswith(stop_at):
            return target
        response = session.get(target, allow_redirects=False, timeout=30)
    raise AssertionError("too many redirects")


def sign_in(session, app, mock_psc, phone, national_id="899700218896"):
    page = follow(session, session.get(f"{app.origin}/login", allow_redirects=False, timeout=30))
    assert page.url.startswith(mock_psc.wallet_origin), "the app's button must land on PSC's page"
    back = wallet_login(session, page, national_id, phone=phone, pin="1234")
    return follow(session, back)


def test_login_page_has_the_psc_button(tablet_app):
    page = browser_session().get(f"{tablet_app.origin}/", timeout=10)
    assert page.status_code == 200
    assert 'id="psc-login"' in page.text and "PRO SANTÉ CONNECT" in page.text and "#000091" in page.text


def test_sign_in_shows_who_is_connected_then_logout_ends_both_sessions(tablet_app, mock_psc, mock_psc_phone,
                                                                       region_files, oracle):
    session = browser_session()
    home = sign_in(session, tablet_app, mock_psc, mock_psc_phone)
    assert home.url == f"{tablet_app.origin}/" and 'id="connected"' in home.text, home.text[:800]
    # The names PSC gives (the region file's "Camille Durand" only seeded the account).
    assert "CAMILLE DURAND" in home.text and "99700218896" in home.text and "899700218896" in home.text
    kc = oracle(region_files.realm)
    user_id = kc.get_user_id("899700218896")
    assert len(kc.get_sessions(user_id)) == 1

    before = len(mock_psc.log_entries(event="session.ended")) if hasattr(mock_psc, "log_entries") else 0
    landing = follow(session, session.get(f"{tablet_app.origin}/logout", allow_redirects=False, timeout=30))
    assert landing.url == f"{tablet_app.origin}/", landing.url
    assert 'id="psc-login"' in landing.text, "logout lands back on the app's login page"
    assert kc.get_sessions(user_id) == [], "the Keycloak session is over"
    logout_calls = [e for e in mock_psc.log_entries() if e.get("path", "").endswith("/protocol/openid-connect/logout")]
    assert logout_calls, "Keycloak must log out of PSC too (RP-initiated logout through the broker)"
    assert len(mock_psc.log_entries(event="session.ended")) >= before

    # A second login asks for the national id again.
    page = follow(session, session.get(f"{tablet_app.origin}/login", allow_redirects=False, timeout=30))
    assert page.url.startswith(mock_psc.wallet_origin)
    _, fields = read_form(page.text)
    assert "national_id" in fields
