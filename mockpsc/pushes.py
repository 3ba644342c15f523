"""Authentication requests sent to an e-CPS phone, with number matching.

The requesting page (or the CIBA client) shows ``number``; the phone shows
``choices`` (the number and two decoys, shuffled). On the phone the user
accepts, enters the PIN, then picks a number (seed; DSIH 2022: three values).
Any wrong answer refuses the request, as the real app ends the attempt.

A push goes to the phone the e-CPS is bound to when it is sent; answering
from another phone is refused. ``approve`` does the three steps in one call
(the headless shortcut tests use).
"""
from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from mockpsc.ecps import EcpsBook

PENDING, APPROVED, REFUSED, EXPIRED, CANCELLED = "pending", "approved", "refused", "expired", "cancelled"
# Steps of a pending push on the phone.
NOTIFIED, ACCEPTED, PIN_OK = "notified", "accepted", "pin_ok"
_random = secrets.SystemRandom()


@dataclass
class Push:
    id: str
    request_id: str  # the authorization request (wallet page) or CIBA request that asked for it
    national_id: str
    client_id: str
    number: str  # two digits, "00"-"99"
    choices: tuple[str, str, str]
    created_at: float
    expires_at: float
    device_id: str = ""
    channel: str = "MOBILE"  # CIBA's channel: MOBILE (e-CPS) or CARD
    status: str = PENDING
    step: str = NOTIFIED
    reason: str = ""  # why it was refused: invalid_pin, wrong_number, denied, ecps_locked

    def phone_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "national_id": self.national_id,
            "created_at": int(self.created_at),
            "expires_at": int(self.expires_at),
            "choices": list(self.choices),
            "channel": self.channel,
            "step": self.step,
        }


@dataclass(frozen=True)
class Answer:
    """Outcome of a phone's answer; ``error`` is None when accepted."""

    error: str | None = None
    attempts_left: int | None = None
    locked: bool = False
    status: str = ""
    step: str = ""


def draw_numbers(number: str | None = None) -> tuple[str, tuple[str, str, str]]:
    """The number to match (drawn unless given, e.g. a CIBA binding_message) and three shuffled choices."""
    value = secrets.randbelow(100) if number is None else int(number)
    decoys = _random.sample([n for n in range(100) if n != value], 2)
    choices = [value, *decoys]
    _random.shuffle(choices)
    return f"{value:02d}", tuple(f"{n:02d}" for n in choices)  # type: ignore[return-value]


