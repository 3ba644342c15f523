"""Test-control API under /__mock on the auth origin (not part of PSC).

POST   /__mock/clients      {client_id, secret, redirect_uris, post_logout_redirect_uris?, auth_methods?,
                             tls_client_auth_subject_dn?, userinfo_format?, claims_variant?,
                             logout_omits_state?, ciba_enabled?}
GET    /__mock/clients      registered clients, without secrets
POST   /__mock/identities   one identity, same keys as an identities.yaml entry
GET    /__mock/identities   national ids and subs, who has an e-CPS, a CPS card, the regulation flag
POST   /__mock/faults       {fault, value?, client_id?, times?}
GET    /__mock/faults       armed faults
DELETE /__mock/faults       disarm all
GET    /__mock/log          ?since=<seq>&event=<name>; secrets masked
(one identity, its next login's acr and its card: admin_identities.py; the rest: admin_runtime.py)
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.claims import subject
from mockpsc.clients import ClientError, client_from_mapping
from mockpsc.faults import UNSET, FAULTS, FaultError
from mockpsc.httputil import BadForm, invalid_request, read_json, state_of
from mockpsc.identities import IdentityError, identity_from_mapping


async def clients(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        return JSONResponse([c.public_view() for c in state.clients.all()])
    try:
        client = client_from_mapping(await read_json(request), "client")
    except (BadForm, ClientError) as error:
        return invalid_request(str(error))
    state.register_client(client)
    return JSONResponse(client.public_view(), status_code=201)


async def identities(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        return JSONResponse([
            {"national_id": i.national_id, "sub": subject(i), "ecps": state.ecps.get(i.national_id) is not None,
             "cps": state.cards.get(i.national_id) is not None, "regulation": i.regulation}
            for i in state.identities.all()
        ])
    try:
        identity = identity_from_mapping(await read_json(request), "identity")
    except (BadForm, IdentityError) as error:
        return invalid_request(str(error))
    state.add_identity(identity)
    return JSONResponse({"national_id": identity.national_id, "sub": subject(identity)}, status_code=201)


async def faults(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        return JSONResponse({"armed": state.faults.view(), "known": {k: f.doc for k, f in FAULTS.items()}})
    if request.method == "DELETE":
        state.clear_faults()
        return Response(status_code=204)
    try:
        body = await read_json(request)
    except BadForm as error:
        return invalid_request(str(error))
    if not isinstance(body, dict) or set(body) - {"fault", "value", "client_id", "times"}:
        return invalid_request('expected JSON {"fault": ..., "value"?: ..., "client_id"?: ..., "times"?: 1}')
    try:
        armed = state.arm_fault(
            body.get("fault"), body.get("value", UNSET), body.get("client_id"), body.get("times", 1)
        )
    except FaultError as error:
        return invalid_request(str(error))
    return JSONResponse(armed.view(), status_code=201)


async def log(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        since = int(request.query_params.get("since", "0"))
    except ValueError:
        return invalid_request("'since' must be an integer")
    return JSONResponse(state.log.entries(since, request.query_params.get("event")))
