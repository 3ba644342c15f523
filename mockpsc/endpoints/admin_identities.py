"""Test-control API for one professional (auth origin, not part of PSC; the guard of
mockpsc/control.py applies: same origin, JSON writes, the control token):

GET   /__mock/identities/{national_id}                  the identity: card, acr levels, regulation flag
PATCH /__mock/identities/{national_id}                  {"regulation"?, "ecps_acr"?, "card_acr"?, "cps"?}
                                                        (null acr = back to the mock's default; "cps": null
                                                        takes the card away, {"pin"} gives a new one)
GET   /__mock/identities/{national_id}/next-login-acr   what the next login will return, if armed
POST  /__mock/identities/{national_id}/next-login-acr   {"acr": "eidas2"}: the next login only ({"acr": null} disarms)
GET   /__mock/cps/{national_id}                         the CPS card: wrong PINs in a row, blocked
POST  /__mock/cps/{national_id}/unblock

Adding or replacing a whole identity stays ``POST /__mock/identities`` (admin.py).
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.claims import subject
from mockpsc.httputil import invalid_request, read_json_object, state_of
from mockpsc.identities import Identity, IdentityError
from mockpsc.state import MockState


def identity_view(state: MockState, identity: Identity) -> dict[str, Any]:
    card = state.cards.get(identity.national_id)
    settings = state.settings
    return {
        "national_id": identity.national_id,
        "sub": subject(identity),
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "ecps": state.ecps.get(identity.national_id) is not None,
        "cps": card.view() if card else None,
        # The level each method achieves for this person (their own, else the mock's default).
        "ecps_acr": identity.ecps_acr or settings.ecps_acr,
        "card_acr": identity.card_acr or settings.card_acr,
        "next_login_acr": state.next_login_acr.peek(identity.national_id),
        "regulation": identity.regulation,
    }


def _not_found(national_id: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "error_description": f"no identity {national_id}"}, status_code=404)


async def identity(request: Request) -> JSONResponse:
    state = state_of(request)
    national_id = request.path_params["national_id"]
    current = state.identities.get(national_id)
    if current is None:
        return _not_found(national_id)
    if request.method == "PATCH":
        body = await read_json_object(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            current = state.update_identity(national_id, body)
        except IdentityError as error:
            return invalid_request(str(error))
    return JSONResponse(identity_view(state, current))


async def next_login_acr(request: Request) -> JSONResponse:
    state = state_of(request)
    national_id = request.path_params["national_id"]
    if state.identities.get(national_id) is None:
        return _not_found(national_id)
    if request.method == "POST":
        body = await read_json_object(request)
        if isinstance(body, JSONResponse):
            return body
        if set(body) != {"acr"}:
            return invalid_request('expected {"acr": "eidas1" | "eidas2" | "eidas3" | null}')
        try:
            state.set_next_login_acr(national_id, body["acr"])
        except IdentityError as error:
            return invalid_request(str(error))
    return JSONResponse({"national_id": national_id, "next_login_acr": state.next_login_acr.peek(national_id)})


async def card(request: Request) -> JSONResponse:
    state = state_of(request)
    national_id = request.path_params["national_id"]
    found = state.cards.get(national_id)
    if found is None:
        return JSONResponse({"error": "not_found", "error_description": f"no CPS card for {national_id}"},
                            status_code=404)
    if request.method == "POST":
        state.cards.unblock(national_id)
    return JSONResponse(found.view())
