"""Time as the apply lock sees it, behind one small seam so tests can drive it instead of sleeping.

(The mock PSC has its own clock, mockpsc/clock.py: the tool and the mock share no code.)
"""
from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock seconds since the epoch: lock expiries are compared across machines."""

    def monotonic(self) -> float:
        """Seconds that never go back: how long we have been waiting."""

    def sleep(self, seconds: float) -> None:
        """Wait (a fake clock just moves on)."""


class SystemClock:
    """The real time of this machine."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
