"""The two ASGI applications: the wallet origin (pages a browser and a phone
see) and the auth origin (the OIDC back end and the /__mock control API)."""
from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockpsc.endpoints import admin, authorize, certs, discovery, logout, phone, token, userinfo, wallet_login
from mockpsc.httputil import RequestLog
from mockpsc.settings import OIDC_PATH, REALM_PATH
from mockpsc.state import MockState

logger = logging.getLogger("mockpsc")


def _handlers(state: MockState) -> dict:
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return JSONResponse({"error": "not_found" if exc.status_code == 404 else "invalid_request",
                             "error_description": exc.detail}, status_code=exc.status_code)

    async def crash(request: Request, exc: Exception) -> Response:
        # A bug in the mock must show up as such, in the log and to the caller.
        logger.exception("mock PSC failed on %s %s", request.method, request.url.path)
        state.log.event("server.error", path=request.url.path, error=exc.__class__.__name__)
        return JSONResponse({"error": "server_error", "error_description": "mock PSC bug"}, status_code=500)

    return {HTTPException: http_error, Exception: crash}


def _app(state: MockState, routes: list[Route], origin: str) -> RequestLog:
    app = Starlette(routes=routes, exception_handlers=_handlers(state))
    app.state.psc = state
    return RequestLog(app, state.log, origin)


def wallet_app(state: MockState) -> RequestLog:
    return _app(
        state,
        [
            Route("/auth", authorize.authorize, methods=["GET"]),
            Route("/auth/identify", wallet_login.identify, methods=["POST"]),
            Route("/auth/continue", wallet_login.resume, methods=["GET"]),
            Route("/phone/api/pushes", phone.list_pushes, methods=["GET"]),
            Route("/phone/api/pushes/{push_id}/approve", phone.approve, methods=["POST"]),
            Route("/phone/api/pushes/{push_id}/deny", phone.deny, methods=["POST"]),
        ],
        "wallet",
    )


def auth_app(state: MockState) -> RequestLog:
    return _app(
        state,
        [
            Route(f"{REALM_PATH}/.well-known/wallet-openid-configuration", discovery.discovery, methods=["GET"]),
            Route(f"{REALM_PATH}/.well-known/openid-configuration", discovery.discovery, methods=["GET"]),
            Route(f"{OIDC_PATH}/certs", certs.certs, methods=["GET"]),
            Route(f"{OIDC_PATH}/token", token.token, methods=["POST"]),
            Route(f"{OIDC_PATH}/userinfo", userinfo.userinfo, methods=["GET", "POST"]),
            Route(f"{OIDC_PATH}/logout", logout.logout, methods=["GET", "POST"]),
            Route("/__mock/clients", admin.clients, methods=["GET", "POST"]),
            Route("/__mock/identities", admin.identities, methods=["GET", "POST"]),
            Route("/__mock/faults", admin.faults, methods=["GET", "POST", "DELETE"]),
            Route("/__mock/log", admin.log, methods=["GET"]),
        ],
        "auth",
    )
