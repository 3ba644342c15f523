"""Authorize endpoint on the wallet origin: checks the request like PSC (a
Keycloak) does, then shows the e-CPS identification page.

Errors before the client and redirect URI are trusted are shown on a page;
after that they go back to the client as OIDC error redirects.
"""
from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.httputil import error_page, page, redirect, single_values, state_of
from mockpsc.sessions import AuthRequest, new_request_id
from mockpsc.state import MockState

# RFC 7636: 43-128 unreserved characters for both verifier and challenge.
PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_METHODS = ("plain", "S256")
AUTH_REQUEST_LIFETIME = 1800  # a wallet page left open longer must be restarted


def granted_scope(state: MockState, requested: str) -> str:
    """openid, Keycloak's default scopes, then the other requested ones."""
    asked = requested.split()
    ordered = ["openid", *state.settings.default_scopes, *asked]
    return " ".join(dict.fromkeys(s for s in ordered if s))


async def authorize(request: Request) -> Response:
    state = state_of(request)
    params, repeated = single_values(request.query_params.multi_items())

    client = state.clients.get(params.get("client_id"))
    if "client_id" in repeated or client is None:
        return error_page(request, "Client inconnu ou invalide (client_id).", title="Requête invalide")
    redirect_uri = params.get("redirect_uri")
    if "redirect_uri" in repeated or redirect_uri not in client.redirect_uris:
        # Never redirect to an unregistered URI: that is an open redirector.
        return error_page(request, "Paramètre redirect_uri invalide pour ce client.", title="Requête invalide")

    oidc_state = params.get("state")

    def fail(error: str, description: str) -> Response:
        state.log.event("authorize.refused", client_id=client.client_id, error=error, description=description)
        return redirect(redirect_uri, {"error": error, "error_description": description, "state": oidc_state})

    if repeated:
        return fail("invalid_request", f"duplicated parameter: {', '.join(repeated)}")
    if params.get("response_type") != "code":
        return fail("unsupported_response_type", "only response_type=code is supported")
    if params.get("response_mode", "query") != "query":
        return fail("invalid_request", "only response_mode=query is supported")
    scope = params.get("scope", "")
    if "openid" not in scope.split():
        return fail("invalid_scope", "scope must include openid")
    acr_values = params.get("acr_values")
    if acr_values is None:
        return fail("invalid_request", f"acr_values is required (acr_values={state.settings.accepted_acr})")
    if acr_values.split() != [state.settings.accepted_acr]:
        return fail("invalid_request", f"unsupported acr_values '{acr_values}': only {state.settings.accepted_acr}")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None and method is not None:
        return fail("invalid_request", "code_challenge_method without code_challenge")
    if challenge is not None:
        method = method or "plain"  # RFC 7636 default
        if method not in PKCE_METHODS:
            return fail("invalid_request", f"unsupported code_challenge_method '{method}'")
        if not PKCE_VALUE.match(challenge):
            return fail("invalid_request", "invalid code_challenge")

    now = state.clock.now()
    auth_request = AuthRequest(
        id=new_request_id(),
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=granted_scope(state, scope),
        state=oidc_state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        code_challenge_method=method if challenge is not None else None,
        login_hint=params.get("login_hint", ""),
        created_at=now,
        expires_at=now + AUTH_REQUEST_LIFETIME,
    )
    state.sessions.add_request(auth_request)
    state.log.event("authorize.accepted", client_id=client.client_id, request_id=auth_request.id)
    return page(request, "login.html", tx=auth_request.id, national_id=auth_request.login_hint, error=None)
