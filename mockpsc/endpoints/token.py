"""Token endpoint. Client authentication first, then the grant named by
grant_type (one module each under ``mockpsc.grants``). Every failure is an
OAuth JSON error, never a 500."""
from __future__ import annotations

from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.client_auth import Authenticated, authenticated_form
from mockpsc.grants import GrantError
from mockpsc.grants.authorization_code import authorization_code_grant
from mockpsc.grants.ciba import GRANT_TYPE as CIBA_GRANT_TYPE
from mockpsc.grants.ciba import ciba_grant
from mockpsc.grants.refresh_token import refresh_token_grant
from mockpsc.httputil import NO_STORE, oauth_error, state_of
from mockpsc.state import MockState

GRANTS: dict[str, Callable[[MockState, Authenticated, dict[str, str]], dict]] = {
    "authorization_code": authorization_code_grant,
    "refresh_token": refresh_token_grant,
    CIBA_GRANT_TYPE: ciba_grant,
}


async def token(request: Request) -> Response:
    state = state_of(request)
    checked = await authenticated_form(request, "token", required="grant_type")
    if isinstance(checked, Response):
        return checked
    fields, auth = checked
    grant_type = fields["grant_type"]
    grant = GRANTS.get(grant_type)
    if grant is None:
        return oauth_error("unsupported_grant_type", f"unsupported grant_type '{grant_type}'")
    try:
        body = grant(state, auth, fields)
    except GrantError as error:
        if error.error not in ("authorization_pending", "slow_down"):  # polling noise stays out of the log
            state.log.event("token.refused", client_id=auth.client.client_id, grant_type=grant_type,
                            error=error.error, description=error.description)
        return oauth_error(error.error, error.description, error.status)
    return JSONResponse(body, headers=NO_STORE)
