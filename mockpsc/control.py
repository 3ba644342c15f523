"""Who may use the ``/__mock`` control API (auth origin), checked before any handler runs.

A web page can send a cross-origin POST with a ``text/plain``, form or multipart body
without a CORS preflight, and read nothing back: enough to register a client, arm a
fault or add an identity on a mock that a browser can reach. So:

1. Cross-origin requests are refused (403): an ``Origin`` header that is not the mock's
   own auth (or mTLS) origin, or ``Sec-Fetch-Site`` saying another origin sent it.
   No CORS header is ever granted, so a preflight always fails.
2. When the mock has a control token (always when it serves public origins), every
   request must carry ``Authorization: Bearer <token>`` (401).
3. Every write (POST, PUT, PATCH, DELETE) must say ``Content-Type: application/json``,
   also with an empty body (``keys/rotate``, ``ecps/…/unlock``, ``DELETE faults``): a
   page cannot send that type cross-origin without a preflight (415 otherwise).
"""
from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse

CONTROL_PREFIX = "/__mock"
TOKEN_ENV = "SMUR_IAM_MOCK_CONTROL_TOKEN"  # docker-compose.yml gives it to the mock and the provisioning job
MIN_TOKEN_LENGTH = 16
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values a browser sends for a request this origin made itself or a user typed.
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def checked_token(token: str) -> str:
    """``token`` if usable as a bearer token, else ValueError saying why (never echoing it)."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"the control token must be at least {MIN_TOKEN_LENGTH} characters long")
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError("the control token must be printable ASCII without spaces")
    return token


def normal_origin(origin: str) -> str:
    """``scheme://host[:port]`` lower-cased, default port dropped (as browsers serialise ``Origin``)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    suffix = f":{port}" if port is not None and port != DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme.lower()}://{host.lower()}{suffix}"


def _refusal(status: int, error: str, description: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def refusal(method: str, headers: dict[str, str], state: Any) -> JSONResponse | None:
    """The answer refusing this control request, or None to let it through.
    ``headers``: lower-cased names; ``state``: the MockState (origins, token)."""
    own = {normal_origin(o) for o in (state.auth_origin, state.mtls_origin) if o}
    origin = headers.get("origin")
    if origin is not None and normal_origin(origin) not in own:
        return _refusal(403, "cross_origin_refused",
                        f"the control API only answers its own origin, not {origin[:100]!r}")
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in SAME_ORIGIN_FETCH:
        return _refusal(403, "cross_origin_refused",
                        f"the control API refuses requests sent by another origin (Sec-Fetch-Site: {fetch_site[:30]})")
    if state.control_token:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        # compare_digest: no timing hint about how much of a guess was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), state.control_token.encode()):
            return _refusal(401, "invalid_token",
                            f"the control API needs 'Authorization: Bearer <token>': the token the mock printed "
                            f"at start, or {TOKEN_ENV}",
                            {"WWW-Authenticate": 'Bearer realm="mockpsc-control"'})
    if method in WRITE_METHODS:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _refusal(415, "unsupported_media_type",
                            f"{method} on the control API needs 'Content-Type: application/json' "
                            f"(also with an empty body), got {content_type[:60] or 'none'!r}")
    return None


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class ControlGuard:
    """ASGI middleware of the auth application: ``refusal`` for every ``/__mock`` request."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and is_control_path(scope["path"]):
            headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                       for name, value in scope.get("headers", [])}
            refused = refusal(scope["method"], headers, self.state)
            if refused is not None:
                self.state.log.event("control.refused", method=scope["method"], path=scope["path"],
                                     status=refused.status_code)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
