"""In-memory structured log of requests and state changes, for test diagnostics.

Secrets never enter it: values under sensitive names are replaced before storing,
so ``GET /__mock/log`` can be dumped into a CI artifact safely.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any, Callable, Iterable

MASK = "***"
# Parameter and field names whose values are credentials or bearer material.
SENSITIVE = frozenset(
    {
        "secret",
        "client_secret",
        "code",
        "code_verifier",
        "pin",
        "password",
        "access_token",
        "refresh_token",
        "id_token",
        "id_token_hint",
        "token",
        "authorization",
        "client_assertion",
    }
)


def mask(value: Any) -> Any:
    """Copy of ``value`` with every sensitive key's value masked, recursively."""
    if isinstance(value, dict):
        return {k: (MASK if str(k).lower() in SENSITIVE else mask(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(v) for v in value]
    return value


def mask_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Query or form pairs as a dict (repeated names become lists), masked."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        shown = MASK if name.lower() in SENSITIVE else value
        if name in out:
            prev = out[name]
            out[name] = (prev if isinstance(prev, list) else [prev]) + [shown]
        else:
            out[name] = shown
    return out


class EventLog:
    def __init__(self, clock: Callable[[], float], capacity: int = 5000) -> None:
        self._now = clock
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def append(self, kind: str, **fields: Any) -> None:
        entry = {"kind": kind, **mask(fields)}
        with self._lock:
            entry = {"seq": next(self._seq), "time": round(self._now(), 3), **entry}
            self._entries.append(entry)

    def request(self, **fields: Any) -> None:
        self.append("http", **fields)

    def event(self, name: str, **fields: Any) -> None:
        self.append("event", event=name, **fields)

    def entries(self, since: int = 0, event: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = [e for e in self._entries if e["seq"] > since]
        if event is not None:
            items = [e for e in items if e.get("event") == event]
        return items

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
