"""Conformance with an independent OIDC client library (authlib's requests client
and its JOSE/OIDC claim validation), not the mock's own JOSE library."""
import secrets
import warnings
from urllib.parse import urljoin

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata

from mockpsc.testing import Phone, read_form, read_match_number

from psc_helpers import MEDECIN, PIN, make_rp, query_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib.jose is deprecated in favour of joserfc, still shipped in 1.x
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import JoseError
    from authlib.oidc.core import CodeIDToken, UserInfo


@pytest.fixture
def metadata(mock_psc) -> dict:
    return requests.get(mock_psc.discovery_url, timeout=5).json()


def client_session(rp, method="S256") -> OAuth2Session:
    # leeway: authlib counts a token as expired `leeway` seconds early (60 by default), and
    # PSC access tokens only live 120 s: a client with the default would refresh after one minute.
    return OAuth2Session(rp.client_id, rp.secret, scope="openid scope_all", redirect_uri=rp.redirect_uri,
                         code_challenge_method="S256" if method == "S256" else None, leeway=5)


def browser_login(psc, url: str, national_id: str = MEDECIN) -> str:
    """The professional at the wallet page and on the phone; returns the callback URL."""
    browser = requests.Session()
    page = browser.get(url, timeout=5)
    action, fields = read_form(page.text)
    fields["national_id"] = national_id
    waiting = browser.post(urljoin(page.url, action), data=fields, timeout=5)
    push = Phone(psc).wait_for_push(national_id)
    Phone(psc).approve(push["id"], PIN, read_match_number(waiting.text))
    back = browser.get(waiting.url, allow_redirects=False, timeout=5)
    return back.headers["Location"]


def code_flow(psc, metadata, rp, method="S256"):
    session = client_session(rp, method)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_hex(32)
    # authlib derives S256 challenges itself; "plain" is sent as RFC 7636 spells it.
    extra = {} if method == "S256" else {"code_challenge": verifier, "code_challenge_method": "plain"}
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier,
                                                  nonce=nonce, acr_values="eidas1", **extra)
    callback = browser_login(psc, url)
    assert query_of(callback)["state"] == state
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    return session, token, nonce


def id_token_claims(metadata, rp, id_token, nonce, access_token=None):
    keys = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    claims = jwt.decode(id_token, keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": rp.client_id, "access_token": access_token})
    claims.validate(leeway=5)  # iss, aud, exp, iat, nonce, azp, at_hash
    return claims


def test_discovery_validates_as_openid_provider_metadata(metadata, mock_psc):
    OpenIDProviderMetadata(metadata).validate()
    assert metadata["issuer"] == mock_psc.issuer
    assert set(metadata["code_challenge_methods_supported"]) == {"plain", "S256"}
    assert "urn:openid:params:grant-type:ciba" in metadata["grant_types_supported"]


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_code_flow_with_pkce(mock_psc, metadata, method):
    rp = make_rp(mock_psc)
    _, token, nonce = code_flow(mock_psc, metadata, rp, method)
    claims = id_token_claims(metadata, rp, token["id_token"], nonce, token["access_token"])
    assert claims["acr"] == "eidas1" and claims["SubjectNameID"] == MEDECIN
    assert token["token_type"] == "Bearer" and token["expires_in"] == 120


def test_refresh_and_userinfo_json(mock_psc, metadata):
    rp = make_rp(mock_psc)
    session, token, nonce = code_flow(mock_psc, metadata, rp)
    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    id_token_claims(metadata, rp, refreshed["id_token"], nonce, refreshed["access_token"])
    info = session.get(metadata["userinfo_endpoint"])
    assert info.status_code == 200
    user = UserInfo(info.json())
    assert user["sub"] == jwt.decode(token["id_token"], JsonWebKey.import_key_set(
        requests.get(metadata["jwks_uri"], timeout=5).json()))["sub"]
    assert user["SubjectNameID"] == MEDECIN


def test_userinfo_jwt(mock_psc, metadata):
    rp = make_rp(mock_psc, userinfo_format="jwt")
    session, token, _ = code_flow(mock_psc, metadata, rp)
    response = session.get(metadata["userinfo_endpoint"])
    assert response.headers["content-type"] == "application/jwt"
    keys = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    claims = jwt.decode(response.text, keys,
                        claims_options={"iss": {"value": metadata["issuer"]}, "aud": {"value": rp.client_id}})
    claims.validate()
    user = UserInfo(claims)
    assert user["sub"] == claims["sub"] and user["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"


def test_rp_initiated_logout(mock_psc, metadata):
    rp = make_rp(mock_psc)
    session, token, _ = code_flow(mock_psc, metadata, rp)
    response = requests.get(metadata["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": rp.post_logout_uri, "state": "bye"},
        allow_redirects=False, timeout=5)
    assert response.status_code == 302 and query_of(response.headers["Location"]) == {"state": "bye"}
    assert session.get(metadata["userinfo_endpoint"]).status_code == 401


def test_key_rotation_seen_by_a_caching_client(own_psc):
    metadata = requests.get(own_psc.discovery_url, timeout=5).json()
    rp = make_rp(own_psc)
    cached = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    _, before, nonce = code_flow(own_psc, metadata, rp)
    jwt.decode(before["id_token"], cached)
    own_psc.rotate_keys(grace=60)
    _, after, nonce = code_flow(own_psc, metadata, rp)
    with pytest.raises((JoseError, ValueError)):  # authlib: ValueError("Key not found")
        jwt.decode(after["id_token"], cached)  # a stale cache does not know the new kid...
    id_token_claims(metadata, rp, after["id_token"], nonce, after["access_token"])  # ...a refetched one does
    # The old key is still published during the grace period: earlier tokens still verify.
    jwt.decode(before["id_token"], JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json()))
