"""grant_type=authorization_code: one-time code, bound to client, redirect URI and PKCE."""
from __future__ import annotations

from mockpsc.client_auth import Authenticated
from mockpsc.grants import GrantError
from mockpsc.pkce import verifier_matches
from mockpsc.state import MockState
from mockpsc.tokens import LoginGrant, token_response


def authorization_code_grant(state: MockState, auth: Authenticated, fields: dict[str, str]) -> dict:
    client = auth.client
    value, redirect_uri = fields.get("code"), fields.get("redirect_uri")
    if not value:
        raise GrantError("invalid_request", "missing parameter: code")
    if redirect_uri is None:
        raise GrantError("invalid_request", "missing parameter: redirect_uri")
    code, was_used = state.sessions.take_code(value)
    if code is None:
        raise GrantError("invalid_grant", "Code not valid")
    if was_used:
        state.log.event("code.replayed", client_id=client.client_id, sid=code.sid)
        raise GrantError("invalid_grant", "Code already used")
    if code.client_id != client.client_id:
        raise GrantError("invalid_grant", "Code was issued to another client")
    if state.clock.now() >= code.expires_at:
        raise GrantError("invalid_grant", "Code expired")
    if redirect_uri != code.redirect_uri:
        raise GrantError("invalid_grant", "Incorrect redirect_uri")
    verifier = fields.get("code_verifier")
    if code.code_challenge is not None:
        if verifier is None:
            raise GrantError("invalid_grant", "PKCE code verifier not specified")
        if not verifier_matches(code.code_challenge, code.code_challenge_method, verifier):
            raise GrantError("invalid_grant", "PKCE verification failed")
    elif verifier is not None:
        raise GrantError("invalid_grant", "PKCE code verifier specified but challenge not present in authorization")
    if state.sessions.live(code.sid, touch=True) is None:
        raise GrantError("invalid_grant", "Session not active")
    identity = state.identities.get(code.national_id)
    if identity is None:
        raise GrantError("invalid_grant", "User not found")
    grant = LoginGrant(code.sid, code.national_id, code.scope, code.nonce, code.auth_time, code.auth_mode, code.acr)
    return token_response(state, client, grant, identity, auth.cnf)
