"""Signing keys: what the JWKS publishes and what tokens are signed with.

Like PSC (a Keycloak realm), the JWKS holds the active RS256 signing key and an
RSA-OAEP encryption key. ``rotate()`` makes a new key sign while the previous
one stays published for a grace period (so tokens it signed still verify), then
drops out of the JWKS: exactly what a relying party's key cache must survive.

Two keys are never published: the *impostor* shares the active ``kid`` (a
consumer that trusts the kid without verifying fails visibly) and the
*stranger* has a ``kid`` nobody knows (a consumer must refetch the JWKS, then refuse).
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ALG = "RS256"


def _new_key(kid: str, use: str = "sig", alg: str = ALG) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": use, "alg": alg})


class TokenError(ValueError):
    """A token we cannot vouch for (bad signature, malformed, not ours)."""


@dataclass
class _Retired:
    key: RSAKey
    removed_at: float  # leaves the JWKS at this instant of the mock's clock


class KeyRing:
    def __init__(self, now: Callable[[], float] = lambda: 0.0, grace: Callable[[], float] = lambda: 600) -> None:
        self._now = now
        self._grace = grace
        self._active = _new_key(uuid.uuid4().hex)
        self._encryption = _new_key(uuid.uuid4().hex, use="enc", alg="RSA-OAEP")
        self._retired: list[_Retired] = []
        self._impostor: RSAKey | None = None
        self._stranger: RSAKey | None = None
        self._lock = threading.Lock()
        self.on_change: Callable[..., None] = lambda *a, **k: None  # set by MockState to log

    @property
    def active(self) -> RSAKey:
        return self._active

    def _signing_keys(self) -> list[RSAKey]:
        """Active key then retired keys still in their grace period (drops the others)."""
        now = self._now()
        expired = [r for r in self._retired if r.removed_at <= now]
        if expired:
            self._retired = [r for r in self._retired if r.removed_at > now]
            for gone in expired:
                self.on_change("keys.removed", kid=gone.key.kid)
        return [self._active, *(r.key for r in self._retired)]

    def rotate(self, grace: float | None = None) -> dict[str, Any]:
        """A new key signs from now on; the old one stays published ``grace`` seconds."""
        with self._lock:
            old = self._active
            grace = self._grace() if grace is None else grace
            self._active = _new_key(uuid.uuid4().hex)
            if grace > 0:
                self._retired.append(_Retired(old, self._now() + grace))
            result = {"new_kid": self._active.kid, "old_kid": old.kid, "old_published_for": grace}
        self.on_change("keys.rotated", **result)
        return result

    def impostor(self) -> RSAKey:
        """A key NOT in the JWKS that claims the active kid (generated on first use)."""
        with self._lock:
            if self._impostor is None or self._impostor.kid != self._active.kid:
                self._impostor = _new_key(self._active.kid)
            return self._impostor

    def stranger(self) -> RSAKey:
        """A key NOT in the JWKS whose kid is published nowhere."""
        with self._lock:
            if self._stranger is None:
                self._stranger = _new_key("unknown-" + uuid.uuid4().hex)
            return self._stranger

    def published_kids(self) -> list[str]:
        with self._lock:
            return [k.kid for k in self._signing_keys()] + [self._encryption.kid]

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            keys = [*self._signing_keys(), self._encryption]
        return {"keys": [k.as_dict(private=False) for k in keys]}

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None, typ: str = "JWT") -> str:
        key = key or self._active
        return jwt.encode({"alg": ALG, "typ": typ, "kid": key.kid}, claims, key, algorithms=[ALG])

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a token signed by one of our published keys; no time checks here."""
        with self._lock:
            keys = KeySet(self._signing_keys())
        try:
            return jwt.decode(token, keys, algorithms=[ALG]).claims
        except (JoseError, ValueError, TypeError) as error:
            raise TokenError(f"not a token signed by this issuer: {error.__class__.__name__}") from error
