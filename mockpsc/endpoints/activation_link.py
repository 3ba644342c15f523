"""Where the activation link of the e-mail leads when it is opened in a
computer's browser: PSC asks to open it on the phone or to scan the QR code
with the e-CPS app (seed note 2). The phone itself sends the link to the
activation API (``…/activation/start``)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.httputil import page, state_of


async def activation_link(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token", "")
    link = f"{state.wallet_origin}/ecps/activation?token={token}"
    message = next((m for m in reversed(state.mailbox.messages()) if m.link == link), None)
    return page(request, "activation_link.html", link=link, message=message,
                status=200 if message else 404)
