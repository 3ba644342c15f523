"""Discovery document, served at PSC's non-standard path and the standard one.

It carries every key PSC's document carries (reference §1; PSC is a Keycloak realm,
so Keycloak's keys: PAR, device authorization, registration, check-session iframe,
encryption algorithm lists, mTLS aliases...), whether or not the mock runs its TLS
port: a broker configured from it must see the same document as against the
sandbox. Every URL in it is a route the mock serves. Features the mock does not
implement are answered as PSC refuses them (endpoints/advertised.py, and
private_key_jwt, client_secret_jwt, client_credentials, JARM response modes):
see mockpsc/README.md.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.httputil import injected_http_fault, state_of
from mockpsc.settings import REALM_PATH
from mockpsc.state import MockState

USERINFO_CLAIMS = [
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "authMode",
    "preferred_username", "given_name", "family_name", "email_verified",
    "SubjectNameID", "SubjectOrganization", "SubjectOrganizationID", "SubjectRole",
    "Secteur_Activite", "Mode_Acces_Raison", "Acces_Regulation_Medicale", "UITVersion",
    "Palier_Authentification", "PSI_Locale", "otherIds", "otherIDs", "codeCivilite", "SubjectRefPro",
]  # fmt: skip
# Paths under <issuer>/protocol/openid-connect, as Keycloak names them.
LOGIN_STATUS_IFRAME = "login-status-iframe.html"
DEVICE_AUTHORIZATION = "auth/device"
PUSHED_AUTHORIZATION_REQUEST = "ext/par/request"
# Under <issuer>: Keycloak's OIDC dynamic client registration.
CLIENT_REGISTRATION = "/clients-registrations/openid-connect"
# RFC 8705 §5: the endpoints a client reaches with its certificate (Keycloak's list).
MTLS_ENDPOINTS = {
    "token_endpoint": "token",
    "revocation_endpoint": "revoke",
    "introspection_endpoint": "token/introspect",
    "device_authorization_endpoint": DEVICE_AUTHORIZATION,
    "registration_endpoint": None,  # not under protocol/openid-connect
    "userinfo_endpoint": "userinfo",
    "pushed_authorization_request_endpoint": PUSHED_AUTHORIZATION_REQUEST,
    "backchannel_authentication_endpoint": "ext/ciba/auth",
}
# Keycloak's JWE algorithms, as PSC lists them for ID tokens, userinfo, request
# objects and JARM (the mock never encrypts: no client of it can ask for JWE).
ENCRYPTION_ALGS = ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]
ENCRYPTION_ENCS = ["A256GCM", "A192GCM", "A128GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"]
CLIENT_AUTH_SIGNING_ALGS = ["RS256", "ES256", "PS256", "HS256"]


def _mtls_endpoint_aliases(state: MockState) -> dict[str, str]:
    """Where a client with a certificate goes: the mTLS port when it runs, else the same
    routes on the plain origin (what Keycloak publishes when it has no separate mTLS host)."""
    origin = state.mtls_origin or state.auth_origin
    return {key: (origin + REALM_PATH + CLIENT_REGISTRATION if path is None else state.oidc_url(path, origin))
            for key, path in MTLS_ENDPOINTS.items()}


def document(state: MockState) -> dict[str, Any]:
    doc = {
        "issuer": state.issuer,
        "authorization_endpoint": state.authorization_endpoint,
        "token_endpoint": state.oidc_url("token"),
        "introspection_endpoint": state.oidc_url("token/introspect"),
        "userinfo_endpoint": state.oidc_url("userinfo"),
        "end_session_endpoint": state.oidc_url("logout"),
        "revocation_endpoint": state.oidc_url("revoke"),
        "jwks_uri": state.oidc_url("certs"),
        "backchannel_authentication_endpoint": state.oidc_url("ext/ciba/auth"),
        "check_session_iframe": state.oidc_url(LOGIN_STATUS_IFRAME),
        "registration_endpoint": state.issuer + CLIENT_REGISTRATION,
        "device_authorization_endpoint": state.oidc_url(DEVICE_AUTHORIZATION),
        "pushed_authorization_request_endpoint": state.oidc_url(PUSHED_AUTHORIZATION_REQUEST),
        "require_pushed_authorization_requests": False,
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:openid:params:grant-type:ciba",
        ],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post", "query.jwt", "fragment.jwt",
                                     "form_post.jwt", "jwt"],
        "subject_types_supported": ["public"],
        "prompt_values_supported": ["none", "login", "consent"],  # Keycloak 26 lists it unconditionally
        "acr_values_supported": list(state.settings.acr_values_supported),
        "code_challenge_methods_supported": ["plain", "S256"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "tls_client_auth",
            "client_secret_jwt",
        ],
        "scopes_supported": ["openid", "scope_all", "eidas1", "rpps", "identity", "profile", "email"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "id_token_encryption_alg_values_supported": ENCRYPTION_ALGS,
        "id_token_encryption_enc_values_supported": ENCRYPTION_ENCS,
        "userinfo_signing_alg_values_supported": ["RS256"],
        "userinfo_encryption_alg_values_supported": ENCRYPTION_ALGS,
        "userinfo_encryption_enc_values_supported": ENCRYPTION_ENCS,
        "request_object_encryption_alg_values_supported": ENCRYPTION_ALGS,
        "request_object_encryption_enc_values_supported": ENCRYPTION_ENCS,
        "authorization_signing_alg_values_supported": ["RS256"],
        "authorization_encryption_alg_values_supported": ENCRYPTION_ALGS,
        "authorization_encryption_enc_values_supported": ENCRYPTION_ENCS,
        # Required by RFC 8414 since *_jwt client authentication methods are listed (PSC lists them).
        "token_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_SIGNING_ALGS,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                          "tls_client_auth"],
        "introspection_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_SIGNING_ALGS,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                       "tls_client_auth"],
        "revocation_endpoint_auth_signing_alg_values_supported": CLIENT_AUTH_SIGNING_ALGS,
        "claim_types_supported": ["normal"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_authentication_request_signing_alg_values_supported": ["RS256"],
        "backchannel_user_code_parameter_supported": False,
        "request_object_signing_alg_values_supported": ["RS256"],
        "claims_supported": USERINFO_CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": True,
        "backchannel_token_delivery_modes_supported": ["poll"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "tls_client_certificate_bound_access_tokens": True,
        "mtls_endpoint_aliases": _mtls_endpoint_aliases(state),
    }
    return doc


async def discovery(request: Request) -> Response:
    state = state_of(request)
    injected = await injected_http_fault(state, "discovery", None)
    if injected:
        return injected
    return JSONResponse(document(state))
