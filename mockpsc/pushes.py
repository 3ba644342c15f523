"""Push notifications to an e-CPS phone, with number matching.

The wallet page shows ``number``; the phone shows ``choices`` (the number and
two decoys, shuffled) and must send back the PIN and the number picked. Any
wrong answer refuses the push, as the real app ends the attempt.
"""
from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from mockpsc.identities import IdentityStore

PENDING, APPROVED, REFUSED, EXPIRED, CANCELLED = "pending", "approved", "refused", "expired", "cancelled"
_random = secrets.SystemRandom()


@dataclass
class Push:
    id: str
    request_id: str  # the authorization request (wallet page) that asked for it
    national_id: str
    client_id: str
    number: str  # two digits, "00"-"99"
    choices: tuple[str, str, str]
    created_at: float
    expires_at: float
    status: str = PENDING
    reason: str = ""  # why it was refused: invalid_pin, wrong_number, denied, ecps_locked

    def phone_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "created_at": int(self.created_at),
            "expires_at": int(self.expires_at),
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Answer:
    """Outcome of a phone's answer; ``error`` is None when approved."""

    error: str | None = None
    attempts_left: int | None = None
    locked: bool = False
    status: str = ""


def draw_numbers() -> tuple[str, tuple[str, str, str]]:
    number = secrets.randbelow(100)
    decoys = _random.sample([n for n in range(100) if n != number], 2)
    choices = [number, *decoys]
    _random.shuffle(choices)
    return f"{number:02d}", tuple(f"{n:02d}" for n in choices)  # type: ignore[return-value]


def _as_number(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 99:
        return f"{value:02d}"
    if isinstance(value, str) and len(value) == 2 and value.isdigit():
        return value
    return None


class PushBook:
    def __init__(
        self,
        identities: IdentityStore,
        now: Callable[[], float],
        lifetime: int,
        on_event: Callable[..., None],
    ) -> None:
        self._identities = identities
        self._now = now
        self._lifetime = lifetime
        self._event = on_event
        self._pushes: dict[str, Push] = {}
        self._lock = threading.RLock()

    def _refresh(self, push: Push) -> Push:
        # Expiry is decided lazily against the injectable clock.
        if push.status == PENDING and self._now() >= push.expires_at:
            push.status = EXPIRED
            self._event("push.expired", push_id=push.id, national_id=push.national_id)
        return push

    def create(self, request_id: str, national_id: str, client_id: str) -> Push:
        with self._lock:
            # A new attempt from the same page supersedes the previous one.
            for old in self._pushes.values():
                if old.request_id == request_id and self._refresh(old).status == PENDING:
                    old.status = CANCELLED
            number, choices = draw_numbers()
            now = self._now()
            push = Push(
                id=str(uuid.uuid4()),
                request_id=request_id,
                national_id=national_id,
                client_id=client_id,
                number=number,
                choices=choices,
                created_at=now,
                expires_at=now + self._lifetime,
            )
            self._pushes[push.id] = push
        self._event("push.created", push_id=push.id, national_id=national_id, client_id=client_id)
        return push

    def get(self, push_id: str | None) -> Push | None:
        with self._lock:
            push = self._pushes.get(push_id or "")
            return self._refresh(push) if push else None

    def pending(self, national_id: str) -> list[Push]:
        with self._lock:
            return [
                p
                for p in self._pushes.values()
                if p.national_id == national_id and self._refresh(p).status == PENDING
            ]

    def _refuse(self, push: Push, reason: str) -> None:
        push.status, push.reason = REFUSED, reason
        self._event("push.refused", push_id=push.id, national_id=push.national_id, reason=reason)

    def _answerable(self, push: Push | None) -> Answer | None:
        if push is None:
            return Answer(error="not_found")
        if push.status == EXPIRED:
            return Answer(error="expired", status=push.status)
        if push.status != PENDING:
            return Answer(error="not_pending", status=push.status)
        return None

    def approve(self, push_id: str, pin: Any, number: Any) -> Answer:
        with self._lock:
            push = self.get(push_id)
            problem = self._answerable(push)
            if problem:
                return problem
            assert push is not None
            if self._identities.is_locked(push.national_id):
                self._refuse(push, "ecps_locked")
                return Answer(error="ecps_locked", attempts_left=0, locked=True)
            check = self._identities.check_pin(push.national_id, pin)
            if not check.ok:
                self._refuse(push, "invalid_pin")
                if check.locked:
                    self._event("ecps.locked", national_id=push.national_id)
                return Answer(error="invalid_pin", attempts_left=check.attempts_left, locked=check.locked)
            if _as_number(number) != push.number:
                self._refuse(push, "wrong_number")
                return Answer(error="wrong_number")
            push.status = APPROVED
        self._event("push.approved", push_id=push.id, national_id=push.national_id)
        return Answer(status=APPROVED)

    def deny(self, push_id: str) -> Answer:
        with self._lock:
            push = self.get(push_id)
            problem = self._answerable(push)
            if problem:
                return problem
            assert push is not None
            self._refuse(push, "denied")
        return Answer(status=REFUSED)
