"""e-CPS activation, the phone app's side (JSON). See ``mockpsc.activation``.

POST /phone/api/devices/{device}/activations              {"national_id": "8…", "accept_cgu": true}
GET  /phone/api/devices/{device}/activations/{id}
POST /phone/api/devices/{device}/activations/{id}/confirm  contacts are right: the e-mail goes out
POST /phone/api/devices/{device}/activations/{id}/decline  contacts are wrong: "contactez votre Ordre"
POST /phone/api/devices/{device}/activation/start          {"link": "<link or QR content>", "via": "link"|"qr"}
POST /phone/api/devices/{device}/activations/{id}/sms      {"code": "123456"}
POST /phone/api/devices/{device}/activations/{id}/pin      {"pin": "1234", "confirmation"?: "1234"}
Refusals: {"error": <code>, "error_description": <French message>} with 400/403/404/409/410.
"""
from __future__ import annotations

from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.activation import Activation, ActivationBook, ActivationError
from mockpsc.endpoints.phone import valid_device
from mockpsc.httputil import invalid_request, read_json_object, state_of


def _refusal(error: ActivationError) -> JSONResponse:
    return JSONResponse({"error": error.code, "error_description": error.message, **error.extra},
                        status_code=error.status)


async def _device_and_body(request: Request) -> tuple[str, dict[str, Any]] | JSONResponse:
    """The phone's device id and the JSON body, or the invalid_request answer."""
    body = await read_json_object(request)
    if isinstance(body, JSONResponse):
        return body
    device_id = request.path_params["device_id"]
    if not valid_device(device_id):
        return invalid_request("device id: 1-64 letters, digits, '.', '_' or '-'")
    return device_id, body


def run_step(step: Callable[[], Activation], status: int = 200) -> JSONResponse:
    try:
        return JSONResponse(step().view(), status_code=status)
    except ActivationError as error:
        return _refusal(error)


async def request_activation(request: Request) -> JSONResponse:
    book: ActivationBook = state_of(request).activations
    checked = await _device_and_body(request)
    if isinstance(checked, JSONResponse):
        return checked
    device_id, body = checked
    return run_step(lambda: book.request(body.get("national_id"), device_id, body.get("accept_cgu")), 201)


async def get_activation(request: Request) -> JSONResponse:
    book: ActivationBook = state_of(request).activations
    return run_step(lambda: book.get(request.path_params["activation_id"]))


async def activation_step(request: Request) -> JSONResponse:
    """confirm, decline, sms and pin on one activation."""
    book: ActivationBook = state_of(request).activations
    checked = await _device_and_body(request)
    if isinstance(checked, JSONResponse):
        return checked
    device_id, body = checked
    activation_id, step = request.path_params["activation_id"], request.path_params["step"]
    steps: dict[str, Callable[[], Activation]] = {
        "confirm": lambda: book.confirm(activation_id),
        "decline": lambda: book.decline(activation_id),
        "sms": lambda: book.submit_code(activation_id, body.get("code"), device_id),
        "pin": lambda: book.choose_pin(activation_id, body.get("pin"), device_id, body.get("confirmation")),
    }
    if step not in steps:
        return JSONResponse({"error": "not_found", "error_description": f"unknown step {step!r}"}, status_code=404)
    return run_step(steps[step])


async def start_activation(request: Request) -> JSONResponse:
    book: ActivationBook = state_of(request).activations
    checked = await _device_and_body(request)
    if isinstance(checked, JSONResponse):
        return checked
    device_id, body = checked
    via = body.get("via", "link")
    if via not in ("link", "qr"):
        return invalid_request("'via' must be 'link' (opened on the phone) or 'qr' (scanned from a computer)")
    return run_step(lambda: book.start(body.get("link"), device_id, via))
