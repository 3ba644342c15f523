"""Token introspection (RFC 7662) as Keycloak answers it: the token's claims
plus ``active``, ``client_id``, ``username`` and ``token_type``; for access
tokens PSC's ``SubjectNameID`` too. Anything not alive is ``{"active": false}``."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.client_auth import authenticated_form
from mockpsc.claims import subject
from mockpsc.httputil import NO_STORE, state_of
from mockpsc.keys import TokenError
from mockpsc.sessions import IssuedToken
from mockpsc.state import MockState

INACTIVE = {"active": False}


def _alive(state: MockState, record: IssuedToken | None, kind: str) -> bool:
    return (record is not None and record.kind == kind and not record.revoked
            and state.clock.now() < record.expires_at and state.sessions.live(record.sid) is not None)


def _access_token(state: MockState, token: str) -> dict[str, Any] | None:
    try:
        claims = state.keys.verify(token)
    except TokenError:
        return None
    if claims.get("typ") != "Bearer" or claims.get("iss") != state.issuer:
        return None
    record = state.sessions.token(str(claims.get("jti")))
    if not _alive(state, record, "access"):
        return None
    assert record is not None
    return {**claims, "SubjectNameID": record.national_id, "client_id": record.client_id,
            "username": claims.get("preferred_username", record.national_id), "token_type": "Bearer",
            "active": True}


def _refresh_token(state: MockState, token: str) -> dict[str, Any] | None:
    record = state.sessions.token(token)
    if not _alive(state, record, "refresh"):
        return None
    assert record is not None
    identity = state.identities.get(record.national_id)
    return {"exp": int(record.expires_at), "iat": int(record.issued_at), "typ": "Refresh", "azp": record.client_id,
            "sub": subject(identity) if identity else "", "session_state": record.sid, "sid": record.sid,
            "scope": record.scope, "client_id": record.client_id, "username": record.national_id,
            "token_type": "Refresh", "active": True}


async def introspect(request: Request) -> Response:
    state = state_of(request)
    checked = await authenticated_form(request, "introspect", required="token")
    if isinstance(checked, Response):
        return checked
    fields, auth = checked
    token = fields["token"]
    hint = fields.get("token_type_hint")
    readers = (_refresh_token, _access_token) if hint == "refresh_token" else (_access_token, _refresh_token)
    answer = next((found for read in readers if (found := read(state, token)) is not None), INACTIVE)
    state.log.event("token.introspected", client_id=auth.client.client_id, active=answer["active"])
    return JSONResponse(answer, headers=NO_STORE)
