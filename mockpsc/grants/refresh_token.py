"""grant_type=refresh_token: new tokens while the PSC session lives (Keycloak-style
answers; the old refresh token stays usable, as with Keycloak's default)."""
from __future__ import annotations

from mockpsc.client_auth import Authenticated
from mockpsc.grants import GrantError
from mockpsc.state import MockState
from mockpsc.tokens import LoginGrant, token_response


def refresh_token_grant(state: MockState, auth: Authenticated, fields: dict[str, str]) -> dict:
    client = auth.client
    value = fields.get("refresh_token")
    if not value:
        raise GrantError("invalid_request", "missing parameter: refresh_token")
    record = state.sessions.token(value)
    if record is None or record.kind != "refresh" or record.revoked:
        raise GrantError("invalid_grant", "Invalid refresh token")
    if record.client_id != client.client_id:
        raise GrantError("invalid_grant", "Invalid refresh token. Token client and authorized client don't match")
    if state.clock.now() >= record.expires_at:
        raise GrantError("invalid_grant", "Token is not active")
    session = state.sessions.live(record.sid, touch=True)
    if session is None:
        raise GrantError("invalid_grant", "Session not active")
    scope = record.scope
    asked = fields.get("scope")
    if asked is not None:
        extra = set(asked.split()) - set(record.scope.split())
        if extra:
            raise GrantError("invalid_scope", f"Invalid scopes: {' '.join(sorted(extra))}")
        scope = " ".join(s for s in record.scope.split() if s in asked.split())
    identity = state.identities.get(record.national_id)
    if identity is None:
        raise GrantError("invalid_grant", "User not found")
    state.log.event("tokens.refreshed", client_id=client.client_id, sid=record.sid)
    grant = LoginGrant(record.sid, record.national_id, scope, record.nonce, session.auth_time, record.auth_mode,
                       record.acr)
    return token_response(state, client, grant, identity, auth.cnf)
