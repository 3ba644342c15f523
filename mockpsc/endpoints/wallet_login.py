"""The wallet page's "Application e-CPS" tab: its form post (national id typed
by the user) and the continue URL the waiting page polls until the phone has
answered. The "Carte CPS" tab is in card_login.py."""
from __future__ import annotations

from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from mockpsc.authorization_response import issue_code, refuse
from mockpsc.httputil import BadForm, error_page, page, read_form, single_values, state_of
from mockpsc.pushes import APPROVED, EXPIRED, PENDING, REFUSED
from mockpsc.sessions import AuthRequest
from psc_ids.national_id import RPPS_LENGTH, NationalIdError, parse_national_id

# Why a push was refused, as the client reads it in error_description.
REFUSAL_TEXT = {
    "invalid_pin": "Code PIN e-CPS erroné",
    "wrong_number": "Le nombre choisi sur le téléphone ne correspond pas",
    "denied": "Demande d'authentification refusée sur le téléphone",
    "ecps_locked": "e-CPS verrouillée",
}


# What the wallet page says, by the stable code tests read from data-code.
MESSAGES = {
    "empty": "Veuillez saisir votre identifiant national.",
    "bare_rpps": "Ajoutez un 8 devant votre numéro RPPS : 8{typed}",
    "checksum": "Identifiant invalide : la clé de contrôle du numéro RPPS ne correspond pas. "
    "Vérifiez votre saisie.",
    "malformed": "Identifiant national invalide : saisissez « 8 » suivi de votre numéro RPPS (11 chiffres).",
    "unknown": "Aucun compte Pro Santé Connect ne correspond à l'identifiant {typed}.",
    "no_ecps": "Aucune e-CPS n'est activée pour cet identifiant. Activez votre e-CPS dans l'application e-CPS.",
    "ecps_locked": "e-CPS verrouillée : trop de codes PIN erronés. Réactivez votre e-CPS pour vous connecter.",
    "push_expired": "Délai dépassé : la notification n'a pas été validée à temps sur le téléphone. Recommencez.",
    "cancelled": "La demande précédente a été annulée. Recommencez.",
}


EXPIRED_REQUEST = "Votre session a expiré. Retournez sur le service pour vous reconnecter."


def continue_url(request_id: str) -> str:
    return f"/auth/continue?tx={request_id}"


def ecps_page(request: Request, auth_request: AuthRequest, typed: str | None = None,
              error: dict[str, str] | None = None) -> Response:
    """The e-CPS tab (the page authorize shows first), the field prefilled with what was typed
    (else the client's login_hint). Status 200 with an error, like PSC: the user corrects and posts again."""
    national_id = auth_request.login_hint if typed is None else typed
    return page(request, "login.html", tx=auth_request.id, national_id=national_id, error=error, active_tab="ecps")


def _form_page(request: Request, auth_request: AuthRequest, typed: str, code: str) -> Response:
    return ecps_page(request, auth_request, typed, {"code": code, "message": MESSAGES[code].format(typed=typed)})


def typed_national_id(fields: dict[str, str]) -> str:
    # The seed procedure writes "8 10003111463": spaces are the user's, not the id's.
    return "".join(fields.get("national_id", "").split())


def national_id_problem(typed: str) -> str | None:
    """Message code when the typed text is not a usable national id."""
    if not typed:
        return "empty"
    if typed.isdigit() and len(typed) == RPPS_LENGTH:
        return "bare_rpps"
    try:
        parse_national_id(typed, sandbox=True)
    except NationalIdError:
        # 8 + 11 digits that parse_national_id refuses can only be a Luhn failure.
        rpps_shaped = typed.startswith("8") and typed.isdigit() and len(typed) == RPPS_LENGTH + 1
        return "checksum" if rpps_shaped else "malformed"
    return None


async def read_tab_form(request: Request, form_page: Callable[..., Response]
                        ) -> tuple[dict[str, str], AuthRequest, str] | Response:
    """What both tabs do first with their form post: the fields, the open authorization request
    (``tx``) and the national id typed, well formed and known to PSC; otherwise the page to answer
    (``form_page(request, auth_request, national_id, code)`` shows the tab again with the message)."""
    state = state_of(request)
    try:
        fields, _ = single_values(await read_form(request))
    except BadForm as error:
        return error_page(request, f"Formulaire invalide ({error}).")
    auth_request = state.sessions.get_request(fields.get("tx"))
    if auth_request is None or auth_request.done:
        return error_page(request, EXPIRED_REQUEST)
    typed = typed_national_id(fields)
    problem = national_id_problem(typed)
    if problem:
        return form_page(request, auth_request, typed, problem)
    national_id = parse_national_id(typed, sandbox=True).value
    if state.identities.get(national_id) is None:
        return form_page(request, auth_request, national_id, "unknown")
    return fields, auth_request, national_id


async def identify(request: Request) -> Response:
    state = state_of(request)
    read = await read_tab_form(request, _form_page)
    if isinstance(read, Response):
        return read
    _, auth_request, national_id = read
    if state.ecps.get(national_id) is None:
        return _form_page(request, auth_request, national_id, "no_ecps")
    if state.ecps.is_locked(national_id):
        return _form_page(request, auth_request, national_id, "ecps_locked")
    push = state.pushes.create(auth_request.id, national_id, auth_request.client_id)
    auth_request.push_id = push.id
    # Post/redirect/get: reloading the waiting page must not send a second push.
    return RedirectResponse(continue_url(auth_request.id), status_code=303)


def open_request(request: Request) -> AuthRequest | Response:
    """The authorization request named by ``?tx=`` if it is still open, else the page to show."""
    auth_request = state_of(request).sessions.get_request(request.query_params.get("tx"))
    if auth_request is None:
        return error_page(request, EXPIRED_REQUEST)
    if auth_request.done:
        return error_page(request, "Cette demande de connexion a déjà été traitée.")
    return auth_request


async def ecps_tab(request: Request) -> Response:
    """GET /auth/ecps?tx=: back to the e-CPS tab from another one."""
    auth_request = open_request(request)
    if isinstance(auth_request, Response):
        return auth_request
    return ecps_page(request, auth_request)


async def resume(request: Request) -> Response:
    state = state_of(request)
    auth_request = open_request(request)
    if isinstance(auth_request, Response):
        return auth_request
    push = state.pushes.get(auth_request.push_id)
    if request.query_params.get("poll") == "1":
        # The waiting page's script: has the phone answered? No side effect; the page then loads
        # this URL without `poll`, which does what the answer calls for.
        return JSONResponse({"pending": push is not None and push.status == PENDING})
    if push is None:
        return ecps_page(request, auth_request)
    if push.status == PENDING:
        return page(request, "waiting.html", number=push.number, continue_url=continue_url(auth_request.id))
    if push.status == APPROVED:
        session = state.open_login_session(push.national_id, auth_request.client_id, push.channel, via="ecps")
        return issue_code(request, auth_request, session)
    if push.status == REFUSED:
        auth_request.done = True
        return refuse(request, auth_request, "access_denied",
                      REFUSAL_TEXT.get(push.reason, "Authentification refusée"))
    auth_request.push_id = None
    reason = "push_expired" if push.status == EXPIRED else "cancelled"
    return _form_page(request, auth_request, push.national_id, reason)
