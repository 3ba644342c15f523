"""Signing keys: what the JWKS publishes and what tokens are signed with.

One active RS256 key for now; key rotation will add keys to ``_published`` and
move ``_active``. The impostor key shares the active ``kid`` but is never
published, so a consumer that trusts the kid without verifying fails visibly.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ALG = "RS256"


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALG})


class TokenError(ValueError):
    """A token we cannot vouch for (bad signature, malformed, not ours)."""


class KeyRing:
    def __init__(self) -> None:
        self._active = _new_key(uuid.uuid4().hex)
        self._published = [self._active]
        self._impostor: RSAKey | None = None
        self._lock = threading.Lock()

    @property
    def active(self) -> RSAKey:
        return self._active

    def impostor(self) -> RSAKey:
        """A key NOT in the JWKS that claims the active kid (generated on first use)."""
        with self._lock:
            if self._impostor is None or self._impostor.kid != self._active.kid:
                self._impostor = _new_key(self._active.kid)
            return self._impostor

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.as_dict(private=False) for k in self._published]}

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None) -> str:
        key = key or self._active
        return jwt.encode({"alg": ALG, "kid": key.kid}, claims, key, algorithms=[ALG])

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a token signed by one of our published keys; no time checks here."""
        try:
            return jwt.decode(token, KeySet(list(self._published)), algorithms=[ALG]).claims
        except (JoseError, ValueError, TypeError) as error:
            raise TokenError(f"not a token signed by this issuer: {error.__class__.__name__}") from error
