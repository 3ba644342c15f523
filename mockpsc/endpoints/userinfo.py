"""Userinfo: PSC's person claims as plain JSON for a valid access token."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.claims import build_claims
from mockpsc.httputil import NO_STORE, BadForm, read_form, single_values, state_of
from mockpsc.keys import TokenError
from mockpsc.settings import REALM


def _unauthorized(description: str, error: str | None = "invalid_token") -> JSONResponse:
    challenge = f'Bearer realm="{REALM}"'
    if error:  # RFC 6750 §3.1: no error code when no token was sent at all
        challenge += f', error="{error}", error_description="{description}"'
    return JSONResponse(
        {"error": error or "invalid_request", "error_description": description},
        status_code=401,
        headers={"WWW-Authenticate": challenge, **NO_STORE},
    )


async def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    if request.method == "POST":  # RFC 6750 §2.2 form-encoded body parameter
        try:
            fields, _ = single_values(await read_form(request))
        except BadForm:
            return None
        return fields.get("access_token") or None
    return None


async def userinfo(request: Request) -> JSONResponse:
    state = state_of(request)
    token = await _bearer(request)
    if token is None:
        return _unauthorized("missing bearer access token", error=None)
    try:
        claims = state.keys.verify(token)
    except TokenError as error:
        return _unauthorized(str(error))
    if claims.get("typ") != "Bearer" or claims.get("iss") != state.issuer:
        return _unauthorized("not an access token of this issuer")
    exp = claims.get("exp")
    if not isinstance(exp, int) or state.clock.now() >= exp:
        return _unauthorized("Token expired")
    record = state.sessions.token(str(claims.get("jti")))
    if record is None or record.kind != "access":
        return _unauthorized("unknown access token")
    session = state.sessions.get_session(record.sid)
    if session is None or not session.active:
        return _unauthorized("User session not found")
    identity = state.identities.get(record.national_id)
    if identity is None:
        return _unauthorized("User not found")
    body = build_claims(identity, auth_mode=state.settings.auth_mode, acr=state.settings.accepted_acr).userinfo
    state.log.event("userinfo.served", client_id=record.client_id, sid=record.sid)
    return JSONResponse(body, headers=NO_STORE)
