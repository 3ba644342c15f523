"""Minting the token response of a login: access token, ID token, refresh token.

Person claims come from ``claims.build_claims``; this module adds the protocol
envelope, lets armed faults edit the draft, then signs.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import Any

from mockpsc.claims import build_claims
from mockpsc.clients import Client
from mockpsc.faults import TokenDraft
from mockpsc.identities import Identity
from mockpsc.sessions import AuthCode, IssuedToken
from mockpsc.state import MockState


def at_hash(access_token: str) -> str:
    """OIDC at_hash for RS256: left half of SHA-256, base64url without padding."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def token_response(state: MockState, client: Client, code: AuthCode, identity: Identity) -> dict[str, Any]:
    settings = state.settings
    now = int(state.clock.now())
    person = build_claims(identity, auth_mode=settings.auth_mode, acr=settings.accepted_acr)
    common = {
        "iat": now,
        "auth_time": code.auth_time,
        "iss": state.issuer,
        "sub": person.sub,
        "azp": client.client_id,
        "session_state": code.sid,
        "sid": code.sid,
    }
    access_jti = str(uuid.uuid4())
    # No "aud" in PSC access tokens (sandbox samples).
    access_claims = {
        "exp": now + settings.access_token_lifetime,
        "jti": access_jti,
        "typ": "Bearer",
        "scope": code.scope,
        **common,
        **person.access_token,
    }
    id_claims = {
        "exp": now + settings.id_token_lifetime,
        "jti": str(uuid.uuid4()),
        "aud": client.client_id,
        "typ": "ID",
        **common,
        **person.id_token,
    }
    if code.nonce is not None:
        id_claims["nonce"] = code.nonce

    draft = TokenDraft(keys=state.keys, id_claims=id_claims, access_claims=access_claims)
    applied = []
    for armed in state.faults.take(client.client_id):
        armed.kind.apply(draft, armed.value)
        applied.append(armed.kind.name)
    if applied:
        state.log.event("fault.applied", client_id=client.client_id, faults=applied)

    access_token = state.keys.sign(draft.access_claims, draft.access_token_key)
    draft.id_claims.setdefault("at_hash", at_hash(access_token))  # a fault may have set its own
    id_token = state.keys.sign(draft.id_claims, draft.id_token_key)
    refresh_token = secrets.token_urlsafe(48)  # opaque; the refresh grant will look it up

    state.sessions.remember_token(
        access_jti,
        IssuedToken("access", client.client_id, code.sid, identity.national_id, code.scope,
                    access_claims["exp"]),
    )
    state.sessions.remember_token(
        refresh_token,
        IssuedToken("refresh", client.client_id, code.sid, identity.national_id, code.scope,
                    now + settings.refresh_token_lifetime),
    )
    state.log.event("tokens.issued", client_id=client.client_id, sid=code.sid, sub=person.sub)
    return {
        "access_token": access_token,
        "expires_in": settings.access_token_lifetime,
        "refresh_expires_in": settings.refresh_token_lifetime,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "id_token": id_token,
        "not-before-policy": 0,
        "session_state": code.sid,
        "scope": code.scope,
    }
