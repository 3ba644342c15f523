"""Discovery document, served at PSC's non-standard path and the standard one.

It lists what PSC advertises (reference §1): a broker configured from it must
see the same document as against the sandbox. A few advertised features are
refused by the mock (private_key_jwt, client_secret_jwt, client_credentials,
device code, JARM response modes): see mockpsc/README.md.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.httputil import injected_http_fault, state_of
from mockpsc.state import MockState

USERINFO_CLAIMS = [
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "authMode",
    "preferred_username", "given_name", "family_name", "email_verified",
    "SubjectNameID", "SubjectOrganization", "SubjectOrganizationID", "SubjectRole",
    "Secteur_Activite", "Mode_Acces_Raison", "Acces_Regulation_Medicale", "UITVersion",
    "Palier_Authentification", "PSI_Locale", "otherIds", "otherIDs", "codeCivilite", "SubjectRefPro",
]  # fmt: skip
MTLS_ENDPOINTS = {
    "token_endpoint": "token",
    "introspection_endpoint": "token/introspect",
    "userinfo_endpoint": "userinfo",
    "revocation_endpoint": "revoke",
    "backchannel_authentication_endpoint": "ext/ciba/auth",
}


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
        "userinfo_signing_alg_values_supported": ["RS256"],
        # Required by RFC 8414 since *_jwt client authentication methods are listed (PSC lists them).
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "PS256", "HS256"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                          "tls_client_auth"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                       "tls_client_auth"],
        "claim_types_supported": ["normal"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_authentication_request_signing_alg_values_supported": ["RS256"],
        "backchannel_user_code_parameter_supported": False,
        "request_object_signing_alg_values_supported": ["RS256"],
        "claims_supported": USERINFO_CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "backchannel_token_delivery_modes_supported": ["poll"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "tls_client_certificate_bound_access_tokens": True,
    }
    if state.mtls_origin:  # RFC 8705 §5: where to go with a client certificate
        doc["mtls_endpoint_aliases"] = {
            key: state.oidc_url(path, state.mtls_origin) for key, path in MTLS_ENDPOINTS.items()
        }
    return doc


async def discovery(request: Request) -> Response:
    state = state_of(request)
    injected = await injected_http_fault(state, "discovery", None)
    if injected:
        return injected
    return JSONResponse(document(state))