def as_number(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 99:
        return f"{value:02d}"
    if isinstance(value, str) and len(value) == 2 and value.isdigit():
        return value
    return None


class PushBook:
    def __init__(self, ecps: EcpsBook, now: Callable[[], float], lifetime: Callable[[], int],
                 on_event: Callable[..., None]) -> None:
        self._ecps = ecps
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

    def create(self, request_id: str, national_id: str, client_id: str, *, channel: str = "MOBILE",
               number: str | None = None, lifetime: int | None = None) -> Push:
        card = self._ecps.get(national_id)
        with self._lock:
            # A new attempt from the same page supersedes the previous one.
            for old in self._pushes.values():
                if old.request_id == request_id and self._refresh(old).status == PENDING:
                    old.status = CANCELLED
            shown, choices = draw_numbers(number)
            now = self._now()
            push = Push(
                id=str(uuid.uuid4()),
                request_id=request_id,
                national_id=national_id,
                client_id=client_id,
                number=shown,
                choices=choices,
                created_at=now,
                expires_at=now + (self._lifetime() if lifetime is None else lifetime),
                device_id=card.device_id if card else "",
                channel=channel,
            )
            self._pushes[push.id] = push
        self._event("push.created", push_id=push.id, national_id=national_id, client_id=client_id,
                    device_id=push.device_id, channel=channel)
        return push

    def get(self, push_id: str | None) -> Push | None:
        with self._lock:
            push = self._pushes.get(push_id or "")
            return self._refresh(push) if push else None

    def pending(self, national_id: str) -> list[Push]:
        with self._lock:
            return [p for p in self._pushes.values()
                    if p.national_id == national_id and self._refresh(p).status == PENDING]

    def pending_on_device(self, device_id: str) -> list[Push]:
        with self._lock:
            return [p for p in self._pushes.values()
                    if p.device_id == device_id and self._refresh(p).status == PENDING]

    def cancel_for(self, national_id: str, reason: str) -> None:
        """Cancel what is pending for this e-CPS (it moved to another phone)."""
        with self._lock:
            for push in self.pending(national_id):
                push.status, push.reason = CANCELLED, reason
                self._event("push.cancelled", push_id=push.id, national_id=national_id, reason=reason)

    def _refuse(self, push: Push, reason: str) -> None:
        push.status, push.reason = REFUSED, reason
        self._event("push.refused", push_id=push.id, national_id=push.national_id, reason=reason)

    def _answerable(self, push_id: str, device_id: str | None, step: str | None) -> tuple[Push | None, Answer | None]:
        push = self.get(push_id)
        if push is None:
            return None, Answer(error="not_found")
        if device_id is not None and device_id != push.device_id:
            return None, Answer(error="not_bound", status=push.status)
        if push.status == EXPIRED:
            return None, Answer(error="expired", status=push.status)
        if push.status != PENDING:
            return None, Answer(error="not_pending", status=push.status)
        if step is not None and push.step != step:
            return None, Answer(error="wrong_step", status=push.status, step=push.step)
        return push, None

    def accept(self, push_id: str, device_id: str | None = None) -> Answer:
        with self._lock:
            push, problem = self._answerable(push_id, device_id, NOTIFIED)
            if problem:
                return problem
            assert push is not None
            push.step = ACCEPTED
        self._event("push.accepted", push_id=push_id, national_id=push.national_id)
        return Answer(status=PENDING, step=ACCEPTED)

    def enter_pin(self, push_id: str, pin: Any, device_id: str | None = None) -> Answer:
        with self._lock:
            push, problem = self._answerable(push_id, device_id, ACCEPTED)
            if problem:
                return problem
            assert push is not None
            if self._ecps.is_locked(push.national_id):
                self._refuse(push, "ecps_locked")
                return Answer(error="ecps_locked", attempts_left=0, locked=True)
            check = self._ecps.check_pin(push.national_id, pin)
            if not check.ok:
                # The PIN that locks the e-CPS says so to the relying party too (error_description).
                self._refuse(push, "ecps_locked" if check.locked else "invalid_pin")
                return Answer(error="invalid_pin", attempts_left=check.attempts_left, locked=check.locked)
            push.step = PIN_OK
        return Answer(status=PENDING, step=PIN_OK)

    def choose_number(self, push_id: str, number: Any, device_id: str | None = None) -> Answer:
        with self._lock:
            push, problem = self._answerable(push_id, device_id, PIN_OK)
            if problem:
                return problem
            assert push is not None
            if as_number(number) != push.number:
                self._refuse(push, "wrong_number")
                return Answer(error="wrong_number")
            push.status = APPROVED
        self._event("push.approved", push_id=push.id, national_id=push.national_id)
        return Answer(status=APPROVED)

    def approve(self, push_id: str, pin: Any, number: Any, device_id: str | None = None) -> Answer:
        """Accept, PIN and number in one answer (the first failing step decides)."""
        with self._lock:
            for step in (lambda: self.accept(push_id, device_id),
                         lambda: self.enter_pin(push_id, pin, device_id),
                         lambda: self.choose_number(push_id, number, device_id)):
                answer = step()
                if answer.error:
                    return answer
            return answer

    def deny(self, push_id: str, device_id: str | None = None) -> Answer:
        with self._lock:
            push, problem = self._answerable(push_id, device_id, None)
            if problem:
                return problem
            assert push is not None
            self._refuse(push, "denied")
        return Answer(status=REFUSED)
