"""The ASGI applications: the wallet origin (pages a browser and a phone see,
the phone API, the mailbox) and the auth origin (the OIDC back end and the
/__mock control API). The mTLS port serves the auth application too."""
from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockpsc.control import ControlGuard
from mockpsc.endpoints import (
    activation,
    activation_link,
    admin,
    admin_identities,
    admin_runtime,
    advertised,
    authorize,
    card_login,
    certs,
    ciba,
    discovery,
    introspect,
    logout,
    mailbox,
    phone,
    phone_page,
    revoke,
    token,
    userinfo,
    wallet_login,
)
from mockpsc.httputil import RequestLog
from mockpsc.endpoints.discovery import (
    CLIENT_REGISTRATION,
    DEVICE_AUTHORIZATION,
    LOGIN_STATUS_IFRAME,
    PUSHED_AUTHORIZATION_REQUEST,
)
from mockpsc.settings import OIDC_PATH, REALM_PATH
from mockpsc.state import MockState

logger = logging.getLogger("mockpsc")
DEVICE = "/phone/api/devices/{device_id}"


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


def _app(state: MockState, routes: list[Route], origin: str, middleware: list[Middleware] | None = None) -> RequestLog:
    app = Starlette(routes=routes, exception_handlers=_handlers(state), middleware=middleware)
    app.state.psc = state
    return RequestLog(app, state.log, origin)


def wallet_app(state: MockState) -> RequestLog:
    return _app(
        state,
        [
            Route("/auth", authorize.authorize, methods=["GET"]),
            Route("/auth/identify", wallet_login.identify, methods=["POST"]),
            Route("/auth/continue", wallet_login.resume, methods=["GET"]),
            Route("/auth/ecps", wallet_login.ecps_tab, methods=["GET"]),
            Route("/auth/card", card_login.card_tab, methods=["GET"]),
            Route("/auth/card", card_login.card_pin, methods=["POST"]),
            # The phone's JSON API (before the phone page's catch-all routes).
            Route("/phone/api/pushes", phone.list_pushes, methods=["GET"]),
            Route("/phone/api/pushes/{push_id}/approve", phone.approve, methods=["POST"]),
            Route("/phone/api/pushes/{push_id}/deny", phone.deny, methods=["POST"]),
            Route(DEVICE, phone.device, methods=["GET"]),
            Route(f"{DEVICE}/pushes", phone.device_pushes, methods=["GET"]),
            Route(f"{DEVICE}/pushes/{{push_id}}/{{action}}", phone.device_push_action, methods=["POST"]),
            Route(f"{DEVICE}/activations", activation.request_activation, methods=["POST"]),
            Route(f"{DEVICE}/activations/{{activation_id}}", activation.get_activation, methods=["GET"]),
            Route(f"{DEVICE}/activations/{{activation_id}}/{{step}}", activation.activation_step, methods=["POST"]),
            Route(f"{DEVICE}/activation/start", activation.start_activation, methods=["POST"]),
            # The phone page.
            Route("/phone", phone_page.phone_home, methods=["GET"]),
            Route("/phone/{device_id}", phone_page.phone_page, methods=["GET"]),
            Route("/phone/{device_id}/{kind}/{target}/{action}", phone_page.phone_action, methods=["POST"]),
            # What the activation e-mail links to, and where e-mails and SMS land.
            Route("/ecps/activation", activation_link.activation_link, methods=["GET"]),
            Route("/mailbox", mailbox.mailbox_page, methods=["GET"]),
            Route("/mailbox/api/messages", mailbox.mailbox_api, methods=["GET"]),
            Route("/mailbox/{message_id}", mailbox.mail_message_page, methods=["GET"]),
            Route("/mailbox/{message_id}/qr.png", mailbox.mail_qr, methods=["GET"]),
            Route("/sms", mailbox.sms_page, methods=["GET"]),
            Route("/sms/api/messages", mailbox.sms_api, methods=["GET"]),
        ],
        "wallet",
    )


def auth_app(state: MockState, origin: str = "auth") -> RequestLog:
    return _app(
        state,
        [
            Route(f"{REALM_PATH}/.well-known/wallet-openid-configuration", discovery.discovery, methods=["GET"]),
            Route(f"{REALM_PATH}/.well-known/openid-configuration", discovery.discovery, methods=["GET"]),
            Route(f"{OIDC_PATH}/certs", certs.certs, methods=["GET"]),
            Route(f"{OIDC_PATH}/token", token.token, methods=["POST"]),
            Route(f"{OIDC_PATH}/token/introspect", introspect.introspect, methods=["POST"]),
            Route(f"{OIDC_PATH}/revoke", revoke.revoke, methods=["POST"]),
            Route(f"{OIDC_PATH}/userinfo", userinfo.userinfo, methods=["GET", "POST"]),
            Route(f"{OIDC_PATH}/logout", logout.logout, methods=["GET", "POST"]),
            Route(f"{OIDC_PATH}/ext/ciba/auth", ciba.backchannel_authentication, methods=["POST"]),
            # Advertised by the discovery document, answered as PSC refuses what it does not offer.
            Route(f"{OIDC_PATH}/{LOGIN_STATUS_IFRAME}", advertised.login_status_iframe, methods=["GET"]),
            Route(f"{OIDC_PATH}/{LOGIN_STATUS_IFRAME}/init", advertised.login_status_iframe_init, methods=["GET"]),
            Route(f"{REALM_PATH}{CLIENT_REGISTRATION}", advertised.client_registration, methods=["POST"]),
            Route(f"{OIDC_PATH}/{DEVICE_AUTHORIZATION}", advertised.device_authorization, methods=["POST"]),
            Route(f"{OIDC_PATH}/{PUSHED_AUTHORIZATION_REQUEST}", advertised.pushed_authorization_request,
                  methods=["POST"]),
            Route("/__mock/clients", admin.clients, methods=["GET", "POST"]),
            Route("/__mock/clients/{client_id}", admin_runtime.client_settings, methods=["PATCH"]),
            Route("/__mock/identities", admin.identities, methods=["GET", "POST"]),
            Route("/__mock/identities/{national_id:path}/next-login-acr", admin_identities.next_login_acr,
                  methods=["GET", "POST"]),
            Route("/__mock/identities/{national_id:path}", admin_identities.identity, methods=["GET", "PATCH"]),
            Route("/__mock/cps/{national_id:path}/unblock", admin_identities.card, methods=["POST"]),
            Route("/__mock/cps/{national_id:path}", admin_identities.card, methods=["GET"]),
            Route("/__mock/faults", admin.faults, methods=["GET", "POST", "DELETE"]),
            Route("/__mock/log", admin.log, methods=["GET"]),
            Route("/__mock/keys", admin_runtime.keys, methods=["GET"]),
            Route("/__mock/keys/rotate", admin_runtime.rotate_keys, methods=["POST"]),
            Route("/__mock/clock", admin_runtime.clock, methods=["GET", "POST"]),
            Route("/__mock/settings", admin_runtime.settings, methods=["GET", "PATCH"]),
            Route("/__mock/ecps/{national_id}", admin_runtime.ecps, methods=["GET"]),
            Route("/__mock/ecps/{national_id}/unlock", admin_runtime.ecps, methods=["POST"]),
            Route("/__mock/tls/client-certificates", admin_runtime.client_certificate, methods=["POST"]),
        ],
        origin,
        [Middleware(ControlGuard, state=state)],  # origin, token and JSON checks of every /__mock request
    )
