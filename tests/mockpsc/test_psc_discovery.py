import requests


def test_discovery_served_at_psc_path_and_standard_path(mock_psc):
    wallet = requests.get(mock_psc.discovery_url, timeout=5)
    standard = requests.get(mock_psc.issuer + "/.well-known/openid-configuration", timeout=5)
    assert wallet.status_code == standard.status_code == 200
    assert wallet.json() == standard.json()
    doc = wallet.json()
    issuer = mock_psc.issuer
    assert issuer.endswith("/auth/realms/esante-wallet")
    assert doc["issuer"] == issuer
    # The authorize page lives on the wallet origin, everything else on the auth origin.
    assert doc["authorization_endpoint"] == mock_psc.wallet_origin + "/auth"
    oidc = issuer + "/protocol/openid-connect"
    assert doc["token_endpoint"] == oidc + "/token"
    assert doc["userinfo_endpoint"] == oidc + "/userinfo"
    assert doc["jwks_uri"] == oidc + "/certs"
    assert doc["end_session_endpoint"] == oidc + "/logout"
    assert doc["introspection_endpoint"] == oidc + "/token/introspect"
    assert doc["backchannel_authentication_endpoint"] == oidc + "/ext/ciba/auth"
    assert doc["code_challenge_methods_supported"] == ["plain", "S256"]
    assert {"client_secret_basic", "client_secret_post"} <= set(doc["token_endpoint_auth_methods_supported"])
    assert {"openid", "scope_all", "eidas1"} <= set(doc["scopes_supported"])
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "authorization_code" in doc["grant_types_supported"]
    assert "code" in doc["response_types_supported"]
    for key in ("acr_values_supported", "userinfo_signing_alg_values_supported", "claims_supported"):
        assert key in doc
    assert "SubjectRefPro" in doc["claims_supported"]


def test_jwks_publishes_a_signing_and_an_encryption_key_like_keycloak(mock_psc):
    keys = requests.get(mock_psc.endpoint("certs"), timeout=5).json()["keys"]
    signing = [k for k in keys if k["use"] == "sig"]
    encryption = [k for k in keys if k["use"] == "enc"]
    assert signing and len(encryption) == 1 and len(keys) == len(signing) + 1
    assert all(k["alg"] == "RS256" for k in signing) and encryption[0]["alg"] == "RSA-OAEP"
    for key in keys:
        assert key["kty"] == "RSA" and key["kid"]
        assert "d" not in key and "p" not in key  # public part only
    assert len({k["kid"] for k in keys}) == len(keys)
