"""RP-initiated logout."""
import requests

from psc_helpers import make_rp, query_of


def logout(rp, method="GET", **params):
    url = rp.psc.endpoint("logout")
    if method == "GET":
        return requests.get(url, params=params, allow_redirects=False, timeout=5)
    return requests.post(url, data=params, allow_redirects=False, timeout=5)


def test_logout_redirects_to_registered_uri_and_ends_the_session(rp):
    tokens = rp.tokens()
    sid = rp.verify(tokens["id_token"]).claims["sid"]
    response = logout(rp, id_token_hint=tokens["id_token"], post_logout_redirect_uri=rp.post_logout_uri,
                      state="st-123")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(rp.post_logout_uri + "?")
    assert query_of(response.headers["Location"]) == {"state": "st-123"}
    assert rp.psc.log_entries(event="session.ended")[-1]["sid"] == sid
    # The session is over: its access token no longer opens userinfo.
    info = requests.get(rp.psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"},
                        timeout=5)
    assert info.status_code == 401


def test_logout_with_unregistered_uri_is_an_error_page_not_a_redirect(rp):
    tokens = rp.tokens()
    response = logout(rp, id_token_hint=tokens["id_token"], post_logout_redirect_uri="http://127.0.0.1:9/evil")
    assert response.status_code == 400 and "Location" not in response.headers
    # A URI registered for another client does not count either.
    other = make_rp(rp.psc)
    response = logout(rp, id_token_hint=tokens["id_token"], post_logout_redirect_uri=other.post_logout_uri)
    assert response.status_code == 400


def test_logout_without_redirect_shows_session_closed_page(rp):
    tokens = rp.tokens()
    response = logout(rp, "POST", id_token_hint=tokens["id_token"], state="s")  # Keycloak back-channel style
    assert response.status_code == 200 and 'id="logged-out"' in response.text
    assert logout(rp).status_code == 200  # nothing to end, still the page


def test_logout_refuses_a_hint_we_did_not_issue(rp):
    tokens = rp.tokens()
    forged = tokens["id_token"][:-4] + ("AAAA" if not tokens["id_token"].endswith("AAAA") else "BBBB")
    assert logout(rp, id_token_hint=forged, post_logout_redirect_uri=rp.post_logout_uri).status_code == 400
    assert logout(rp, id_token_hint=tokens["access_token"]).status_code == 400  # not an ID token


def test_logout_with_client_id_instead_of_hint(rp):
    response = logout(rp, client_id=rp.client_id, post_logout_redirect_uri=rp.post_logout_uri)
    assert response.status_code == 302
    assert logout(rp, post_logout_redirect_uri=rp.post_logout_uri).status_code == 400  # whose URI is it?


def test_expired_hint_is_still_accepted(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    own_psc.clock.advance(3600)
    response = logout(rp, id_token_hint=tokens["id_token"], post_logout_redirect_uri=rp.post_logout_uri)
    assert response.status_code == 302


def test_logout_state_omission_switch_per_client_and_global(mock_psc):
    rp = make_rp(mock_psc, logout_omits_state=True)
    tokens = rp.tokens()
    response = logout(rp, id_token_hint=tokens["id_token"], post_logout_redirect_uri=rp.post_logout_uri,
                      state="st-1")
    assert response.status_code == 302 and response.headers["Location"] == rp.post_logout_uri
    assert mock_psc.log_entries(event="logout.state_omitted")[-1]["client_id"] == rp.client_id

    other = make_rp(mock_psc)
    assert query_of(logout(other, client_id=other.client_id, post_logout_redirect_uri=other.post_logout_uri,
                           state="kept").headers["Location"]) == {"state": "kept"}


def test_global_logout_state_switch(own_psc):
    own_psc.settings.update({"logout_omits_state": True})
    rp = make_rp(own_psc)
    response = logout(rp, client_id=rp.client_id, post_logout_redirect_uri=rp.post_logout_uri, state="x")
    assert response.headers["Location"] == rp.post_logout_uri


def test_logout_clears_the_wallet_session_cookie(rp):
    tokens = rp.exchange(query_of(rp.login().headers["Location"])["code"]).json()
    assert rp.open_login_page(same_browser=True).status_code == 302  # SSO
    rp.http.get(rp.psc.endpoint("logout"), params={"id_token_hint": tokens["id_token"]}, timeout=5)
    assert rp.open_login_page(same_browser=True).status_code == 200
