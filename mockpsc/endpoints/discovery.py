"""Discovery document, served at PSC's non-standard path and the standard one.

It lists what PSC advertises (reference §1), including features the mock does
not serve yet (CIBA, introspection, refresh): a broker configured from it must
see the same document as against the sandbox.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.httputil import state_of
from mockpsc.state import MockState

USERINFO_CLAIMS = [
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "authMode",
    "preferred_username", "given_name", "family_name", "email_verified",
    "SubjectNameID", "SubjectOrganization", "SubjectOrganizationID", "SubjectRole",
    "Secteur_Activite", "Mode_Acces_Raison", "Acces_Regulation_Medicale", "UITVersion",
    "Palier_Authentification", "PSI_Locale", "otherIds", "SubjectRefPro",
]  # fmt: skip


def document(state: MockState) -> dict[str, Any]:
    return {
        "issuer": state.issuer,
        "authorization_endpoint": state.authorization_endpoint,
        "token_endpoint": state.oidc_url("token"),
        "introspection_endpoint": state.oidc_url("token/introspect"),
        "userinfo_endpoint": state.oidc_url("userinfo"),
        "end_session_endpoint": state.oidc_url("logout"),
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
        "response_modes_supported": ["query"],
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
        "request_object_signing_alg_values_supported": ["RS256"],
        "claims_supported": USERINFO_CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "backchannel_token_delivery_modes_supported": ["poll"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "tls_client_certificate_bound_access_tokens": True,
    }


async def discovery(request: Request) -> JSONResponse:
    return JSONResponse(document(state_of(request)))
