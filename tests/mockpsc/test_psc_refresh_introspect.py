"""Refresh grant, Keycloak-style introspection, revocation, session lifetimes."""
import requests

from psc_helpers import MEDECIN, make_rp


def refresh(rp, refresh_token, client=None, **extra):
    client = client or rp
    return requests.post(rp.psc.endpoint("token"), data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                         **extra}, auth=(client.client_id, client.secret), timeout=5)


def introspect(rp, token, **extra):
    return requests.post(rp.psc.endpoint("token/introspect"), data={"token": token, **extra},
                         auth=(rp.client_id, rp.secret), timeout=5).json()


def test_refresh_gives_new_tokens_of_the_same_session(rp):
    tokens = rp.tokens()
    first = rp.verify(tokens["id_token"]).claims
    response = refresh(rp, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    renewed = response.json()
    claims = rp.verify(renewed["id_token"]).claims
    assert claims["sid"] == first["sid"] and claims["sub"] == first["sub"] and claims["nonce"] == rp.nonce
    assert claims["auth_time"] == first["auth_time"] and claims["acr"] == "eidas1"
    assert renewed["access_token"] != tokens["access_token"] and renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["scope"] == tokens["scope"]
    narrowed = refresh(rp, renewed["refresh_token"], scope="openid scope_all").json()
    assert narrowed["scope"] == "openid scope_all"
    assert refresh(rp, renewed["refresh_token"], scope="openid admin").json()["error"] == "invalid_scope"


def test_refresh_token_is_bound_to_its_client_and_session(mock_psc, rp):
    tokens = rp.tokens()
    other = make_rp(mock_psc)
    assert refresh(rp, tokens["refresh_token"], client=other).json()["error"] == "invalid_grant"
    assert refresh(rp, "forged").json()["error"] == "invalid_grant"
    missing = requests.post(mock_psc.endpoint("token"), data={"grant_type": "refresh_token"},
                            auth=(rp.client_id, rp.secret), timeout=5)
    assert missing.json()["error"] == "invalid_request"
    requests.get(mock_psc.endpoint("logout"), params={"id_token_hint": tokens["id_token"]}, timeout=5)
    after_logout = refresh(rp, tokens["refresh_token"])
    assert after_logout.status_code == 400 and after_logout.json()["error"] == "invalid_grant"


def test_refresh_token_lifetime_and_session_idle_timeout(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    own_psc.clock.advance(1799)
    kept_alive = refresh(rp, tokens["refresh_token"])
    assert kept_alive.status_code == 200  # activity resets the 30 min idle timer
    own_psc.clock.advance(1)
    assert refresh(rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"  # that one is 30 min old
    own_psc.clock.advance(1800)  # 30 min without activity: the session is over
    assert refresh(rp, kept_alive.json()["refresh_token"]).json()["error"] == "invalid_grant"


def test_session_max_lifetime_ends_refresh(own_psc):
    own_psc.settings.update({"session_max_lifetime": 600})
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    assert tokens["refresh_expires_in"] == 600  # never beyond the session
    own_psc.clock.advance(599)
    assert refresh(rp, tokens["refresh_token"]).status_code == 200
    own_psc.clock.advance(1)
    assert refresh(rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_introspection_is_keycloak_style_with_subject_name_id(rp):
    tokens = rp.tokens()
    access = introspect(rp, tokens["access_token"])
    claims = rp.verify(tokens["access_token"]).claims
    assert access["active"] is True and access["token_type"] == "Bearer" and access["typ"] == "Bearer"
    assert access["client_id"] == rp.client_id and access["username"] == MEDECIN
    assert access["SubjectNameID"] == MEDECIN and access["sub"] == claims["sub"] and access["exp"] == claims["exp"]
    assert access["scope"] == tokens["scope"] and access["acr"] == "eidas1"
    refreshing = introspect(rp, tokens["refresh_token"], token_type_hint="refresh_token")
    assert refreshing["active"] is True and refreshing["typ"] == "Refresh" and refreshing["client_id"] == rp.client_id
    assert introspect(rp, "garbage") == {"active": False}
    assert introspect(rp, tokens["id_token"]) == {"active": False}  # not an access token


def test_introspection_after_expiry_and_revocation(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    revoked = requests.post(own_psc.endpoint("revoke"), data={"token": tokens["refresh_token"]},
                            auth=(rp.client_id, rp.secret), timeout=5)
    assert revoked.status_code == 200
    assert introspect(rp, tokens["refresh_token"]) == {"active": False}
    assert refresh(rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert requests.post(own_psc.endpoint("revoke"), data={"token": "unknown"}, auth=(rp.client_id, rp.secret),
                         timeout=5).status_code == 200  # RFC 7009: unknown tokens too
    own_psc.clock.advance(own_psc.settings.access_token_lifetime)
    assert introspect(rp, tokens["access_token"]) == {"active": False}


def test_introspection_needs_client_authentication(rp):
    tokens = rp.tokens()
    response = requests.post(rp.psc.endpoint("token/introspect"), data={"token": tokens["access_token"]}, timeout=5)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    missing = requests.post(rp.psc.endpoint("token/introspect"), data={}, auth=(rp.client_id, rp.secret), timeout=5)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
