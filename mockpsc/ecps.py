"""Live state of each professional's e-CPS: which phone it is bound to, its PIN,
failed PIN attempts and the lock.

An e-CPS is active on one phone only (seed note 3): activating on another phone
moves it there. Three wrong PINs lock it until it is activated again.
"""
from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from typing import Any, Callable

from mockpsc.identities import Identity


@dataclass
class EcpsCard:
    national_id: str
    pin: str
    device_id: str
    activated_at: float
    failures: int = 0
    locked: bool = False

    def view(self) -> dict[str, Any]:
        return {"national_id": self.national_id, "device_id": self.device_id, "activated_at": int(self.activated_at),
                "failed_pin_attempts": self.failures, "locked": self.locked}


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    attempts_left: int
    locked: bool


class EcpsBook:
    def __init__(self, now: Callable[[], float], pin_attempts: Callable[[], int], on_event: Callable[..., None]) -> None:
        self._now = now
        self._pin_attempts = pin_attempts
        self._event = on_event
        self._cards: dict[str, EcpsCard] = {}
        self._lock = threading.Lock()

    def seed(self, identity: Identity) -> None:
        """Take the identity file's e-CPS as it is: activated, or none (a re-added identity starts afresh)."""
        with self._lock:
            if identity.ecps is None:
                self._cards.pop(identity.national_id, None)
            else:
                self._cards[identity.national_id] = EcpsCard(
                    identity.national_id, identity.ecps.pin, identity.ecps.device, self._now())

    def get(self, national_id: str) -> EcpsCard | None:
        with self._lock:
            return self._cards.get(national_id)

    def activate(self, national_id: str, device_id: str, pin: str) -> str | None:
        """Bind the e-CPS to ``device_id`` with ``pin``; return the phone it left, if any."""
        with self._lock:
            previous = self._cards.get(national_id)
            self._cards[national_id] = EcpsCard(national_id, pin, device_id, self._now())
        moved_from = previous.device_id if previous and previous.device_id != device_id else None
        self._event("ecps.activated", national_id=national_id, device_id=device_id, moved_from=moved_from)
        return moved_from

    def is_locked(self, national_id: str) -> bool:
        card = self.get(national_id)
        return bool(card and card.locked)

    def unlock(self, national_id: str) -> None:
        with self._lock:
            card = self._cards.get(national_id)
            if card:
                card.failures, card.locked = 0, False

    def on_device(self, device_id: str) -> list[str]:
        """National ids whose e-CPS lives on this phone."""
        with self._lock:
            return [c.national_id for c in self._cards.values() if c.device_id == device_id]

    def check_pin(self, national_id: str, pin: Any) -> PinCheck:
        """Count consecutive failures; lock at the limit; a good PIN resets the count."""
        limit = self._pin_attempts()
        with self._lock:
            card = self._cards.get(national_id)
            if card is None or card.locked:
                return PinCheck(ok=False, attempts_left=0, locked=True)
            if isinstance(pin, str) and hmac.compare_digest(card.pin.encode(), pin.encode()):
                card.failures = 0
                return PinCheck(ok=True, attempts_left=limit, locked=False)
            card.failures += 1
            left = max(limit - card.failures, 0)
            card.locked = left == 0
        if card.locked:
            self._event("ecps.locked", national_id=national_id)
        return PinCheck(ok=False, attempts_left=left, locked=left == 0)
