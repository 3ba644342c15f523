"""The phone page: a small e-CPS app a demo or a browser test opens beside the
tablet page. Plain HTML forms (works without JavaScript; a little script adds
the PIN pad keys and reloads when a push or activation changes). Every action
posts here, then redirects back to the page (post/redirect/get); the outcome
of the last action is shown in ``#phone-message``. Element ids are documented
in mockpsc/README.md and stay stable for browser tests.
"""
from __future__ import annotations

from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mockpsc.activation import ActivationError
from mockpsc.endpoints.phone import perform, valid_device
from mockpsc.httputil import BadForm, error_page, page, read_form, single_values, state_of
from mockpsc.identities import DEFAULT_DEVICE

PUSH_MESSAGES = {
    "accepted": "Saisissez votre code PIN e-CPS.",
    "pin_ok": "Code PIN correct. Choisissez le nombre affiché sur l'écran de connexion.",
    "approved": "Authentification validée : vous êtes connecté.",
    "refused": "Demande refusée.",
    "invalid_pin": "Code PIN erroné.",
    "ecps_locked": "e-CPS verrouillée : trop de codes PIN erronés. Réactivez votre e-CPS.",
    "wrong_number": "Ce n'est pas le nombre affiché : la demande est refusée.",
    "expired": "Cette demande a expiré.",
    "not_pending": "Cette demande n'est plus en attente.",
    "not_bound": "Votre e-CPS n'est pas active sur ce téléphone.",
    "wrong_step": "Cette étape n'est pas la suivante.",
    "not_found": "Demande introuvable.",
}
ACTIVATION_DONE = {
    "contacts_shown": "Vérifiez vos coordonnées.",
    "email_sent": "Un e-mail vous a été envoyé avec un QR code et un lien d'activation.",
    "sms_sent": "Un code d'activation à 6 chiffres vous a été envoyé par SMS.",
    "pin_required": "Choisissez votre code PIN à 4 chiffres.",
    "active": "Votre e-CPS est activée sur ce téléphone.",
    "declined": "Contactez votre Ordre afin de mettre à jour vos coordonnées.",
}


def _flash(request: Request) -> dict[str, dict[str, str]]:
    app_state = request.app.state
    if not hasattr(app_state, "phone_flash"):
        app_state.phone_flash = {}
    return app_state.phone_flash


def _back(request: Request, device_id: str, code: str, message: str) -> Response:
    _flash(request)[device_id] = {"code": code, "message": message}
    return RedirectResponse(f"/phone/{device_id}", status_code=303)


async def phone_home(request: Request) -> Response:
    return RedirectResponse(f"/phone/{DEFAULT_DEVICE}", status_code=303)


async def phone_page(request: Request) -> Response:
    state = state_of(request)
    device_id = request.path_params["device_id"]
    if not valid_device(device_id):
        return error_page(request, "Identifiant de téléphone invalide (1 à 64 lettres, chiffres, . _ -).")
    cards = [state.ecps.get(n) for n in state.ecps.on_device(device_id)]
    pushes = sorted(state.pushes.pending_on_device(device_id), key=lambda p: p.created_at)
    activation = state.activations.latest_for_device(device_id)
    context: dict[str, Any] = {
        "device_id": device_id,
        "cards": [c for c in cards if c is not None],
        "push": pushes[-1] if pushes else None,
        "push_count": len(pushes),
        "activation": activation,
        "activation_view": activation.view() if activation else None,
        "flash": _flash(request).pop(device_id, None),
    }
    return page(request, "phone.html", **context)


async def _fields(request: Request) -> dict[str, str] | None:
    if not request.headers.get("content-type") and not await request.body():
        return {}  # a form with nothing but a button
    try:
        fields, _ = single_values(await read_form(request))
    except BadForm:
        return None
    return fields


def _activation_step(request: Request, device_id: str, step: Callable[[], Any]) -> Response:
    try:
        activation = step()
    except ActivationError as error:
        return _back(request, device_id, error.code, error.message)
    return _back(request, device_id, activation.state, ACTIVATION_DONE.get(activation.state, ""))


async def phone_action(request: Request) -> Response:
    """Every form of the phone page posts here: /phone/{device}/{kind}/{target}/{action}."""
    state = state_of(request)
    device_id = request.path_params["device_id"]
    kind, target, action = (request.path_params[k] for k in ("kind", "target", "action"))
    fields = await _fields(request)
    if not valid_device(device_id) or fields is None:
        return error_page(request, "Formulaire invalide.")
    book = state.activations
    if kind == "activation":
        steps: dict[str, Callable[[], Any]] = {
            "request": lambda: book.request(fields.get("national_id", ""), device_id,
                                            fields.get("accept_cgu") in ("on", "true", "1")),
            "start": lambda: book.start(fields.get("link", ""), device_id, fields.get("via", "link")),
            "confirm": lambda: book.confirm(target),
            "decline": lambda: book.decline(target),
            "sms": lambda: book.submit_code(target, fields.get("code", ""), device_id),
            "pin": lambda: book.choose_pin(target, fields.get("pin", ""), device_id,
                                           fields.get("confirmation") or None),
        }
        if action in steps:
            return _activation_step(request, device_id, steps[action])
    if kind == "pushes" and action in ("accept", "pin", "number", "deny"):
        answer = perform(state.pushes, action, target, fields, device_id)
        if answer.error:
            detail = PUSH_MESSAGES.get(answer.error, answer.error)
            if answer.error == "invalid_pin" and answer.locked:
                detail += " " + PUSH_MESSAGES["ecps_locked"]  # the third wrong PIN: say it is locked now
            elif answer.error == "invalid_pin":
                detail += f" Il reste {answer.attempts_left} essai(s) ; la demande est refusée."
            return _back(request, device_id, answer.error, detail)
        code = answer.status if answer.status != "pending" else answer.step
        return _back(request, device_id, code, PUSH_MESSAGES.get(code, ""))
    return error_page(request, "Action inconnue.", status=404)
