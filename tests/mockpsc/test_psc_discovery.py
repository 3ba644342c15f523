import pytest
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


# Every key of PSC's sandbox discovery document (a Keycloak realm), as ANS's own test
# fixture of it lists them (reference §1), plus what Keycloak 26 adds (prompt_values_supported).
PSC_KEYS = {
    "issuer", "authorization_endpoint", "token_endpoint", "introspection_endpoint", "userinfo_endpoint",
    "end_session_endpoint", "frontchannel_logout_session_supported", "frontchannel_logout_supported", "jwks_uri",
    "check_session_iframe", "grant_types_supported", "acr_values_supported", "response_types_supported",
    "subject_types_supported", "id_token_signing_alg_values_supported", "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported", "userinfo_signing_alg_values_supported",
    "userinfo_encryption_alg_values_supported", "userinfo_encryption_enc_values_supported",
    "request_object_signing_alg_values_supported", "request_object_encryption_alg_values_supported",
    "request_object_encryption_enc_values_supported", "response_modes_supported", "registration_endpoint",
    "token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint_auth_methods_supported", "introspection_endpoint_auth_signing_alg_values_supported",
    "authorization_signing_alg_values_supported", "authorization_encryption_alg_values_supported",
    "authorization_encryption_enc_values_supported", "claims_supported", "claim_types_supported",
    "claims_parameter_supported", "scopes_supported", "request_parameter_supported",
    "request_uri_parameter_supported", "require_request_uri_registration", "code_challenge_methods_supported",
    "tls_client_certificate_bound_access_tokens", "revocation_endpoint", "revocation_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_signing_alg_values_supported", "backchannel_logout_supported",
    "backchannel_logout_session_supported", "device_authorization_endpoint",
    "backchannel_token_delivery_modes_supported", "backchannel_authentication_endpoint",
    "backchannel_authentication_request_signing_alg_values_supported", "require_pushed_authorization_requests",
    "pushed_authorization_request_endpoint", "mtls_endpoint_aliases", "authorization_response_iss_parameter_supported",
    "prompt_values_supported",
}
MTLS_ALIASES = {"token_endpoint", "revocation_endpoint", "introspection_endpoint", "device_authorization_endpoint",
                "registration_endpoint", "userinfo_endpoint", "pushed_authorization_request_endpoint",
                "backchannel_authentication_endpoint"}


def urls_of(doc: dict) -> dict[str, str]:
    found = {key: value for key, value in doc.items() if key.endswith(("_endpoint", "_uri", "_iframe"))}
    found.update({f"mtls_endpoint_aliases.{key}": value for key, value in doc["mtls_endpoint_aliases"].items()})
    return found


@pytest.fixture(params=["plain", "tls"])
def any_psc(request, mock_psc, own_psc_with_tls):
    return mock_psc if request.param == "plain" else own_psc_with_tls


def test_every_key_of_psc_document_whether_or_not_tls_runs(any_psc):
    doc = requests.get(any_psc.discovery_url, timeout=5).json()
    assert PSC_KEYS <= set(doc), sorted(PSC_KEYS - set(doc))
    assert set(doc["mtls_endpoint_aliases"]) == MTLS_ALIASES
    assert doc["require_pushed_authorization_requests"] is False
    oidc = any_psc.issuer + "/protocol/openid-connect"
    assert doc["check_session_iframe"] == oidc + "/login-status-iframe.html"
    assert doc["device_authorization_endpoint"] == oidc + "/auth/device"
    assert doc["pushed_authorization_request_endpoint"] == oidc + "/ext/par/request"
    assert doc["registration_endpoint"] == any_psc.issuer + "/clients-registrations/openid-connect"
    # Aliases: the mTLS port when it runs, else the same routes on the plain origin.
    origin = any_psc.state.mtls_origin or any_psc.auth_origin
    for key, url in doc["mtls_endpoint_aliases"].items():
        assert url == doc[key].replace(any_psc.auth_origin, origin, 1), key


def test_every_url_of_the_document_is_served(any_psc):
    doc = requests.get(any_psc.discovery_url, timeout=5).json()
    verify = str(any_psc.ca_path) if any_psc.state.mtls_origin else True
    for key, url in urls_of(doc).items():
        for method in ("GET", "POST"):
            response = requests.request(method, url, timeout=5, verify=verify, allow_redirects=False)
            assert response.status_code not in (404, 500), (key, method, url, response.status_code, response.text[:200])


def test_advertised_features_the_mock_lacks_are_refused_as_psc_refuses(mock_psc, rp):
    doc = requests.get(mock_psc.discovery_url, timeout=5).json()
    iframe = requests.get(doc["check_session_iframe"], timeout=5)
    assert iframe.status_code == 200 and iframe.headers["content-type"].startswith("text/html")
    assert "postMessage" in iframe.text
    init = doc["check_session_iframe"] + "/init"
    assert requests.get(init, params={"client_id": rp.client_id, "origin": "http://127.0.0.1:9"},
                        timeout=5).status_code == 204
    assert requests.get(init, params={"client_id": rp.client_id, "origin": "https://evil.example"},
                        timeout=5).status_code == 403
    assert requests.get(init, params={"client_id": "nobody", "origin": "http://127.0.0.1:9"},
                        timeout=5).status_code == 403

    registration = requests.post(doc["registration_endpoint"], json={"redirect_uris": ["https://x/cb"]}, timeout=5)
    assert registration.status_code == 403 and registration.json()["error"] == "insufficient_scope"
    for key, error in (("device_authorization_endpoint", "unauthorized_client"),
                       ("pushed_authorization_request_endpoint", "invalid_request")):
        anonymous = requests.post(doc[key], data={"client_id": rp.client_id, "scope": "openid"}, timeout=5)
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client", key
        refused = requests.post(doc[key], data={"scope": "openid", "response_type": "code"},
                                auth=(rp.client_id, rp.secret), timeout=5)
        assert refused.status_code == 400 and refused.json()["error"] == error, (key, refused.text)
