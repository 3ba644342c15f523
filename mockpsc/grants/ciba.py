"""grant_type=urn:openid:params:grant-type:ciba: the client polls with its auth_req_id."""
from __future__ import annotations

from mockpsc.ciba import ACCESS_DENIED, EXPIRED_TOKEN, GRANTED, INVALID, SLOW_DOWN
from mockpsc.client_auth import Authenticated
from mockpsc.grants import GrantError
from mockpsc.state import MockState
from mockpsc.tokens import LoginGrant, token_response

GRANT_TYPE = "urn:openid:params:grant-type:ciba"
DESCRIPTIONS = {
    "authorization_pending": "The authorization request is still pending",
    SLOW_DOWN: "Too early to poll again: wait 'interval' seconds (now increased by 5)",
    ACCESS_DENIED: "The end-user denied the authorization request",
    EXPIRED_TOKEN: "The authorization request has expired",
    INVALID: "Invalid auth_req_id",
}


def ciba_grant(state: MockState, auth: Authenticated, fields: dict[str, str]) -> dict:
    client = auth.client
    auth_req_id = fields.get("auth_req_id")
    if not auth_req_id:
        raise GrantError("invalid_request", "missing parameter: auth_req_id")
    if not client.ciba_enabled:
        raise GrantError("unauthorized_client", "CIBA is not enabled for this client")
    outcome, request = state.ciba.poll(auth_req_id, client.client_id)
    if outcome != GRANTED:
        raise GrantError(outcome, DESCRIPTIONS[outcome])
    assert request is not None
    identity = state.identities.get(request.national_id)
    if identity is None:
        raise GrantError("invalid_grant", "User not found")
    session = state.open_login_session(request.national_id, client.client_id, request.channel, via="ciba")
    grant = LoginGrant(session.sid, request.national_id, request.scope, None, session.auth_time, session.auth_mode,
                       session.acr)
    return token_response(state, client, grant, identity, auth.cnf)
