"""The mock's mailbox and SMS outbox (not part of PSC): pages a person reads
in the demo, JSON for tests, and the QR code image of an activation e-mail.

GET /mailbox?to=<email>               page: messages, newest first
GET /mailbox/{id}                     page: one message, its link and QR code
GET /mailbox/{id}/qr.png              the QR code (PNG)
GET /mailbox/api/messages?to=<email>  JSON
GET /sms?to=<mobile>                  page
GET /sms/api/messages?to=<mobile>     JSON
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.httputil import error_page, page, state_of
from mockpsc.identities import normalise_mobile


def _mobile(request: Request) -> str | None:
    raw = request.query_params.get("to")
    return (normalise_mobile(raw) or raw) if raw else None


async def mailbox_page(request: Request) -> Response:
    messages = state_of(request).mailbox.messages(request.query_params.get("to"))
    return page(request, "mailbox.html", messages=list(reversed(messages)), to=request.query_params.get("to", ""))


async def mail_message_page(request: Request) -> Response:
    message = state_of(request).mailbox.get(request.path_params["message_id"])
    if message is None:
        return error_page(request, "Message introuvable.", status=404)
    return page(request, "mail_message.html", message=message)


async def mail_qr(request: Request) -> Response:
    message = state_of(request).mailbox.get(request.path_params["message_id"])
    if message is None or not message.qr_png:
        return JSONResponse({"error": "not_found", "error_description": "no QR code here"}, status_code=404)
    return Response(message.qr_png, media_type="image/png")


async def mailbox_api(request: Request) -> JSONResponse:
    return JSONResponse([m.view() for m in state_of(request).mailbox.messages(request.query_params.get("to"))])


async def sms_page(request: Request) -> Response:
    messages = state_of(request).sms.messages(_mobile(request))
    return page(request, "sms.html", messages=list(reversed(messages)), to=request.query_params.get("to", ""))


async def sms_api(request: Request) -> JSONResponse:
    return JSONResponse([m.view() for m in state_of(request).sms.messages(_mobile(request))])
