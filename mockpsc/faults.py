"""Deliberate misbehaviour of the next token response(s) of a client.

A fault is one entry in ``FAULTS``: a function that edits a ``TokenDraft``
before it is signed. Adding a fault = adding one decorated function.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from joserfc.jwk import RSAKey

from mockpsc.keys import KeyRing


@dataclass
class TokenDraft:
    """Claims and signing keys of one token response, still editable."""

    keys: KeyRing
    id_claims: dict[str, Any]
    access_claims: dict[str, Any]
    id_token_key: RSAKey | None = None  # None = the active published key
    access_token_key: RSAKey | None = None


@dataclass(frozen=True)
class FaultKind:
    name: str
    apply: Callable[[TokenDraft, Any], None]
    needs_value: bool
    doc: str


FAULTS: dict[str, FaultKind] = {}


def fault(name: str, *, needs_value: bool = False) -> Callable:
    def register(func: Callable[[TokenDraft, Any], None]) -> Callable:
        FAULTS[name] = FaultKind(name, func, needs_value, (func.__doc__ or "").strip())
        return func

    return register


@fault("id_token_bad_signature")
def _id_token_bad_signature(draft: TokenDraft, value: Any) -> None:
    """ID token signed by a key absent from the JWKS but carrying the real kid."""
    draft.id_token_key = draft.keys.impostor()


@fault("acr", needs_value=True)
def _acr(draft: TokenDraft, value: Any) -> None:
    """Replace the acr claim (e.g. "eidas2"); null removes it."""
    for claims in (draft.id_claims, draft.access_claims):
        if value is None:
            claims.pop("acr", None)
        else:
            claims["acr"] = value


class FaultError(ValueError):
    pass


_UNSET: Any = object()


@dataclass
class ArmedFault:
    kind: FaultKind
    value: Any
    client_id: str | None  # None = any client
    times: int | None  # None = until cleared
    id: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fault": self.kind.name,
            "value": self.value,
            "client_id": self.client_id,
            "times": self.times,
        }


class FaultBoard:
    def __init__(self) -> None:
        self._armed: list[ArmedFault] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def arm(self, fault: str, value: Any = _UNSET, client_id: str | None = None, times: int | None = 1) -> ArmedFault:
        kind = FAULTS.get(fault) if isinstance(fault, str) else None
        if kind is None:
            raise FaultError(f"unknown fault {fault!r}; known: {sorted(FAULTS)}")
        if kind.needs_value and value is _UNSET:
            raise FaultError(f"fault {fault!r} needs a 'value' ({kind.doc})")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise FaultError("'times' must be a positive integer, or null for 'until cleared'")
        if client_id is not None and not isinstance(client_id, str):
            raise FaultError("'client_id' must be a string")
        with self._lock:
            armed = ArmedFault(kind, None if value is _UNSET else value, client_id, times, self._next_id)
            self._next_id += 1
            self._armed.append(armed)
        return armed

    def take(self, client_id: str) -> list[ArmedFault]:
        """Faults due for this client's next token response, consuming one use each."""
        with self._lock:
            due = [f for f in self._armed if f.client_id in (None, client_id)]
            for armed in due:
                if armed.times is not None:
                    armed.times -= 1
            self._armed = [f for f in self._armed if f.times is None or f.times > 0]
        return due

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.view() for f in self._armed]


UNSET = _UNSET
