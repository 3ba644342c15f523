"""Headless e-CPS phone API: what the phone app does, for tests and the phone page.

By national id (the phone the e-CPS is bound to, whichever it is):
GET  /phone/api/pushes?national_id=8…                 pending pushes with their 3 choices
POST /phone/api/pushes/{id}/approve                   {"pin": "1234", "number": "42"}
POST /phone/api/pushes/{id}/deny

As one given phone (a push bound elsewhere is refused with ``not_bound``):
GET  /phone/api/devices/{device}                      e-CPS held, pending pushes, latest activation
GET  /phone/api/devices/{device}/pushes
POST /phone/api/devices/{device}/pushes/{id}/accept   step 1: accept the notification
POST /phone/api/devices/{device}/pushes/{id}/pin      step 2: {"pin": "1234"}
POST /phone/api/devices/{device}/pushes/{id}/number   step 3: {"number": "42"}
POST /phone/api/devices/{device}/pushes/{id}/approve  the three at once: {"pin", "number"}
POST /phone/api/devices/{device}/pushes/{id}/deny
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.httputil import BadForm, read_json, state_of
from mockpsc.identities import DEVICE_FORMAT
from mockpsc.pushes import Answer, PushBook
from psc_ids.national_id import NationalIdError, parse_national_id

ERROR_STATUS = {
    "not_found": 404,
    "not_pending": 409,
    "wrong_step": 409,
    "expired": 410,
    "invalid_pin": 403,
    "wrong_number": 403,
    "ecps_locked": 403,
    "not_bound": 403,
}
# Body fields each action needs.
ACTIONS: dict[str, tuple[str, ...]] = {"accept": (), "pin": ("pin",), "number": ("number",),
                                       "approve": ("pin", "number"), "deny": ()}


def _error(error: str, description: str, status: int = 400, **extra: object) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description, **extra}, status_code=status)


def answer_json(answer: Answer) -> JSONResponse:
    if answer.error is None:
        body: dict[str, Any] = {"status": answer.status}
        if answer.step:
            body["step"] = answer.step
        return JSONResponse(body)
    body = {"error": answer.error}
    if answer.error == "invalid_pin":
        body.update(attempts_left=answer.attempts_left, locked=answer.locked)
    if answer.status:
        body["status"] = answer.status
    return JSONResponse(body, status_code=ERROR_STATUS.get(answer.error, 400))


def perform(pushes: PushBook, action: str, push_id: str, body: dict[str, Any], device_id: str | None) -> Answer:
    """One phone action on a push (shared by the JSON API and the phone page)."""
    if action == "accept":
        return pushes.accept(push_id, device_id)
    if action == "pin":
        return pushes.enter_pin(push_id, body["pin"], device_id)
    if action == "number":
        return pushes.choose_number(push_id, body["number"], device_id)
    if action == "approve":
        return pushes.approve(push_id, body["pin"], body["number"], device_id)
    return pushes.deny(push_id, device_id)


async def list_pushes(request: Request) -> JSONResponse:
    state = state_of(request)
    raw = request.query_params.get("national_id", "")
    try:
        national_id = parse_national_id(raw, sandbox=True).value
    except NationalIdError as error:
        return _error("invalid_request", f"national_id: {error}")
    if state.identities.get(national_id) is None:
        return _error("unknown_identity", f"no identity {national_id}", 404)
    return JSONResponse([p.phone_view() for p in state.pushes.pending(national_id)])


async def _action_body(request: Request, action: str) -> dict[str, Any] | JSONResponse:
    needed = ACTIONS[action]
    if not needed:
        return {}
    try:
        body = await read_json(request)
    except BadForm as error:
        return _error("invalid_request", str(error))
    if not isinstance(body, dict) or any(name not in body for name in needed):
        example = {"pin": "1234", "number": "42"}
        return _error("invalid_request", f"expected JSON {{{', '.join(f'{n!r}: {example[n]!r}' for n in needed)}}}")
    return body


async def approve(request: Request) -> JSONResponse:
    body = await _action_body(request, "approve")
    if isinstance(body, JSONResponse):
        return body
    return answer_json(perform(state_of(request).pushes, "approve", request.path_params["push_id"], body, None))


async def deny(request: Request) -> JSONResponse:
    return answer_json(state_of(request).pushes.deny(request.path_params["push_id"]))


def valid_device(device_id: str) -> bool:
    return bool(DEVICE_FORMAT.match(device_id)) and device_id != "api"  # /phone/api/… is the JSON API


async def device(request: Request) -> JSONResponse:
    state = state_of(request)
    device_id = request.path_params["device_id"]
    if not valid_device(device_id):
        return _error("invalid_request", "device id: 1-64 letters, digits, '.', '_' or '-'")
    activation = state.activations.latest_for_device(device_id)
    return JSONResponse({
        "device_id": device_id,
        "ecps": [state.ecps.get(n).view() for n in state.ecps.on_device(device_id)],
        "pushes": [p.phone_view() for p in state.pushes.pending_on_device(device_id)],
        "activation": activation.view() if activation else None,
    })


async def device_pushes(request: Request) -> JSONResponse:
    state = state_of(request)
    device_id = request.path_params["device_id"]
    if not valid_device(device_id):
        return _error("invalid_request", "device id: 1-64 letters, digits, '.', '_' or '-'")
    return JSONResponse([p.phone_view() for p in state.pushes.pending_on_device(device_id)])


async def device_push_action(request: Request) -> JSONResponse:
    state = state_of(request)
    device_id, action = request.path_params["device_id"], request.path_params["action"]
    if action not in ACTIONS:
        return _error("invalid_request", f"unknown action {action!r}; known: {sorted(ACTIONS)}", 404)
    if not valid_device(device_id):
        return _error("invalid_request", "device id: 1-64 letters, digits, '.', '_' or '-'")
    body = await _action_body(request, action)
    if isinstance(body, JSONResponse):
        return body
    return answer_json(perform(state.pushes, action, request.path_params["push_id"], body, device_id))
