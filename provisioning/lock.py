"""One `apply` at a time per realm, even from different machines: a lock held in Keycloak itself.

The lock is a realm role named `smur-iam-apply-lock`. Creating a role whose name
exists fails (HTTP 409), so taking the lock is atomic on the server. The role
says who holds it and until when; the holder renews it during long runs and
deletes it at the end. A lock past its expiry, or left by a process of this
machine that no longer runs (an apply killed with SIGKILL), is taken over; it
is deleted by id, so two runs taking over the same stale lock cannot both win.
"""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .clock import SYSTEM_CLOCK, Clock
from .config.model import APPLY_LOCK_ROLE
from .keycloak_api import KeycloakAdmin, KeycloakError
from .ownership import who_am_i
from .resources.realm_roles import URLS

LOCK_ROLE = APPLY_LOCK_ROLE
DEFAULT_TTL = 300.0  # seconds; renewed while the apply runs
DEFAULT_TIMEOUT = 60.0  # how long `apply` waits for another apply to finish


class LockBusy(Exception):
    """Another apply holds the realm."""


class LockLost(Exception):
    """Our lock was taken over (we stalled past its expiry): stop writing."""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


@dataclass
class LockHolder:
    role_id: str
    holder: str
    host: str
    pid: int
    run: str
    expires: float

    @classmethod
    def from_role(cls, role: dict) -> LockHolder:
        attributes = role.get("attributes") or {}

        def one(name, default=""):
            return (attributes.get(name) or [default])[0]
        try:
            pid, expires = int(one("pid", "0")), float(one("expires", "0"))
        except ValueError:
            pid, expires = 0, 0.0  # unreadable: treated as expired
        return cls(role["id"], one("holder", "?"), one("host"), pid, one("run"), expires)

    def stale(self, now: float) -> str | None:
        """Why this lock may be taken over, or None while it is live."""
        if now >= self.expires:
            return f"expired at {_iso(self.expires)}"
        if self.host == socket.gethostname() and self.pid and not _running(self.pid):
            return f"process {self.pid} on this machine is gone"
        return None

    def describe(self) -> str:
        return f"{self.holder} (pid {self.pid}) until {_iso(self.expires)}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(api: KeycloakAdmin, realm: str) -> LockHolder | None:
    role = api.realm(realm).get(URLS["item"], name=LOCK_ROLE, allow_404=True, obj="apply lock")
    return LockHolder.from_role(role) if role else None


class RealmLock:
    def __init__(self, api: KeycloakAdmin, realm: str, ttl: float = DEFAULT_TTL, clock: Clock = SYSTEM_CLOCK):
        self.api, self.realm, self.ttl = api, realm, ttl
        self.clock = clock  # expiries, waiting and polling all read it: tests drive a fake one
        self.realm_api = api.realm(realm)
        self.run = uuid.uuid4().hex
        self.role_id: str | None = None
        self.expires = 0.0
        self.notes: list[str] = []  # what happened on the way (stale lock taken over), for the summary

    def role_rep(self) -> dict:
        """The lock role as created (alone, or inside a new realm's representation)."""
        self.expires = self.clock.now() + self.ttl
        holder = who_am_i()
        return {
            "name": LOCK_ROLE,
            "description": f"smur-iam apply in progress by {holder} (pid {os.getpid()}) until "
                           f"{_iso(self.expires)}; deleted when the apply ends. Do not assign.",
            "attributes": {"holder": [holder], "host": [socket.gethostname()], "pid": [str(os.getpid())],
                           "run": [self.run], "expires": [repr(self.expires)]},
        }

    def acquire(self, timeout: float = DEFAULT_TIMEOUT, on_wait: Callable[[LockHolder], None] | None = None,
                poll: float = 1.0) -> RealmLock:
        deadline = self.clock.monotonic() + timeout
        waited = False
        while True:
            try:
                self.realm_api.post(URLS["collection"], self.role_rep(), obj="apply lock")
                return self.bind()
            except KeycloakError as exc:
                if exc.status != 409:
                    raise
            holder = read_lock(self.api, self.realm)
            if holder is None:
                continue  # released between our attempt and our read: try again at once
            why = holder.stale(self.clock.now())
            if why:
                self.realm_api.delete(URLS["by_id"], id=holder.role_id, allow_404=True, obj="stale apply lock")
                self.notes.append(f"took over the apply lock of {holder.holder} ({why})")
                continue
            if self.clock.monotonic() >= deadline:
                waited_text = f" after waiting {timeout:.0f}s" if waited else ""
                raise LockBusy(f"realm '{self.realm}' is being changed by another apply: {holder.describe()}"
                               f"{waited_text}. Nothing was written to it; re-run when that apply has finished "
                               f"(or raise --lock-timeout).")
            if on_wait and not waited:
                on_wait(holder)
            waited = True
            self.clock.sleep(poll)

    def bind(self) -> RealmLock:
        """Learn the id of the lock we just created, and check it is ours."""
        holder = read_lock(self.api, self.realm)
        if holder is None or holder.run != self.run:
            raise LockLost(f"realm '{self.realm}': the apply lock was taken by someone else right after we "
                           "created it; nothing was written")
        self.role_id = holder.role_id
        return self

    def renew_if_due(self) -> None:
        """Push the expiry back when half of it has passed (a long apply keeps its lock)."""
        if self.role_id is None or self.clock.now() < self.expires - self.ttl / 2:
            return
        rep = self.role_rep()
        try:
            self.realm_api.put(URLS["by_id"], {**rep, "id": self.role_id}, id=self.role_id, obj="apply lock")
        except KeycloakError as exc:
            if exc.status == 404:
                raise LockLost(f"realm '{self.realm}': our apply lock was taken over (this run stalled past its "
                               "expiry); stopped before writing more. Re-run apply.") from None
            raise

    def release(self) -> None:
        if self.role_id is not None:
            self.realm_api.delete(URLS["by_id"], id=self.role_id, allow_404=True, obj="apply lock")
            self.role_id = None
