"""Minting the token response of a login: access token, ID token, refresh token.

Every grant (authorization code, refresh, CIBA) ends here with a ``LoginGrant``.
Person claims come from ``claims.build_claims``; this module adds the protocol
envelope, lets armed faults edit the draft, then signs.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from mockpsc.claims import LoginClaims, build_claims
from mockpsc.clients import Client
from mockpsc.faults import LOGIN, TokenDraft
from mockpsc.identities import Identity
from mockpsc.sessions import IssuedToken
from mockpsc.state import MockState


@dataclass(frozen=True)
class LoginGrant:
    """What a grant vouches for: one PSC session of one professional."""

    sid: str
    national_id: str
    scope: str
    nonce: str | None
    auth_time: int
    auth_mode: str = "MOBILE"
    acr: str = "eidas1"  # what the authentication achieved (mockpsc/acr.py)


def at_hash(access_token: str) -> str:
    """OIDC at_hash for RS256: left half of SHA-256, base64url without padding."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def session_claims(person: LoginClaims, *, issuer: str, client_id: str, sid: str, now: int,
                   auth_time: int) -> dict[str, Any]:
    """The protocol claims the access token and the ID token share."""
    return {
        "iat": now,
        "auth_time": auth_time,
        "iss": issuer,
        "sub": person.sub,
        "azp": client_id,
        "session_state": sid,
        "sid": sid,
    }


def id_token_claims(person: LoginClaims, common: dict[str, Any], *, client_id: str, jti: str, exp: int,
                    nonce: str | None) -> dict[str, Any]:
    """The ID token's claims before faults and signing (at_hash is added once the access
    token is signed). Also the source of the PSC payloads the Java tests read (contract.py)."""
    claims = {"exp": exp, "jti": jti, "aud": client_id, "typ": "ID", **common, **person.id_token}
    if nonce is not None:
        claims["nonce"] = nonce
    return claims


def token_response(state: MockState, client: Client, grant: LoginGrant, identity: Identity,
                   cnf: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = state.settings
    now = int(state.clock.now())
    person = build_claims(identity, auth_mode=grant.auth_mode, acr=grant.acr, variant=client.claims_variant)
    common = session_claims(person, issuer=state.issuer, client_id=client.client_id, sid=grant.sid, now=now,
                            auth_time=grant.auth_time)
    access_jti = str(uuid.uuid4())
    # No "aud" in PSC access tokens (sandbox samples).
    access_claims = {
        "exp": now + settings.access_token_lifetime,
        "jti": access_jti,
        "typ": "Bearer",
        "scope": grant.scope,
        **common,
        **person.access_token,
    }
    if cnf:
        access_claims["cnf"] = cnf  # RFC 8705: the token only works with this certificate
    id_claims = id_token_claims(person, common, client_id=client.client_id, jti=str(uuid.uuid4()),
                                exp=now + settings.id_token_lifetime, nonce=grant.nonce)

    draft = TokenDraft(keys=state.keys, id_claims=id_claims, access_claims=access_claims, now=now,
                       id_token_lifetime=settings.id_token_lifetime)
    applied = state.faults.take(client.client_id, LOGIN)
    for armed in applied:
        armed.kind.apply(draft, armed.value)
    if applied:
        state.log.event("fault.applied", client_id=client.client_id, faults=[a.kind.name for a in applied])

    access_token = state.keys.sign(draft.access_claims, draft.access_token_key)
    draft.id_claims.setdefault("at_hash", at_hash(access_token))  # a fault may have set its own
    id_token = state.keys.sign(draft.id_claims, draft.id_token_key)
    refresh_token = secrets.token_urlsafe(48)  # opaque; the refresh grant looks it up

    record = IssuedToken("access", client.client_id, grant.sid, identity.national_id, grant.scope,
                         access_claims["exp"], issued_at=now, nonce=grant.nonce, auth_mode=grant.auth_mode,
                         acr=grant.acr, cnf=cnf,
                         userinfo_faults=tuple((a.kind, a.value) for a in applied if a.kind.apply_userinfo))
    state.sessions.remember_token(access_jti, record)
    session = state.sessions.get_session(grant.sid)
    # A refresh token never outlives its session.
    refresh_exp = now + settings.refresh_token_lifetime
    if session is not None:
        refresh_exp = min(refresh_exp, session.auth_time + settings.session_max_lifetime)
    state.sessions.remember_token(
        refresh_token,
        IssuedToken("refresh", client.client_id, grant.sid, identity.national_id, grant.scope, refresh_exp,
                    issued_at=now, nonce=grant.nonce, auth_mode=grant.auth_mode, acr=grant.acr),
    )
    state.log.event("tokens.issued", client_id=client.client_id, sid=grant.sid, sub=person.sub,
                    kid=state.keys.active.kid)
    return {
        "access_token": access_token,
        "expires_in": settings.access_token_lifetime,
        "refresh_expires_in": max(int(refresh_exp - now), 0),
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "id_token": id_token,
        "not-before-policy": 0,
        "session_state": grant.sid,
        "scope": grant.scope,
    }
