"""The wallet page's "Carte CPS" tab: a simulated card reader.

At PSC the professional inserts the CPS card in a reader and types the card's PIN.
Here the page stands in for the reader: the user names the card inserted (the
national id printed on it) and types its 4-digit PIN; both travel in one plain
form post, so tests drive it with ``requests`` (``mockpsc.testing.card_login``)
and a browser with no script. A right PIN opens a PSC session with
``authMode: CARD`` and the acr a card achieves (eidas2 by default,
mockpsc/acr.py); a wrong one is said on the page with the tries left; the third
wrong PIN in a row blocks the card (mockpsc/cards.py).
"""
from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.acr import CARD
from mockpsc.authorization_response import issue_code
from mockpsc.endpoints.wallet_login import MESSAGES as ECPS_MESSAGES
from mockpsc.endpoints.wallet_login import open_request, read_tab_form
from mockpsc.httputil import page, state_of
from mockpsc.sessions import AuthRequest

CARD_PIN = re.compile(r"^[0-9]{4}$")
# What the card tab says, by the stable code tests read from data-code.
MESSAGES = {
    "empty": "Aucune carte détectée : indiquez l'identifiant national imprimé sur la carte CPS insérée "
             "dans le lecteur.",
    "bare_rpps": ECPS_MESSAGES["bare_rpps"],
    "checksum": ECPS_MESSAGES["checksum"],
    "malformed": ECPS_MESSAGES["malformed"],
    "unknown": ECPS_MESSAGES["unknown"],
    "no_card": "Aucune carte CPS n'est associée à l'identifiant {typed}. Connectez-vous avec l'application "
               "e-CPS (onglet « Application e-CPS ») ou demandez votre carte CPS à votre Ordre.",
    "pin_format": "Le code PIN de la carte CPS comporte 4 chiffres.",
    "wrong_pin": "Code PIN erroné. Il vous reste {left} avant le blocage de la carte.",
    "card_blocked": "Carte CPS bloquée : trop de codes PIN erronés. Débloquez-la avec son code de déblocage, "
                    "ou connectez-vous avec l'application e-CPS.",
}


def _tries(left: int) -> str:
    return f"{left} essai" if left == 1 else f"{left} essais"


def card_page(request: Request, auth_request: AuthRequest, typed: str | None = None, code: str | None = None,
              left: int = 0) -> Response:
    """The card tab; with ``code``, the message saying what went wrong (status 200: the user tries again)."""
    national_id = auth_request.login_hint if typed is None else typed
    error = None
    if code is not None:
        error = {"code": code, "message": MESSAGES[code].format(typed=national_id, left=_tries(left))}
    return page(request, "card.html", tx=auth_request.id, national_id=national_id, error=error, active_tab="card")


async def card_tab(request: Request) -> Response:
    """GET /auth/card?tx=: the card reader and its PIN field."""
    auth_request = open_request(request)
    if isinstance(auth_request, Response):
        return auth_request
    return card_page(request, auth_request)


async def card_pin(request: Request) -> Response:
    """POST /auth/card (tx, national_id of the card inserted, pin): the card login."""
    state = state_of(request)
    read = await read_tab_form(request, card_page)
    if isinstance(read, Response):
        return read
    fields, auth_request, national_id = read
    card = state.cards.get(national_id)
    if card is None:
        return card_page(request, auth_request, national_id, "no_card")
    if card.blocked:
        return card_page(request, auth_request, national_id, "card_blocked")
    pin = fields.get("pin", "")
    if not CARD_PIN.match(pin):
        return card_page(request, auth_request, national_id, "pin_format")
    check = state.cards.check_pin(national_id, pin)
    if not check.ok:
        state.log.event("card.login_refused", national_id=national_id, client_id=auth_request.client_id,
                        blocked=check.blocked)
        if check.blocked:
            return card_page(request, auth_request, national_id, "card_blocked")
        return card_page(request, auth_request, national_id, "wrong_pin", check.attempts_left)
    session = state.open_login_session(national_id, auth_request.client_id, CARD, via="card")
    return issue_code(request, auth_request, session)
