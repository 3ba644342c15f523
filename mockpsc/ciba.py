"""Client-Initiated Backchannel Authentication, poll mode, as PSC offers it:
the client names the professional (``login_hint`` = national id), shows a
two-digit ``binding_message``, and polls the token endpoint while the phone
(or the card reader, ``channel=CARD``) answers the push.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Callable

from mockpsc.pushes import APPROVED, CANCELLED, EXPIRED, PENDING, REFUSED, PushBook

# Poll outcomes (the token endpoint turns them into OAuth answers).
AUTHORIZATION_PENDING, SLOW_DOWN, ACCESS_DENIED, EXPIRED_TOKEN, GRANTED, INVALID = (
    "authorization_pending", "slow_down", "access_denied", "expired_token", "granted", "invalid_grant")


@dataclass
class CibaRequest:
    auth_req_id: str
    client_id: str
    national_id: str
    scope: str
    channel: str
    push_id: str
    created_at: float
    expires_at: float
    interval: int
    last_poll: float | None = None
    done: bool = False


class CibaBook:
    def __init__(self, pushes: PushBook, now: Callable[[], float], on_event: Callable[..., None]) -> None:
        self._pushes = pushes
        self._now = now
        self._event = on_event
        self._requests: dict[str, CibaRequest] = {}
        self._lock = threading.Lock()

    def create(self, client_id: str, national_id: str, scope: str, binding_message: str, channel: str,
               lifetime: int, interval: int) -> CibaRequest:
        auth_req_id = secrets.token_urlsafe(32)
        push = self._pushes.create(auth_req_id, national_id, client_id, channel=channel, number=binding_message,
                                   lifetime=lifetime)
        now = self._now()
        request = CibaRequest(auth_req_id, client_id, national_id, scope, channel, push.id, now, now + lifetime,
                              interval)
        with self._lock:
            self._requests[auth_req_id] = request
        self._event("ciba.requested", client_id=client_id, national_id=national_id, channel=channel,
                    push_id=push.id)
        return request

    def poll(self, auth_req_id: str, client_id: str) -> tuple[str, CibaRequest | None]:
        """What the client's poll gets; GRANTED exactly once."""
        now = self._now()
        with self._lock:
            request = self._requests.get(auth_req_id)
            if request is None or request.client_id != client_id or request.done:
                return INVALID, None
            too_fast = request.last_poll is not None and now - request.last_poll < request.interval
            request.last_poll = now
            push = self._pushes.get(request.push_id)
            status = push.status if push else EXPIRED
            if status == APPROVED:
                request.done = True
                outcome = GRANTED
            elif status in (REFUSED, CANCELLED):
                request.done = True
                outcome = ACCESS_DENIED
            elif status == EXPIRED or now >= request.expires_at:
                request.done = True
                outcome = EXPIRED_TOKEN
            elif too_fast:
                request.interval += 5  # CIBA core §11: slow_down adds 5 s to the interval
                outcome = SLOW_DOWN
            else:
                assert status == PENDING
                outcome = AUTHORIZATION_PENDING
        if outcome != AUTHORIZATION_PENDING:
            self._event("ciba.polled", client_id=client_id, outcome=outcome)
        return outcome, request
