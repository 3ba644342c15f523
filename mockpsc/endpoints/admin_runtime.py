"""Test-control API under /__mock, the parts that change the mock while it runs
(not part of PSC):

POST  /__mock/keys/rotate                 {"grace"?: seconds}: new kid signs, old one published for grace
GET   /__mock/keys                        published kids and the active one
GET   /__mock/clock                       {"now": …}
POST  /__mock/clock                       {"advance": seconds}
GET   /__mock/settings                    lifetimes and switches
PATCH /__mock/settings                    {"id_token_lifetime": 5, "logout_omits_state": true, …}
PATCH /__mock/clients/{client_id}         {"userinfo_format": "jwt", "claims_variant": "otherIDs", …}
GET   /__mock/ecps/{national_id}          the e-CPS: phone, lock, failed PIN attempts
POST  /__mock/ecps/{national_id}/unlock
POST  /__mock/tls/client-certificates     {"common_name": …, "organization"?: …}: a client certificate of the test CA
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.clients import ClientError
from mockpsc.httputil import invalid_request, read_json_object, state_of


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


async def keys(request: Request) -> JSONResponse:
    state = state_of(request)
    return JSONResponse({"active_kid": state.keys.active.kid, "published_kids": state.keys.published_kids()})


async def rotate_keys(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    if isinstance(body, JSONResponse):
        return body
    grace = body.get("grace")
    if grace is not None and not _number(grace):
        return invalid_request("'grace' must be a number of seconds >= 0")
    return JSONResponse(state_of(request).keys.rotate(grace), status_code=201)


async def clock(request: Request) -> JSONResponse:
    state = state_of(request)
    if request.method == "POST":
        body = await read_json_object(request)
        if isinstance(body, JSONResponse):
            return body
        if not _number(body.get("advance")):
            return invalid_request('expected {"advance": <seconds >= 0>}')
        state.clock.advance(body["advance"])
        state.log.event("clock.advanced", seconds=body["advance"])
    return JSONResponse({"now": state.clock.now()})


async def settings(request: Request) -> JSONResponse:
    state = state_of(request)
    if request.method == "PATCH":
        body = await read_json_object(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            state.settings.update(body)
        except ValueError as error:
            return invalid_request(str(error))
        state.log.event("settings.changed", **body)
    return JSONResponse(state.settings.view())


async def client_settings(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    if isinstance(body, JSONResponse):
        return body
    try:
        client = state_of(request).update_client(request.path_params["client_id"], body)
    except ClientError as error:
        return invalid_request(str(error), 404 if "not registered" in str(error) else 400)
    return JSONResponse(client.public_view())


async def ecps(request: Request) -> JSONResponse:
    state = state_of(request)
    national_id = request.path_params["national_id"]
    card = state.ecps.get(national_id)
    if card is None:
        return JSONResponse({"error": "not_found", "error_description": f"no e-CPS for {national_id}"},
                            status_code=404)
    if request.url.path.endswith("/unlock"):
        state.unlock_ecps(national_id)
    return JSONResponse(card.view())


async def client_certificate(request: Request) -> Response:
    state = state_of(request)
    if state.tls_ca is None:
        return invalid_request("TLS is off: start the mock with a TLS port (MockPSC(tls_port=0) or --tls-port)", 409)
    body = await read_json_object(request)
    if isinstance(body, JSONResponse):
        return body
    name, organization = body.get("common_name"), body.get("organization", "SMUR test")
    if not isinstance(name, str) or not name or not isinstance(organization, str):
        return invalid_request('expected {"common_name": "...", "organization"?: "..."}')
    issued = state.tls_ca.client_certificate(name, organization)
    state.log.event("tls.client_certificate_issued", subject_dn=issued.subject_dn)
    return JSONResponse({"subject_dn": issued.subject_dn, "cert_path": str(issued.cert_path),
                         "key_path": str(issued.key_path), "cert_pem": issued.cert_path.read_text(),
                         "key_pem": issued.key_path.read_text(), "ca_path": str(state.tls_ca.ca_path)},
                        status_code=201)
