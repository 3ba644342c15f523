"""Headless e-CPS phone API: what the phone app does, for tests to drive.

GET  /phone/api/pushes?national_id=8…      pending pushes with their 3 choices
POST /phone/api/pushes/{id}/approve        {"pin": "1234", "number": "42"}
POST /phone/api/pushes/{id}/deny
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.httputil import BadForm, read_json, state_of
from mockpsc.pushes import Answer
from provisioning.national_id import NationalIdError, parse_national_id

ERROR_STATUS = {
    "not_found": 404,
    "not_pending": 409,
    "expired": 410,
    "invalid_pin": 403,
    "wrong_number": 403,
    "ecps_locked": 403,
}


def _error(error: str, description: str, status: int = 400, **extra: object) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description, **extra}, status_code=status)


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


def _answer(answer: Answer) -> JSONResponse:
    if answer.error is None:
        return JSONResponse({"status": answer.status})
    body: dict[str, object] = {"error": answer.error}
    if answer.error == "invalid_pin":
        body.update(attempts_left=answer.attempts_left, locked=answer.locked)
    if answer.status:
        body["status"] = answer.status
    return JSONResponse(body, status_code=ERROR_STATUS.get(answer.error, 400))


async def approve(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        body = await read_json(request)
    except BadForm as error:
        return _error("invalid_request", str(error))
    if not isinstance(body, dict) or "pin" not in body or "number" not in body:
        return _error("invalid_request", 'expected JSON {"pin": "1234", "number": "42"}')
    return _answer(state.pushes.approve(request.path_params["push_id"], body["pin"], body["number"]))


async def deny(request: Request) -> JSONResponse:
    return _answer(state_of(request).pushes.deny(request.path_params["push_id"]))
