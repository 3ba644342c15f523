"""Where the mock's e-mails and SMS go: a mailbox and an SMS outbox that tests,
the demo and the mailbox pages read. Nothing ever leaves the process.

Activation e-mails carry a link and a QR code of that link (a real PNG, made
with segno) that the phone page can "scan".
"""
from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass
from typing import Any, Callable

import segno


def qr_png(text: str, scale: int = 6) -> bytes:
    """A PNG QR code of ``text`` (error correction M, 4-module quiet zone)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


@dataclass(frozen=True)
class Email:
    id: str
    to: str
    subject: str
    text: str
    sent_at: float
    link: str = ""  # the activation link, when there is one
    qr_png: bytes = b""

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "to": self.to, "subject": self.subject, "text": self.text,
                "sent_at": int(self.sent_at), "link": self.link, "has_qr_code": bool(self.qr_png)}


@dataclass(frozen=True)
class Sms:
    id: str
    to: str
    text: str
    sent_at: float
    code: str = ""

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "to": self.to, "text": self.text, "sent_at": int(self.sent_at), "code": self.code}


class Outbox:
    """Messages by id, newest last; ``to`` filters by recipient."""

    def __init__(self, prefix: str, now: Callable[[], float], on_event: Callable[..., None]) -> None:
        self._prefix = prefix
        self._now = now
        self._event = on_event
        self._messages: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _next_id(self) -> str:
        return f"{self._prefix}{next(self._ids)}"

    def _store(self, message: Any) -> Any:
        with self._lock:
            self._messages[message.id] = message
        self._event(f"{self._prefix.rstrip('-')}.sent", message_id=message.id, to=message.to)
        return message

    def get(self, message_id: str) -> Any:
        with self._lock:
            return self._messages.get(message_id)

    def messages(self, to: str | None = None) -> list[Any]:
        with self._lock:
            return [m for m in self._messages.values() if to is None or m.to == to]


class Mailbox(Outbox):
    def __init__(self, now: Callable[[], float], on_event: Callable[..., None]) -> None:
        super().__init__("mail-", now, on_event)

    def send(self, to: str, subject: str, text: str, link: str = "") -> Email:
        return self._store(Email(self._next_id(), to, subject, text, self._now(), link,
                                 qr_png(link) if link else b""))


class SmsOutbox(Outbox):
    def __init__(self, now: Callable[[], float], on_event: Callable[..., None]) -> None:
        super().__init__("sms-", now, on_event)

    def send(self, to: str, text: str, code: str = "") -> Sms:
        return self._store(Sms(self._next_id(), to, text, self._now(), code))
