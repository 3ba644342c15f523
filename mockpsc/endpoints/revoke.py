"""Token revocation (RFC 7009): a refresh or access token of the calling client
stops working. Unknown tokens are answered 200 too, as the RFC requires."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.client_auth import authenticated_form
from mockpsc.httputil import NO_STORE, state_of
from mockpsc.keys import TokenError


async def revoke(request: Request) -> Response:
    state = state_of(request)
    checked = await authenticated_form(request, "revoke", required="token")
    if isinstance(checked, Response):
        return checked
    fields, auth = checked
    token = key = fields["token"]
    try:
        key = str(state.keys.verify(token).get("jti"))  # an access token is remembered by its jti
    except TokenError:
        pass
    record = state.sessions.token(key)
    if record is not None and record.client_id == auth.client.client_id:
        state.sessions.revoke(key)
        state.log.event("token.revoked", client_id=auth.client.client_id, token_kind=record.kind)
    return Response(status_code=200, headers=NO_STORE)
