"""The end of an authorization request: a code (or an error) delivered to the
client by redirect query, fragment or an auto-submitted form (form_post), and
the wallet's SSO cookie for the PSC session it opened."""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.httputil import NO_STORE, page, redirect, state_of
from mockpsc.sessions import AuthCode, AuthRequest, LoginSession, new_code_value

SSO_COOKIE = "PSC_SESSION"  # on the wallet origin; worth nothing once the session is over
RESPONSE_MODES = ("query", "fragment", "form_post")


def deliver(request: Request, auth_request: AuthRequest, params: dict[str, str | None]) -> Response:
    """Send ``params`` back to the client's redirect URI in its response mode."""
    values = {k: v for k, v in params.items() if v is not None}
    if auth_request.response_mode == "form_post":
        return page(request, "form_post.html", action=auth_request.redirect_uri, fields=values)
    if auth_request.response_mode == "fragment":
        parts = urlsplit(auth_request.redirect_uri)
        target = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, urlencode(values)))
        return Response(status_code=302, headers={"Location": target, **NO_STORE})
    return redirect(auth_request.redirect_uri, values)


def refuse(request: Request, auth_request: AuthRequest, error: str, description: str) -> Response:
    return deliver(request, auth_request, {"error": error, "error_description": description,
                                           "state": auth_request.state, "iss": state_of(request).issuer})


def issue_code(request: Request, auth_request: AuthRequest, session: LoginSession) -> Response:
    """One-time code of ``session`` for this request, sent to the client; sets the SSO cookie."""
    state = state_of(request)
    auth_request.done = True
    code = AuthCode(
        value=new_code_value(),
        client_id=auth_request.client_id,
        redirect_uri=auth_request.redirect_uri,
        sid=session.sid,
        national_id=session.national_id,
        scope=auth_request.scope,
        nonce=auth_request.nonce,
        code_challenge=auth_request.code_challenge,
        code_challenge_method=auth_request.code_challenge_method,
        auth_time=session.auth_time,
        expires_at=state.clock.now() + state.settings.code_lifetime,
        auth_mode=session.auth_mode,
        acr=session.acr,
    )
    state.sessions.add_code(code)
    response = deliver(request, auth_request, {"state": auth_request.state, "session_state": session.sid,
                                               "iss": state.issuer, "code": code.value})
    response.set_cookie(SSO_COOKIE, session.sid, max_age=state.settings.session_max_lifetime, path="/",
                        httponly=True, samesite="lax")
    return response
