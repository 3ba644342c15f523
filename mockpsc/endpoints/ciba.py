"""CIBA backchannel authentication endpoint (``…/ext/ciba/auth``), poll mode.

Parameters as ANS's proxy sends them: ``login_hint`` = national id,
``binding_message`` = two digits shown to the user (the phone offers it among
three numbers), ``channel`` = MOBILE (e-CPS, default) or CARD,
``acr_values`` (eidas1 when absent; eidas2 and eidas3 may be asked too, the
acr returned is what the login achieved), ``scope=openid scope_all``. Answer:
``{auth_req_id, expires_in, interval}``. CIBA is enabled per client, as PSC
enables it per service.
"""
from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.client_auth import authenticated_form
from mockpsc.endpoints.authorize import acr_values_problem, granted_scope
from mockpsc.httputil import NO_STORE, oauth_error, state_of
from psc_ids.national_id import NationalIdError, parse_national_id

BINDING_MESSAGE = re.compile(r"^[0-9]{2}$")
CHANNELS = ("MOBILE", "CARD")


async def backchannel_authentication(request: Request) -> Response:
    state = state_of(request)
    checked = await authenticated_form(request, "ciba")
    if isinstance(checked, Response):
        return checked
    fields, auth = checked
    client = auth.client
    if not client.ciba_enabled:
        return oauth_error("unauthorized_client", "CIBA is not enabled for this client")
    if "openid" not in fields.get("scope", "").split():
        return oauth_error("invalid_scope", "scope must include openid")
    if "login_hint_token" in fields or "id_token_hint" in fields:
        return oauth_error("invalid_request", "only login_hint (the national id) is supported")
    problem = acr_values_problem(fields.get("acr_values", "eidas1"))
    if problem:
        return oauth_error("invalid_request", problem)
    binding_message = fields.get("binding_message")
    if binding_message is None or not BINDING_MESSAGE.match(binding_message):
        return oauth_error("invalid_binding_message", "binding_message must be two digits (00-99)")
    channel = fields.get("channel", "MOBILE")
    if channel not in CHANNELS:
        return oauth_error("invalid_request", f"channel must be one of {', '.join(CHANNELS)}")
    hint = fields.get("login_hint")
    if not hint:
        return oauth_error("invalid_request", "missing parameter: login_hint (the national id)")
    try:
        national_id = parse_national_id(hint, sandbox=True).value
    except NationalIdError as error:
        return oauth_error("unknown_user_id", f"login_hint: {error}")
    if state.identities.get(national_id) is None or state.ecps.get(national_id) is None:
        return oauth_error("unknown_user_id", f"no professional with an activated e-CPS for {national_id}")
    if state.ecps.is_locked(national_id):
        return oauth_error("access_denied", "e-CPS locked: too many wrong PINs")
    ciba = state.ciba.create(client.client_id, national_id, granted_scope(state, fields["scope"]), binding_message,
                             channel, state.settings.ciba_lifetime, state.settings.ciba_interval)
    return JSONResponse({"auth_req_id": ciba.auth_req_id, "expires_in": state.settings.ciba_lifetime,
                         "interval": ciba.interval}, headers=NO_STORE)
