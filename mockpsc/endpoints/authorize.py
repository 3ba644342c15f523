"""Authorize endpoint on the wallet origin: checks the request like PSC (a
Keycloak) does, then either answers from the live PSC session of this browser
(SSO cookie) or shows the e-CPS identification page.

Errors before the client and redirect URI are trusted are shown on a page;
after that they go back to the client as OIDC error responses. ``acr_values``
is required and names one level a relying party may ask for (eidas1, eidas2,
eidas3); the acr returned is what the login achieves (mockpsc/acr.py).
``prompt=login`` forces a new e-CPS authentication, ``prompt=none`` never shows
a page (``login_required`` without a session), ``max_age`` bounds the age of
the session's authentication.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.acr import ACR_LEVELS
from mockpsc.authorization_response import RESPONSE_MODES, SSO_COOKIE, issue_code, refuse
from mockpsc.httputil import error_page, page, single_values, state_of
from mockpsc.pkce import PKCE_METHODS, PKCE_VALUE
from mockpsc.endpoints.wallet_login import ecps_page
from mockpsc.sessions import AuthRequest, new_request_id
from mockpsc.state import MockState

AUTH_REQUEST_LIFETIME = 1800  # a wallet page left open longer must be restarted
PROMPTS = ("none", "login", "consent", "select_account")


def granted_scope(state: MockState, requested: str) -> str:
    """openid, Keycloak's default scopes, then the other requested ones."""
    asked = requested.split()
    ordered = ["openid", *state.settings.default_scopes, *asked]
    return " ".join(dict.fromkeys(s for s in ordered if s))


def acr_values_problem(acr_values: str | None) -> str | None:
    """Why PSC would refuse this ``acr_values`` (one level among ACR_LEVELS), else None."""
    if acr_values is None:
        return f"acr_values is required (one of {', '.join(ACR_LEVELS)}, e.g. acr_values=eidas1)"
    if acr_values not in ACR_LEVELS:
        return f"unsupported acr_values '{acr_values[:60]}': one of {', '.join(ACR_LEVELS)}"
    return None


def _problem(state: MockState, params: dict[str, str], repeated: list[str]) -> tuple[str, str] | None:
    """(error, description) for a request PSC would refuse, else None."""
    if repeated:
        return "invalid_request", f"duplicated parameter: {', '.join(repeated)}"
    if params.get("response_type") != "code":
        return "unsupported_response_type", "only response_type=code is supported"
    if params.get("response_mode", "query") not in RESPONSE_MODES:
        return "invalid_request", f"response_mode must be one of {', '.join(RESPONSE_MODES)}"
    if "openid" not in params.get("scope", "").split():
        return "invalid_scope", "scope must include openid"
    problem = acr_values_problem(params.get("acr_values"))
    if problem:
        return "invalid_request", problem
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None and method is not None:
        return "invalid_request", "code_challenge_method without code_challenge"
    if challenge is not None:
        if (method or "plain") not in PKCE_METHODS:  # RFC 7636: plain by default
            return "invalid_request", f"unsupported code_challenge_method '{method}'"
        if not PKCE_VALUE.match(challenge):
            return "invalid_request", "invalid code_challenge"
    prompts = params.get("prompt", "").split()
    if any(p not in PROMPTS for p in prompts) or ("none" in prompts and len(prompts) > 1):
        return "invalid_request", "invalid prompt parameter"
    max_age = params.get("max_age")
    if max_age is not None and not max_age.isdigit():
        return "invalid_request", "max_age must be a non-negative integer"
    return None


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

    now = state.clock.now()
    challenge = params.get("code_challenge")
    response_mode = params.get("response_mode", "query")
    auth_request = AuthRequest(
        id=new_request_id(),
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=granted_scope(state, params.get("scope", "")),
        state=params.get("state"),
        nonce=params.get("nonce"),
        code_challenge=challenge,
        code_challenge_method=(params.get("code_challenge_method") or "plain") if challenge is not None else None,
        login_hint=params.get("login_hint", ""),
        created_at=now,
        expires_at=now + AUTH_REQUEST_LIFETIME,
        response_mode=response_mode if response_mode in RESPONSE_MODES else "query",
        acr_values=params.get("acr_values", ""),
    )
    problem = _problem(state, params, repeated)
    if problem:
        state.log.event("authorize.refused", client_id=client.client_id, error=problem[0], description=problem[1])
        return refuse(request, auth_request, *problem)

    prompts = params.get("prompt", "").split()
    session = state.sessions.live(request.cookies.get(SSO_COOKIE), touch=True)
    if session is not None and "max_age" in params and now - session.auth_time > int(params["max_age"]):
        session = None
    if session is not None and "login" not in prompts:
        state.log.event("authorize.sso", client_id=client.client_id, sid=session.sid)
        return issue_code(request, auth_request, session)
    if "none" in prompts:
        return refuse(request, auth_request, "login_required", "no Pro Santé Connect session")

    state.sessions.add_request(auth_request)
    state.log.event("authorize.accepted", client_id=client.client_id, request_id=auth_request.id,
                    prompt=params.get("prompt"), acr_values=auth_request.acr_values)
    return ecps_page(request, auth_request)
