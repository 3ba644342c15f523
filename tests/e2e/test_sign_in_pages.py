"""Every way a PSC sign-in can end on a Keycloak page, against the real Keycloak and the mock PSC: the smur
theme's page for it (`data-smur-page`), in French, with the region's name, no form field at all, and one
button, « Réessayer avec Pro Santé Connect », which starts a new PSC sign-in for the same app: it lands on
the mock's wallet page, and a professional who then signs in there reaches the app that asked first (its own
`state`, PKCE verifier and nonce).

The tablet app is played over HTTP (fixtures/tablet.py); tests/browser/test_browser_sign_in_pages.py shows
the same pages in Chromium.
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from firstlogin.psc_logins import CLAIMS_OVERRIDE, PIN, Professional, national_id_claims, new_professional
from fixtures.realms import copy_region, drop_realms, run_cli, unique_realm
from fixtures.tablet import TabletLogin, exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import browser_session, read_form, wallet_login
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials

REGION = "SMUR Grand Est"
CONTACT = "03 83 15 15 15"
LUHN_FAILING = "810003111463"  # 8 + an RPPS whose check digit is wrong (PSC never issues one)
NOT_REGISTERED = "Votre identifiant national n'est pas enregistré pour ce SMUR"  # the region's message
ANY_FIELD = re.compile(r"<(input|textarea|select)\b", re.I)


@dataclass
class PagesRealm:
    realm: str
    files: object
    linked: Professional  # signs in fine: proves a retry reaches the app
    disabled: Professional  # pre-linked, account disabled


@pytest.fixture(scope="module")
def pages_realm(tmp_path_factory, keycloak, mock_psc) -> PagesRealm:
    """One realm for the module (the shipped Grand Est region with a support contact and two staff)."""
    files = copy_region(tmp_path_factory.mktemp("pages"), unique_realm("sign-in-pages"), keycloak, mock_psc)
    linked = new_professional(mock_psc, "CLAIRE", "MOREAU")
    disabled = new_professional(mock_psc, "PAUL", "BLANC")
    files.edit("supportContact: support@grand-est.smur.example\n", f"supportContact: {CONTACT}\n")
    files.edit("\nusers:\n", "\nusers:\n"
               f'  - nationalId: "{linked.national_id}"\n    firstName: Claire\n    lastName: Moreau\n'
               f'  - nationalId: "{disabled.national_id}"\n    firstName: Paul\n    lastName: Blanc\n'
               "    enabled: false\n")
    applied = run_cli("apply", str(files.directory), "--yes", env=files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    yield PagesRealm(files.realm, files, linked, disabled)
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [files.realm])


def smur_page(response: requests.Response, page: str, *texts: str) -> str:
    """The theme's page ``page``, as the tablet shows it: French, the region, the texts, no field, one
    button (and at most the support contact's link). Returns the button's URL."""
    body = response.text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())  # what the screen reads
    assert f'data-smur-page="{page}"' in body, (response.status_code, text[:3000])
    assert response.status_code != 500, "never a 500"
    assert '<html lang="fr"' in body, "French by default"
    assert f'id="smur-region">{REGION}<' in body, "the region's name"
    assert not ANY_FIELD.search(body) and "<form" not in body, "no form, no field: nothing to type here"
    buttons = re.findall(r'<a id="smur-retry" class="psc-button" href="([^"]+)"', body)
    assert len(buttons) == 1, body
    links = re.findall(r"<a\b[^>]*>", body)
    assert len(links) == 1 + ('id="smur-support-link"' in body), links
    assert "Réessayer avec Pro Santé Connect" in text
    assert "password" not in body.lower()
    for expected in texts:
        assert expected in text, f"{expected!r} not on the page:\n{text[:3000]}"
    return urljoin(response.url, html.unescape(buttons[0]))


def retry_reaches_the_same_app(keycloak, realm: str, mock_psc, phone, login: TabletLogin, button: str,
                               professional: Professional) -> None:
    """The button: Keycloak sends the tablet to PSC's wallet page again; signing in there brings the code to
    the app that started the first attempt, for its own request (state, PKCE, nonce)."""
    wallet = login.session.get(button, timeout=30)
    assert wallet.status_code == 200 and wallet.url.startswith(f"{mock_psc.wallet_origin}/"), (wallet.url, wallet.text[:500])
    assert 'id="national_id"' in wallet.text, "the mock's wallet page"
    assert "kc_idp_hint" not in wallet.url  # PSC sees the broker's own parameters only
    back = wallet_login(login.session, wallet, professional.national_id, phone=phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict), html.unescape(result.text)[:2000]
    assert result["state"] == login.state, "the code answers the app's first request"
    tokens = exchange_code(keycloak, realm, login, result["code"])  # with that request's PKCE verifier
    claims = verified_claims(keycloak, realm, tokens["id_token"])
    assert (claims["aud"], claims["nonce"], claims["idnat"]) == ("smurtab", login.nonce, professional.national_id)


def _refused(keycloak, realm, mock_psc, phone, national_id, *, pin=PIN, claims=None, client_id=None):
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    if claims:
        mock_psc.inject_fault(CLAIMS_OVERRIDE, claims, client_id=client_id)
    back = wallet_login(login.session, login.page, national_id, phone=phone, pin=pin)
    page = follow_to_app(login.session, back)
    assert not isinstance(page, dict), f"signed in: {page}"
    return login, page


def test_psc_refused_wrong_pin_then_the_button_signs_in_to_the_same_app(pages_realm, keycloak, mock_psc,
                                                                          mock_psc_phone):
    someone = new_professional(mock_psc, "JEAN", "PETIT")
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, someone.national_id, pin="0000")
    button = smur_page(page, "psc-refused", "Connexion refusée par Pro Santé Connect",
                       "le code PIN était erroné")
    assert "smur-support" not in page.text, "another try is the way out, not the administrator"
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_psc_refused_declined_on_the_phone(pages_realm, keycloak, mock_psc, mock_psc_phone):
    someone = new_professional(mock_psc, "LEA", "ROBIN")
    login = start_login(keycloak, pages_realm.realm, mock_psc.wallet_origin)
    action, fields = read_form(login.page.text)
    waiting = login.session.post(urljoin(login.page.url, action), data={**fields, "national_id": someone.national_id},
                                 timeout=10)
    push = mock_psc_phone.wait_for_push(someone.national_id)
    assert mock_psc_phone.deny(push["id"]).status_code == 200
    for _ in range(50):
        back = login.session.get(waiting.url, allow_redirects=False, timeout=10)
        if back.status_code in (301, 302, 303):
            break
        time.sleep(0.05)
    page = follow_to_app(login.session, back)
    button = smur_page(page, "psc-refused", "la demande a été refusée sur le téléphone")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_ecps_locked_after_the_third_wrong_pin(pages_realm, keycloak, mock_psc, mock_psc_phone):
    someone = new_professional(mock_psc, "MARC", "FAURE")
    for attempt in (1, 2):
        _, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, someone.national_id, pin="0000")
        smur_page(page, "psc-refused")
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, someone.national_id, pin="0000")
    button = smur_page(page, "ecps-locked", "Votre e-CPS est verrouillée", "Réactivez-la dans l’application e-CPS")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_not_registered_shows_the_regions_message_and_its_support_contact(pages_realm, keycloak, mock_psc,
                                                                         mock_psc_phone):
    stranger = new_professional(mock_psc, "ANNE", "LEGRAND")
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, stranger.national_id)
    button = smur_page(page, "not-registered", "Vous n’êtes pas enregistré pour ce SMUR", NOT_REGISTERED,
                       f"Contact de votre SMUR : {CONTACT}")
    assert 'href="tel:0383151515"' in page.text
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_rpps_invalid(pages_realm, keycloak, mock_psc, mock_psc_phone):
    someone = new_professional(mock_psc, "LUC", "MARTIN")
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, someone.national_id,
                           claims=national_id_claims(LUHN_FAILING), client_id=pages_realm.files.psc_client_id)
    button = smur_page(page, "rpps-invalid", "Numéro RPPS invalide",
                       f"l’identifiant national {LUHN_FAILING} ne contient pas un numéro RPPS valide",
                       f"Contact de votre SMUR : {CONTACT}")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_authentication_level_insufficient(pages_realm, keycloak, mock_psc, mock_psc_phone):
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, pages_realm.linked.national_id,
                           claims={"acr": "eidas0"}, client_id=pages_realm.files.psc_client_id)
    button = smur_page(page, "acr-insufficient", "Niveau d’authentification insuffisant",
                       "(niveau exigé : eidas1 ou plus)", "carte CPS", f"Contact de votre SMUR : {CONTACT}")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_account_disabled(pages_realm, keycloak, mock_psc, mock_psc_phone):
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, pages_realm.disabled.national_id)
    button = smur_page(page, "account-disabled", "Compte désactivé", "Votre compte de ce SMUR est désactivé",
                       f"Contact de votre SMUR : {CONTACT}")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_psc_token_endpoint_failing(pages_realm, keycloak, mock_psc, mock_psc_phone):
    mock_psc.inject_fault("token_server_error", client_id=pages_realm.files.psc_client_id)
    login, page = _refused(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, pages_realm.linked.national_id)
    button = smur_page(page, "psc-unreachable", "Pro Santé Connect ne répond pas", "Réessayez dans quelques instants")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_sign_in_expired_while_at_psc(pages_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    admin = oracle(pages_realm.realm)
    before = admin.get_realm(pages_realm.realm)
    lifespans = ("accessCodeLifespan", "accessCodeLifespanLogin", "accessCodeLifespanUserAction")
    admin.update_realm(pages_realm.realm, {name: 3 for name in lifespans})
    try:
        login = start_login(keycloak, pages_realm.realm, mock_psc.wallet_origin)
        time.sleep(5)  # the professional is slow at PSC: Keycloak's sign-in has expired meanwhile
        # The servers close keep-alive connections idle for 5 s: a pooled one may be reset as it is reused.
        for adapter in login.session.adapters.values():
            adapter.close()
        back = wallet_login(login.session, login.page, pages_realm.linked.national_id, phone=mock_psc_phone, pin=PIN)
        page = follow_to_app(login.session, back)
        assert not isinstance(page, dict), page
    finally:
        admin.update_realm(pages_realm.realm, {name: before[name] for name in lifespans})
    button = smur_page(page, "expired", "Page ou session expirée")
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


def test_a_login_form_bound_by_hand_still_shows_only_pro_sante_connect(provisioned, keycloak, mock_psc,
                                                                       mock_psc_phone, oracle):
    """The realm's PSC-only flow never shows Keycloak's login page; if someone binds Keycloak's stock browser
    flow by hand (drift reports it), the page it asks for is the theme's: no field, one button to PSC."""
    realm = provisioned.realm
    oracle(realm).update_realm(realm, {"browserFlow": "browser"})
    session = browser_session()  # keeps Keycloak's Secure cookies on loopback http, as a browser does
    page = session.get(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/auth", params={
        "client_id": "smurtab", "redirect_uri": "http://127.0.0.1:8090/callback", "response_type": "code",
        "scope": "openid", "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256"}, timeout=30)
    button = smur_page(page, "psc-redirect", "Connexion avec Pro Santé Connect", "l’application e-CPS")
    wallet = session.get(button, timeout=30)
    assert wallet.status_code == 200 and wallet.url.startswith(f"{mock_psc.wallet_origin}/"), wallet.url


