"""Server-side records of a login: the authorization request behind a wallet
page, the PSC session it opens, its one-time code and the tokens issued.

A session lives at most ``session_max_lifetime`` and dies after
``session_idle_timeout`` without use (PSC: 4 h / 30 min); the wallet's SSO
cookie and refresh tokens only work while it lives. Everything is in memory
and keyed by unguessable random ids.
"""
from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class AuthRequest:
    """One visit of the authorize page; lives until it yields a code."""

    id: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    login_hint: str
    created_at: float
    expires_at: float
    push_id: str | None = None
    done: bool = False
    response_mode: str = "query"
    acr_values: str = ""  # what the client asked for (logged; the acr returned is what the login achieved)


@dataclass
class LoginSession:
    sid: str
    national_id: str
    client_id: str
    auth_time: int
    auth_mode: str = "MOBILE"
    last_seen: float = 0.0
    acr: str = "eidas1"  # what this authentication achieved (mockpsc/acr.py)
    ended_at: float | None = None

    @property
    def active(self) -> bool:
        """Not logged out (lifetimes are checked by ``SessionBook.live``)."""
        return self.ended_at is None


@dataclass
class AuthCode:
    value: str = field(repr=False)
    client_id: str = ""
    redirect_uri: str = ""
    sid: str = ""
    national_id: str = ""
    scope: str = ""
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    auth_time: int = 0
    expires_at: float = 0.0
    used: bool = False
    auth_mode: str = "MOBILE"
    acr: str = "eidas1"


@dataclass
class IssuedToken:
    """What the mock remembers of an access or refresh token (never the token itself)."""

    kind: str  # "access" | "refresh"
    client_id: str
    sid: str
    national_id: str
    scope: str
    expires_at: float
    issued_at: float = 0.0
    nonce: str | None = None  # kept so a refreshed ID token carries the login's nonce
    auth_mode: str = "MOBILE"
    acr: str = "eidas1"  # of the login, carried by refreshed tokens too
    cnf: dict[str, Any] | None = None  # RFC 8705 certificate binding of an access token
    userinfo_faults: tuple = ()  # faults of the login that also spoil its userinfo
    revoked: bool = False


class SessionBook:
    def __init__(self, now: Callable[[], float], max_lifetime: Callable[[], int] = lambda: 14400,
                 idle_timeout: Callable[[], int] = lambda: 1800) -> None:
        self._now = now
        self._max_lifetime = max_lifetime
        self._idle_timeout = idle_timeout
        self._requests: dict[str, AuthRequest] = {}
        self._sessions: dict[str, LoginSession] = {}
        self._codes: dict[str, AuthCode] = {}
        self._tokens: dict[str, IssuedToken] = {}  # by jti (access) or value (refresh)
        self._lock = threading.RLock()

    # -- authorization requests -------------------------------------------------
    def add_request(self, request: AuthRequest) -> None:
        with self._lock:
            self._prune()
            self._requests[request.id] = request

    def get_request(self, request_id: str | None) -> AuthRequest | None:
        with self._lock:
            request = self._requests.get(request_id or "")
            if request is None or request.expires_at <= self._now():
                return None
            return request

    # -- sessions ---------------------------------------------------------------
    def open_session(self, national_id: str, client_id: str, auth_mode: str, acr: str) -> LoginSession:
        now = self._now()
        session = LoginSession(str(uuid.uuid4()), national_id, client_id, int(now), auth_mode, now, acr=acr)
        with self._lock:
            self._sessions[session.sid] = session
        return session

    def get_session(self, sid: str | None) -> LoginSession | None:
        with self._lock:
            return self._sessions.get(sid or "")

    def live(self, sid: str | None, touch: bool = False) -> LoginSession | None:
        """The session if not logged out, not older than the max lifetime and not idle
        too long; ``touch`` counts this as activity."""
        now = self._now()
        with self._lock:
            session = self._sessions.get(sid or "")
            if session is None or not session.active:
                return None
            if now >= session.auth_time + self._max_lifetime() or now >= session.last_seen + self._idle_timeout():
                return None
            if touch:
                session.last_seen = now
            return session

    def end_session(self, sid: str) -> bool:
        """True when a live session was ended now."""
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or not session.active:
                return False
            session.ended_at = self._now()
            return True

    # -- codes --------------------------------------------------------------------
    def add_code(self, code: AuthCode) -> None:
        with self._lock:
            self._codes[code.value] = code

    def take_code(self, value: str) -> tuple[AuthCode | None, bool]:
        """The code and whether it had already been used; any presentation burns it."""
        with self._lock:
            code = self._codes.get(value)
            if code is None:
                return None, False
            was_used = code.used
            code.used = True
            return code, was_used

    # -- tokens -------------------------------------------------------------------
    def remember_token(self, key: str, token: IssuedToken) -> None:
        with self._lock:
            self._tokens[key] = token

    def token(self, key: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(key)

    def revoke(self, key: str) -> IssuedToken | None:
        with self._lock:
            token = self._tokens.get(key)
            if token is not None:
                token.revoked = True
            return token

    def _prune(self) -> None:
        # Keep a long-running mock small: forget records expired 10 minutes ago.
        horizon = self._now() - 600
        for book in (self._requests, self._codes, self._tokens):
            for key in [k for k, v in book.items() if v.expires_at < horizon]:
                del book[key]


def new_code_value() -> str:
    return secrets.token_urlsafe(32)


def new_request_id() -> str:
    return secrets.token_urlsafe(24)
