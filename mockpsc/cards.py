"""Live state of each professional's CPS card as the wallet page's simulated card
reader sees it: its PIN, consecutive wrong PINs, and the block.

Like a real CPS, a card is blocked after ``card_pin_attempts`` (3) wrong PINs in a
row; a right PIN before that resets the count. A blocked card stays blocked until
``MockPSC.unblock_card`` (at ANS: the card's unblocking code, or a new card) or until
the identity is given a card again.
"""
from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from typing import Any, Callable

from mockpsc.identities import Identity


@dataclass
class CardState:
    national_id: str
    pin: str
    failures: int = 0
    blocked: bool = False

    def view(self) -> dict[str, Any]:
        return {"national_id": self.national_id, "failed_pin_attempts": self.failures, "blocked": self.blocked}


@dataclass(frozen=True)
class CardPinCheck:
    ok: bool
    attempts_left: int
    blocked: bool


class CardBook:
    def __init__(self, pin_attempts: Callable[[], int], on_event: Callable[..., None]) -> None:
        self._pin_attempts = pin_attempts
        self._event = on_event
        self._cards: dict[str, CardState] = {}
        self._lock = threading.Lock()

    def seed(self, identity: Identity) -> None:
        """The identity's card as the file says: a fresh card (not blocked), or none."""
        with self._lock:
            if identity.cps is None:
                self._cards.pop(identity.national_id, None)
            else:
                self._cards[identity.national_id] = CardState(identity.national_id, identity.cps.pin)

    def get(self, national_id: str) -> CardState | None:
        with self._lock:
            return self._cards.get(national_id)

    def unblock(self, national_id: str) -> CardState | None:
        with self._lock:
            card = self._cards.get(national_id)
            if card is not None:
                card.failures, card.blocked = 0, False
        if card is not None:
            self._event("card.unblocked", national_id=national_id)
        return card

    def check_pin(self, national_id: str, pin: str) -> CardPinCheck:
        """Count consecutive wrong PINs; block at the limit; a right PIN resets the count."""
        limit = self._pin_attempts()
        with self._lock:
            card = self._cards.get(national_id)
            if card is None or card.blocked:
                return CardPinCheck(ok=False, attempts_left=0, blocked=True)
            if hmac.compare_digest(card.pin.encode(), pin.encode()):
                card.failures = 0
                return CardPinCheck(ok=True, attempts_left=limit, blocked=False)
            card.failures += 1
            left = max(limit - card.failures, 0)
            card.blocked = left == 0
        self._event("card.wrong_pin", national_id=national_id, attempts_left=left)
        if left == 0:
            self._event("card.blocked", national_id=national_id)
        return CardPinCheck(ok=False, attempts_left=left, blocked=left == 0)
