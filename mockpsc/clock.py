"""Injectable clocks: every expiry in the mock reads time from one of these.

Tests move time forward with ``advance()`` instead of sleeping, so a 120 s push
expiry or a 120 s access token is checked in milliseconds.
"""
from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch, as the mock sees them."""

    def advance(self, seconds: float) -> None:
        """Move the mock's time forward (never backward)."""


class SystemClock:
    """Real time plus an offset: the default, so tokens carry plausible timestamps
    for a real Keycloak while tests can still jump ahead."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset


class FrozenClock:
    """Time that only moves when told to: for fully deterministic unit tests."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds
