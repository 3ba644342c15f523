"""Logout through Keycloak: the tablet app logs out at Keycloak, Keycloak's PSC
broker sends the browser to PSC's end_session endpoint, PSC comes back to
``<realm>/broker/psc/endpoint/logout_response``.

PSC sometimes comes back without ``state`` (ANS's own extension has a flag to
tolerate it). The stock ``oidc`` broker looks the session up by ``state``
alone, so the observed behaviour asserted here is: an error page, the PSC
session ended, and the Keycloak session NOT ended (still listed, the app's
refresh token still works). This is what a deployment gets with the stock
broker when PSC drops ``state``; the test will flag any change of it.
"""
from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import requests

from fixtures.realms import SMURTAB_REDIRECT
from fixtures.tablet import exchange_code, follow_to_app, start_login
from mockpsc.testing import wallet_login

LINKED = "899700218896"
APP_ORIGIN = SMURTAB_REDIRECT.rsplit("/", 1)[0]  # the tablet app's post-logout page lives here


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _logged_in(provisioned, keycloak, mock_psc, mock_psc_phone):
    login = start_login(keycloak, provisioned.realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict) and "code" in result, result
    return login, exchange_code(keycloak, provisioned.realm, login, result["code"])


def _start_logout(keycloak, realm: str, login, tokens) -> requests.Response:
    """The tablet app sends the browser to Keycloak's end_session endpoint; Keycloak answers
    with the redirect to PSC."""
    response = login.session.get(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/logout", params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": APP_ORIGIN + "/",
        "client_id": "smurtab"}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, (response.status_code, response.text[:500])
    return response


def _user_id(oracle, realm: str) -> str:
    [user] = oracle(realm).get_users({"idpAlias": "psc", "idpUserId": LINKED})
    return user["id"]


def test_logout_through_keycloak_ends_both_sessions(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    realm = provisioned.realm
    login, tokens = _logged_in(provisioned, keycloak, mock_psc, mock_psc_phone)
    user_id = _user_id(oracle, realm)
    [kc_session] = oracle(realm).get_sessions(user_id)
    psc_sid = mock_psc.log_entries(event="session.opened")[-1]["sid"]

    to_psc = _start_logout(keycloak, realm, login, tokens)
    location = to_psc.headers["Location"]
    assert location.startswith(mock_psc.endpoint("logout") + "?")
    params = _query(location)
    broker_return = f"{keycloak.base_url}/realms/{realm}/broker/psc/endpoint/logout_response"
    assert params["post_logout_redirect_uri"] == broker_return
    assert params["state"] == kc_session["id"], "Keycloak names its user session in state"
    assert mock_psc.state.keys.verify(params["id_token_hint"])["sid"] == psc_sid  # PSC's own ID token

    back = login.session.get(location, allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"] == f"{broker_return}?state={params['state']}"
    assert mock_psc.state.sessions.live(psc_sid) is None
    to_app = login.session.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert to_app.status_code == 302 and to_app.headers["Location"].startswith(APP_ORIGIN + "/"), to_app.text[:500]
    assert oracle(realm).get_sessions(user_id) == []


def test_psc_omitting_state_leaves_the_keycloak_session_open(provisioned, keycloak, mock_psc, mock_psc_phone,
                                                             oracle):
    realm = provisioned.realm
    mock_psc.update_client(provisioned.psc_client_id, logout_omits_state=True)
    login, tokens = _logged_in(provisioned, keycloak, mock_psc, mock_psc_phone)
    user_id = _user_id(oracle, realm)
    [kc_session] = oracle(realm).get_sessions(user_id)
    psc_sid = mock_psc.log_entries(event="session.opened")[-1]["sid"]

    location = _start_logout(keycloak, realm, login, tokens).headers["Location"]
    assert _query(location)["state"] == kc_session["id"]  # Keycloak did send it
    back = login.session.get(location, allow_redirects=False, timeout=30)
    broker_return = f"{keycloak.base_url}/realms/{realm}/broker/psc/endpoint/logout_response"
    assert back.headers["Location"] == broker_return, "the switch drops state"
    assert mock_psc.state.sessions.live(psc_sid) is None  # PSC did log the user out

    page = login.session.get(broker_return, allow_redirects=False, timeout=30)
    assert page.status_code == 400 and "Location" not in page.headers
    # Keycloak's "unexpected error" from the broker, on the smur theme's page (French by default).
    assert 'data-smur-page="psc-unreachable"' in page.text
    assert "sa réponse n’a pas pu être vérifiée" in html.unescape(page.text)
    # The Keycloak session survives: it is still listed and the app's refresh token still works.
    assert [s["id"] for s in oracle(realm).get_sessions(user_id)] == [kc_session["id"]]
    refreshed = requests.post(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "smurtab"}, timeout=30)
    assert refreshed.status_code == 200, refreshed.text