def test_an_app_asking_for_a_provider_the_realm_lacks_gets_the_refused_page(pages_realm, keycloak):
    """Anything Keycloak refuses that has no page of its own gets the theme's « Connexion impossible », with the
    region's support contact: here an app sending a kc_idp_hint the realm has no provider for (its retry replays
    that same request, so the contact is the way out)."""
    session = browser_session()
    page = session.get(f"{keycloak.base_url}/realms/{pages_realm.realm}/protocol/openid-connect/auth", params={
        "client_id": "smurtab", "redirect_uri": "http://127.0.0.1:8090/callback", "response_type": "code",
        "scope": "openid", "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256",
        "kc_idp_hint": "no-such-provider"}, timeout=30)
    button = smur_page(page, "refused", "Connexion impossible", "ce SMUR n’accepte que Pro Santé Connect",
                       f"Contact de votre SMUR : {CONTACT}")
    assert f"/realms/{pages_realm.realm}/login-actions/restart?" in button and "client_id=smurtab" in button, button


def _psc_fails_after_the_wallet(pages_realm, keycloak, mock_psc, phone, oracle):
    """A login up to PSC's redirect back; returns (tablet, Keycloak's page, seconds Keycloak took, new events)."""
    admin = oracle(pages_realm.realm)
    seen = {e["id"] for e in admin.get_events({"max": 500})}
    login = start_login(keycloak, pages_realm.realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, pages_realm.linked.national_id, phone=phone, pin=PIN)
    started = time.monotonic()
    page = follow_to_app(login.session, back)
    took = time.monotonic() - started
    assert not isinstance(page, dict), page
    events = [e for e in admin.get_events({"max": 500}) if e["id"] not in seen]
    return login, page, took, events


