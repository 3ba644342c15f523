"""JWKS: the public keys tokens are signed with (never the impostor key)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.httputil import state_of


async def certs(request: Request) -> JSONResponse:
    return JSONResponse(state_of(request).keys.jwks())
