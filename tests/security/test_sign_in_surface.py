"""Only Pro Santé Connect gets into a regional realm (issue 11, §1-4): the attacks, as an attacker tries them.

Against the realm exactly as `smur-iam apply` leaves it (the shipped national defaults and the Grand
Est region), real Keycloak, mock PSC. Each test is an attack that worked on the realms before issue 11
(the test failed there) and asserts the refusal and that nothing changed.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, parse_qsl, urljoin, urlparse

import pytest
import requests

from fixtures.realms import SMURTAB_REDIRECT
from fixtures.tablet import TabletLogin, exchange_code, follow_to_app
from firstlogin.psc_logins import PIN, Professional, new_professional, psc_login
from mockpsc.testing import browser_session, wallet_login

PASSWORD_FIELD = re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE)


def staff_member(kc, mock_psc, given: str, family: str) -> tuple[Professional, str]:
    """A professional known to the mock PSC and pre-linked in the realm, as `smur-iam links` leaves her."""
    person = new_professional(mock_psc, given, family)
    user_id = kc.add_user(person.username, first=given.title(), last=family.title(), rpps=person.rpps,
                          idnat=person.national_id)
    kc.link(user_id, person.national_id)
    return person, user_id


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize(session: requests.Session, keycloak, realm: str, verifier_challenge=None, **params) -> list:
    """smurtab's authorization request with ``params``, followed through Keycloak: every hop, last one
    on another origin (PSC's wallet, the app) or a Keycloak page."""
    _, challenge = verifier_challenge or pkce()
    query = {"client_id": "smurtab", "redirect_uri": SMURTAB_REDIRECT, "response_type": "code", "scope": "openid",
             "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
             "code_challenge_method": "S256", **params}
    hops = [session.get(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/auth", params=query,
                        allow_redirects=False, timeout=30)]
    while hops[-1].status_code in (302, 303) and len(hops) < 10:
        location = urljoin(hops[-1].url, hops[-1].headers["Location"])
        if not location.startswith(keycloak.base_url):
            hops.append(location)  # left Keycloak: the wallet or the app
            break
        hops.append(session.get(location, allow_redirects=False, timeout=30))
    return hops


def pages(hops) -> list[str]:
    return [hop.text for hop in hops if isinstance(hop, requests.Response)]


def test_without_kc_idp_hint_the_browser_goes_straight_to_psc_and_no_page_has_a_form(
        policy_realm, keycloak, mock_psc):
    files, _ = policy_realm("deny")

    hops = authorize(browser_session(), keycloak, files.realm)  # no kc_idp_hint: what a careless app sends

    assert isinstance(hops[-1], str) and hops[-1].startswith(mock_psc.wallet_origin), hops[-1]
    for text in pages(hops):
        assert not PASSWORD_FIELD.search(text), text[:1500]
    # A hint naming no provider, or an empty one: Keycloak's error page, never a login form to fall back on.
    for hint in ("bogus", ""):
        hops = authorize(browser_session(), keycloak, files.realm, kc_idp_hint=hint)
        last = hops[-1]
        assert isinstance(last, requests.Response) and last.status_code >= 400, (hint, last)
        assert not PASSWORD_FIELD.search(last.text) and 'name="password"' not in last.text, last.text[:1500]


def test_the_wallet_url_carries_the_brokers_own_parameters_and_nothing_the_app_sent(policy_realm, keycloak, mock_psc):
    files, _ = policy_realm("deny")
    app_sends = {"kc_idp_hint": "psc", "prompt": "consent", "login_hint": "899700218896", "ui_locales": "en",
                 "max_age": "5", "acr_values": "eidas3", "claims": json.dumps({"id_token": {"acr": None}}),
                 "display": "touch", "smur_iam_forwards_nothing": "x", "foo": "bar"}

    hops = authorize(browser_session(), keycloak, files.realm, **app_sends)

    wallet = hops[-1]
    assert isinstance(wallet, str) and wallet.startswith(mock_psc.wallet_origin), wallet
    query = parse_qsl(urlparse(wallet).query, keep_blank_values=True)
    names = sorted(name for name, _ in query)
    assert names == sorted(["acr_values", "client_id", "code_challenge", "code_challenge_method", "nonce", "prompt",
                            "redirect_uri", "response_type", "scope", "state"]), query
    values = dict(query)
    assert values["acr_values"] == "eidas1" and values["prompt"] == "login", query
    assert values["scope"] == "openid scope_all" and values["response_type"] == "code"
    assert values["client_id"] == files.psc_client_id
    assert values["redirect_uri"] == f"{keycloak.base_url}/realms/{files.realm}/broker/psc/endpoint"
    assert values["code_challenge_method"] == "S256"


def _signed_in_session(keycloak, realm, mock_psc, phone, person) -> tuple[requests.Session, dict]:
    """A PSC login as the tablet does it; returns the browser session (Keycloak's SSO cookie) and the tokens."""
    verifier, challenge = pkce()
    session = browser_session()
    hops = authorize(session, keycloak, realm, (verifier, challenge), kc_idp_hint="psc")
    page = session.get(hops[-1], timeout=30)
    back = wallet_login(session, page, person.national_id, phone=phone, pin=PIN)
    result = follow_to_app(session, back)
    assert isinstance(result, dict) and "code" in result, getattr(result, "text", result)[:1500]
    login = TabletLogin(session, page, verifier, "", "")
    return session, exchange_code(keycloak, realm, login, result["code"])


@pytest.mark.parametrize("action", ["UPDATE_PASSWORD", "CONFIGURE_TOTP", "webauthn-register",
                                    "webauthn-register-passwordless", "UPDATE_EMAIL", "UPDATE_PROFILE",
                                    "delete_account", "CONFIGURE_RECOVERY_AUTHN_CODES", "idp_link:psc"])
def test_an_apps_kc_action_is_refused_and_changes_nothing(action, policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("deny")
    person, user_id = staff_member(kc, mock_psc, "INES", "MARCHAL")
    session, _ = _signed_in_session(keycloak, files.realm, mock_psc, mock_psc_phone, person)
    before = kc.user(user_id)

    # The app (or anyone who can make the tablet open a URL) asks Keycloak for an account action.
    hops = authorize(session, keycloak, files.realm, kc_action=action)

    for text in pages(hops):
        assert not PASSWORD_FIELD.search(text), text[:1500]
    back = hops[-1]
    assert isinstance(back, str) and back.startswith(SMURTAB_REDIRECT), back
    answer = {k: v[0] for k, v in parse_qs(urlparse(back).query).items()}
    assert answer.get("kc_action_status") == "error", answer
    after = kc.user(user_id)
    assert kc.admin.get_credentials(user_id) == [], "no credential was set"
    for name in ("firstName", "lastName", "email", "enabled", "requiredActions"):
        assert after.get(name) == before.get(name), name
    assert kc.links_of(user_id) == [("psc", person.national_id)]


def test_a_password_on_the_account_opens_no_client_of_the_realm(policy_realm, keycloak, mock_psc, oracle):
    """The attack's end state (a staff member has a password, her national id is public): every client refuses
    the password grant, the realm's built-in ones included, however many times it is tried."""
    files, kc = policy_realm("deny")
    person, user_id = staff_member(kc, mock_psc, "LUCIE", "FABRE")
    password = "Correct-Horse-8"
    kc.admin.set_user_password(user_id, password, temporary=False)  # as UPDATE_PASSWORD would have
    admin = oracle(files.realm)
    clients = admin.get_clients()
    assert {"admin-cli", "account", "account-console", "security-admin-console", "broker", "realm-management",
            "smurtab", "smur-backoffice", "smur-api"} <= {c["clientId"] for c in clients}
    token_url = f"{keycloak.base_url}/realms/{files.realm}/protocol/openid-connect/token"

    for client in clients:
        form = {"grant_type": "password", "client_id": client["clientId"], "username": person.username,
                "password": password, "scope": "openid"}
        if not client.get("publicClient") and not client.get("bearerOnly"):
            form["client_secret"] = admin.get_client_secrets(client["id"]).get("value") or ""
        answer = requests.post(token_url, data=form, timeout=30)
        assert answer.status_code in (400, 401), (client["clientId"], answer.status_code, answer.text[:300])
        assert "access_token" not in answer.text, client["clientId"]

    form = {"grant_type": "password", "client_id": "admin-cli", "username": person.username}
    for attempt in range(30):
        assert "access_token" not in requests.post(token_url, data={**form, "password": f"wrong-{attempt}"},
                                                   timeout=30).text
    assert "access_token" not in requests.post(token_url, data={**form, "password": password}, timeout=30).text
    assert kc.sessions_of(user_id) == []
    realm = admin.get_realm(files.realm)
    assert realm["bruteForceProtected"] is True and realm["directGrantFlow"] == "smur-refuse-credentials"


def test_forgot_password_and_registration_are_unreachable(policy_realm, keycloak, oracle):
    files, kc = policy_realm("deny")
    before = kc.user_ids()
    base = f"{keycloak.base_url}/realms/{files.realm}"
    session = browser_session()
    for path in ("/login-actions/reset-credentials", "/login-actions/registration",
                 "/protocol/openid-connect/registrations"):
        answer = session.get(base + path, params={"client_id": "smurtab", "redirect_uri": SMURTAB_REDIRECT,
                                                   "response_type": "code", "scope": "openid"}, timeout=30)
        assert answer.status_code >= 400 or not PASSWORD_FIELD.search(answer.text), (path, answer.text[:1000])
        assert 'name="username"' not in answer.text and 'name="email"' not in answer.text, (path, answer.text[:1000])
    realm = oracle(files.realm).get_realm(files.realm)
    assert realm["resetPasswordAllowed"] is False and realm["registrationAllowed"] is False
    assert realm["resetCredentialsFlow"] == realm["registrationFlow"] == "smur-refuse-credentials"
    assert kc.user_ids() == before


def test_a_signed_in_user_cannot_rename_herself_through_the_account_api(policy_realm, keycloak, mock_psc,
                                                                        mock_psc_phone):
    files, kc = policy_realm("deny")
    person, user_id = staff_member(kc, mock_psc, "AGATHE", "MOREL")
    _, tokens = _signed_in_session(keycloak, files.realm, mock_psc, mock_psc_phone, person)
    before = kc.user(user_id)
    account = f"{keycloak.base_url}/realms/{files.realm}/account/"
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}
    me = requests.get(account, headers=headers, timeout=30)

    for change in ({"firstName": "Chloé"}, {"lastName": "Martin"}, {"email": "chloe.martin@ch-fictif.fr"}):
        body = {**(me.json() if me.status_code == 200 else {"username": person.username}), **change}
        answer = requests.post(account, headers=headers, json=body, timeout=30)
        assert answer.status_code in (400, 401, 403), (change, answer.status_code, answer.text[:300])

    after = kc.user(user_id)
    for name in ("firstName", "lastName", "email"):
        assert after.get(name) == before.get(name), name


def test_no_offline_token_for_the_shipped_apps_and_refresh_tokens_are_single_use(policy_realm, keycloak, mock_psc,
                                                                                 mock_psc_phone, oracle):
    files, kc = policy_realm("deny")
    person, user_id = staff_member(kc, mock_psc, "BASILE", "PERRIN")

    # Asking for offline access: refused by Keycloak before any login (smurtab does not declare it).
    hops = authorize(browser_session(), keycloak, files.realm, kc_idp_hint="psc", scope="openid offline_access")
    refused = {k: v[0] for k, v in parse_qs(urlparse(hops[-1]).query).items()} if isinstance(hops[-1], str) else {}
    assert hops[-1].startswith(SMURTAB_REDIRECT) and refused.get("error") == "invalid_scope", hops[-1]
    default_roles = {r["name"] for r in oracle(files.realm).get_composite_realm_roles_of_role(
        f"default-roles-{files.realm}")}
    assert "offline_access" not in default_roles

    _, tokens = _signed_in_session(keycloak, files.realm, mock_psc, mock_psc_phone, person)
    refresh = json.loads(base64.urlsafe_b64decode(tokens["refresh_token"].split(".")[1] + "=="))
    assert refresh["typ"] == "Refresh", refresh["typ"]  # not "Offline"
    smurtab = oracle(files.realm).get_client_id("smurtab")
    assert kc.admin.connection.raw_get(
        f"admin/realms/{files.realm}/users/{user_id}/offline-sessions/{smurtab}").json() == []

    # Refresh-token rotation: the app's refresh works once; replaying the old refresh token is refused.
    token_url = f"{keycloak.base_url}/realms/{files.realm}/protocol/openid-connect/token"
    form = {"grant_type": "refresh_token", "client_id": "smurtab", "refresh_token": tokens["refresh_token"]}
    first = requests.post(token_url, data=form, timeout=30)
    assert first.status_code == 200, first.text
    replay = requests.post(token_url, data=form, timeout=30)
    assert replay.status_code == 400 and "access_token" not in replay.text, replay.text

    # After logout the refresh token is dead too.
    fresh = first.json()
    requests.post(f"{keycloak.base_url}/realms/{files.realm}/protocol/openid-connect/logout",
                  data={"client_id": "smurtab", "refresh_token": fresh["refresh_token"]}, timeout=30)
    after_logout = requests.post(token_url, data={**form, "refresh_token": fresh["refresh_token"]}, timeout=30)
    assert after_logout.status_code == 400 and "access_token" not in after_logout.text


def test_an_app_that_declares_offline_access_gets_offline_tokens_bounded_by_the_shift(
        policy_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    files, kc = policy_realm("deny", ("    audiences: [smur-api]   # its access tokens are for the SMUR API\n",
                                      "    audiences: [smur-api]\n    offlineAccess: true\n"))
    person, user_id = staff_member(kc, mock_psc, "CELIA", "ROUX")
    verifier, challenge = pkce()
    session = browser_session()
    hops = authorize(session, keycloak, files.realm, (verifier, challenge), kc_idp_hint="psc",
                     scope="openid offline_access")
    page = session.get(hops[-1], timeout=30)
    result = follow_to_app(session, wallet_login(session, page, person.national_id, phone=mock_psc_phone, pin=PIN))
    tokens = exchange_code(keycloak, files.realm, TabletLogin(session, page, verifier, "", ""), result["code"])

    refresh = json.loads(base64.urlsafe_b64decode(tokens["refresh_token"].split(".")[1] + "=="))
    assert refresh["typ"] == "Offline", refresh["typ"]
    realm = oracle(files.realm).get_realm(files.realm)
    assert realm["offlineSessionMaxLifespanEnabled"] is True and realm["offlineSessionMaxLifespan"] == 43200
    # The offline token's own expiry is the shift's end, not 60 days away.
    assert refresh["exp"] - refresh["iat"] <= 43200 + 60, refresh


def test_refused_psc_logins_are_recorded_as_events(policy_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    files, _ = policy_realm("deny")
    stranger = new_professional(mock_psc, "HUGO", "LAMBERT")  # known to PSC, not to this SMUR

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, stranger.national_id)

    assert not outcome.signed_in
    admin = oracle(files.realm)
    events = admin.connection.raw_get(f"admin/realms/{files.realm}/events", max=100).json()
    errors = [e for e in events if e["type"].endswith("_ERROR")]
    assert errors, events
    assert any(stranger.national_id in json.dumps(e) for e in errors), errors
    realm = admin.get_realm(files.realm)
    assert realm["eventsEnabled"] and realm["adminEventsEnabled"] and not realm["adminEventsDetailsEnabled"]
    assert realm["eventsExpiration"] == 30 * 86400