def _why(events) -> list[tuple]:
    return [(e["type"], e.get("error"), (e.get("details") or {}).get("reason")) for e in events if e.get("error")]


def test_psc_too_slow_gets_the_page_within_15_seconds_and_an_event_says_why(pages_realm, keycloak, mock_psc,
                                                                          mock_psc_phone, oracle):
    # Keycloak reads PSC's answers for 10 s at most (provisioning/runtime/keycloak.py); this one takes 20.
    mock_psc.inject_fault("token_slow", 20, client_id=pages_realm.files.psc_client_id)
    login, page, took, events = _psc_fails_after_the_wallet(pages_realm, keycloak, mock_psc, mock_psc_phone, oracle)
    assert 9 < took < 15, took
    assert page.status_code == 502, page.status_code
    button = smur_page(page, "psc-unreachable", "Pro Santé Connect ne répond pas")
    assert _why(events) == [("IDENTITY_PROVIDER_LOGIN_ERROR", "identity_provider_login_failure",
                             "psc_token_request_failed")], events
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)


@pytest.mark.parametrize("token_url", ["http://127.0.0.1:9/token", "https://192.0.2.1/token"],
                         ids=["connection-refused", "no-answer-at-all"])
def test_psc_down_gets_the_page_within_15_seconds_never_a_500(token_url, pages_realm, keycloak, mock_psc,
                                                              mock_psc_phone, oracle):
    """PSC's token endpoint down: a closed port, or an address that never answers (TEST-NET-1: Keycloak gives
    up connecting after 5 s)."""
    admin = oracle(pages_realm.realm)
    idp = admin.get_idp("psc")
    real = idp["config"]["tokenUrl"]
    admin.update_idp("psc", {**idp, "config": {**idp["config"], "tokenUrl": token_url}})
    try:
        login, page, took, events = _psc_fails_after_the_wallet(pages_realm, keycloak, mock_psc, mock_psc_phone,
                                                                oracle)
    finally:
        admin.update_idp("psc", {**idp, "config": {**idp["config"], "tokenUrl": real}})
    assert took < 15, took
    assert page.status_code == 502, page.status_code  # Keycloak's own answer to an I/O error is a 500
    button = smur_page(page, "psc-unreachable", "Pro Santé Connect est injoignable")
    assert _why(events) == [("IDENTITY_PROVIDER_LOGIN_ERROR", "identity_provider_login_failure",
                             "psc_token_request_failed")], events
    retry_reaches_the_same_app(keycloak, pages_realm.realm, mock_psc, mock_psc_phone, login, button,
                               pages_realm.linked)
