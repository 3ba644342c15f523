"""JWKS: the public keys tokens are signed with (active key, keys retired less
than a grace period ago, the encryption key; never the impostor or stranger)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.httputil import injected_http_fault, state_of


async def certs(request: Request) -> Response:
    state = state_of(request)
    injected = await injected_http_fault(state, "certs", None)
    if injected:
        return injected
    return JSONResponse(state.keys.jwks())
