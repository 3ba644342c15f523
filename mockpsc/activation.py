"""e-CPS activation with an RPPS, as the seed procedure describes it (steps 3-10):

    request (8 + RPPS, CGU accepted)  -> contacts_shown   e-mail and mobile, pseudonymised
    confirm                           -> email_sent       mail with link + QR code
    (decline                          -> declined         "contactez votre Ordre")
    start on the phone (link or QR)   -> sms_sent         6-digit code by SMS; binds the phone
    SMS code                          -> pin_required     (3 tries, then failed)
    4-digit PIN                       -> active           e-CPS bound to that phone only

Expired link or code -> expired. Every refusal is an ``ActivationError`` with a
stable code and the French message the app would show.
"""
from __future__ import annotations

import hmac
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from mockpsc.ecps import EcpsBook
from mockpsc.identities import PIN_FORMAT, IdentityStore
from mockpsc.outbox import Mailbox, SmsOutbox
from mockpsc.pushes import PushBook
from psc_ids.national_id import RPPS_LENGTH, NationalIdError, parse_national_id

CONTACTS_SHOWN, EMAIL_SENT, SMS_SENT, PIN_REQUIRED = "contacts_shown", "email_sent", "sms_sent", "pin_required"
ACTIVE, DECLINED, EXPIRED, FAILED, CANCELLED = "active", "declined", "expired", "failed", "cancelled"
SMS_CODE = re.compile(r"^[0-9]{6}$")

MESSAGES = {
    "cgu_not_accepted": "Acceptez les conditions générales d'utilisation pour continuer.",
    "bare_rpps": "Ajoutez un 8 devant votre numéro RPPS : 8{value}",
    "invalid_national_id": "Identifiant invalide : saisissez « 8 » suivi de votre numéro RPPS (11 chiffres).",
    "unknown_identity": "Aucun professionnel ne correspond à l'identifiant {value} dans l'annuaire.",
    "card_only": "Votre identifiant n'est pas un numéro RPPS : l'activation de l'e-CPS se fait avec votre carte CPS.",
    "no_contact_details": "Aucune adresse e-mail ou aucun numéro de mobile n'est connu pour cet identifiant. "
                          "Contactez votre Ordre afin de faire enregistrer vos coordonnées.",
    "contact_ordre": "Vos coordonnées sont erronées ? Contactez votre Ordre afin de connaître la démarche "
                     "à suivre pour les mettre à jour.",
    "not_found": "Demande d'activation introuvable.",
    "invalid_link": "Lien ou QR code d'activation invalide.",
    "link_expired": "Ce lien d'activation a expiré. Recommencez la demande d'activation.",
    "code_expired": "Ce code SMS a expiré. Recommencez la demande d'activation.",
    "invalid_code": "Code SMS erroné. Il vous reste {value} essai(s).",
    "too_many_codes": "Trop de codes erronés : la demande d'activation est annulée. Recommencez.",
    "malformed_code": "Le code reçu par SMS compte 6 chiffres.",
    "invalid_pin_format": "Le code PIN compte 4 chiffres.",
    "pin_mismatch": "Les deux codes PIN saisis sont différents.",
    "wrong_device": "Cette activation se poursuit sur le téléphone qui l'a démarrée.",
    "wrong_step": "Cette étape de l'activation n'est pas la suivante (état : {value}).",
}
STATUS = {"not_found": 404, "invalid_link": 404, "unknown_identity": 404, "link_expired": 410, "code_expired": 410,
          "wrong_device": 403, "wrong_step": 409, "too_many_codes": 403, "invalid_code": 403}


class ActivationError(Exception):
    def __init__(self, code: str, value: Any = "", **extra: Any) -> None:
        self.code = code
        self.message = MESSAGES[code].format(value=value)
        self.status = STATUS.get(code, 400)
        self.extra = extra
        super().__init__(self.message)


def pseudonymise_email(email: str) -> str:
    """``jean.dupont@hopital.fr`` -> ``j***@h***.fr``."""
    local, _, domain = email.partition("@")
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***.{tld}"


def pseudonymise_mobile(mobile: str) -> str:
    """``0612345642`` -> ``06 ** ** ** 42``."""
    return f"{mobile[:2]} ** ** ** {mobile[-2:]}"


@dataclass
class Activation:
    id: str
    national_id: str
    email: str
    mobile: str
    requested_by: str  # the phone that sent the request (step 3)
    created_at: float
    state: str = CONTACTS_SHOWN
    device_id: str = ""  # the phone that started the activation: the e-CPS goes there
    token: str = ""
    link_expires_at: float = 0.0
    sms_code: str = ""
    sms_expires_at: float = 0.0
    sms_attempts_left: int = 0

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id, "national_id": self.national_id, "state": self.state,
            "email": pseudonymise_email(self.email), "mobile": pseudonymise_mobile(self.mobile),
            "requested_by": self.requested_by, "device_id": self.device_id or None,
        }
        if self.state == SMS_SENT:
            view["sms_attempts_left"] = self.sms_attempts_left
        if self.state == DECLINED:
            view["message"] = MESSAGES["contact_ordre"]
        return view


class ActivationBook:
    def __init__(self, identities: IdentityStore, ecps: EcpsBook, pushes: PushBook, mailbox: Mailbox,
                 sms: SmsOutbox, now: Callable[[], float], settings: Any, link_for: Callable[[str], str],
                 on_event: Callable[..., None]) -> None:
        self._identities, self._ecps, self._pushes = identities, ecps, pushes
        self._mailbox, self._sms = mailbox, sms
        self._now, self._settings, self._link_for, self._event = now, settings, link_for, on_event
        self._activations: dict[str, Activation] = {}
        self._lock = threading.RLock()

    # -- step 3-5: the request and the contact details ---------------------------------
    def request(self, typed: Any, device_id: str, accept_cgu: Any) -> Activation:
        if accept_cgu is not True:
            raise ActivationError("cgu_not_accepted")
        text = "".join(typed.split()) if isinstance(typed, str) else ""
        if text.isdigit() and len(text) == RPPS_LENGTH:
            raise ActivationError("bare_rpps", text)
        try:
            national = parse_national_id(text, sandbox=True)
        except NationalIdError as error:
            raise ActivationError("invalid_national_id") from error
        identity = self._identities.get(national.value)
        if identity is None:
            raise ActivationError("unknown_identity", national.value)
        if national.type not in ("RPPS", "EDIT"):
            raise ActivationError("card_only")  # ADELI & co: card-based activation only
        if not identity.has_contact_details:
            raise ActivationError("no_contact_details")
        with self._lock:
            for old in self._activations.values():
                if old.national_id == identity.national_id and old.state in (CONTACTS_SHOWN, EMAIL_SENT, SMS_SENT,
                                                                             PIN_REQUIRED):
                    old.state = CANCELLED
            activation = Activation(str(uuid.uuid4()), identity.national_id, identity.email, identity.mobile,
                                    device_id, self._now())
            self._activations[activation.id] = activation
        self._event("activation.requested", activation_id=activation.id, national_id=activation.national_id,
                    device_id=device_id)
        return activation

    def get(self, activation_id: str) -> Activation:
        with self._lock:
            activation = self._activations.get(activation_id)
        if activation is None:
            raise ActivationError("not_found")
        return activation

    def latest_for_device(self, device_id: str) -> Activation | None:
        with self._lock:
            mine = [a for a in self._activations.values() if device_id in (a.requested_by, a.device_id)]
        return max(mine, key=lambda a: a.created_at, default=None)

    def _step(self, activation_id: str, expected: str, device_id: str | None = None) -> Activation:
        activation = self.get(activation_id)
        if activation.state != expected:
            raise ActivationError("wrong_step", activation.state)
        if device_id is not None and activation.device_id and device_id != activation.device_id:
            raise ActivationError("wrong_device")
        return activation

    def _move(self, activation: Activation, state: str, **fields: Any) -> None:
        activation.state = state
        self._event("activation." + state, activation_id=activation.id, national_id=activation.national_id,
                    **fields)

    def confirm(self, activation_id: str) -> Activation:
        """Step 5 then 6: contacts are right, an e-mail goes out with the link and its QR code."""
        with self._lock:
            activation = self._step(activation_id, CONTACTS_SHOWN)
            activation.token = secrets.token_urlsafe(24)
            activation.link_expires_at = self._now() + self._settings.activation_link_lifetime
            self._move(activation, EMAIL_SENT)
        link = self._link_for(activation.token)
        self._mailbox.send(
            activation.email, "Activation de votre e-CPS",
            "Bonjour,\n\nPour activer votre e-CPS, cliquez sur « Démarrer l'activation » depuis le téléphone "
            "où est installée l'application e-CPS, ou scannez le QR code ci-joint avec l'application "
            f"si vous lisez ce message sur un ordinateur.\n\nDémarrer l'activation : {link}\n\n"
            f"Ce lien est valable {self._settings.activation_link_lifetime // 60} minutes.",
            link=link)
        return activation

    def decline(self, activation_id: str) -> Activation:
        """Note 1: wrong contact details are the Ordre's to fix."""
        with self._lock:
            activation = self._step(activation_id, CONTACTS_SHOWN)
            self._move(activation, DECLINED)
        return activation

    # -- step 7-8: the phone opens the link or scans the QR code --------------------------
    def start(self, link_or_token: Any, device_id: str, via: str = "link") -> Activation:
        token = _token_of(link_or_token)
        with self._lock:
            found = [a for a in self._activations.values() if token and hmac.compare_digest(a.token, token)]
            if not found or found[0].state not in (EMAIL_SENT, EXPIRED):
                raise ActivationError("invalid_link")
            activation = found[0]
            if activation.state == EXPIRED or self._now() >= activation.link_expires_at:
                if activation.state != EXPIRED:
                    self._move(activation, EXPIRED, reason="link_expired")
                raise ActivationError("link_expired")
            activation.device_id = device_id
            activation.sms_code = f"{secrets.randbelow(10**6):06d}"
            activation.sms_expires_at = self._now() + self._settings.sms_code_lifetime
            activation.sms_attempts_left = self._settings.sms_code_attempts
            self._move(activation, SMS_SENT, device_id=device_id, via=via)
        self._sms.send(activation.mobile, f"e-CPS : votre code d'activation est {activation.sms_code}. "
                                          "Ne le communiquez à personne.", code=activation.sms_code)
        return activation

    # -- step 9: the SMS code ---------------------------------------------------------------
    def submit_code(self, activation_id: str, code: Any, device_id: str) -> Activation:
        with self._lock:
            activation = self._step(activation_id, SMS_SENT, device_id)
            if self._now() >= activation.sms_expires_at:
                self._move(activation, EXPIRED, reason="code_expired")
                raise ActivationError("code_expired")
            if not isinstance(code, str) or not SMS_CODE.match(code):
                raise ActivationError("malformed_code")
            if not hmac.compare_digest(code, activation.sms_code):
                activation.sms_attempts_left -= 1
                if activation.sms_attempts_left <= 0:
                    self._move(activation, FAILED, reason="too_many_codes")
                    raise ActivationError("too_many_codes")
                self._event("activation.wrong_code", activation_id=activation.id,
                            attempts_left=activation.sms_attempts_left)
                raise ActivationError("invalid_code", activation.sms_attempts_left,
                                      attempts_left=activation.sms_attempts_left)
            self._move(activation, PIN_REQUIRED)
        return activation

    # -- step 10: the PIN; the e-CPS now lives on this phone only ------------------------------
    def choose_pin(self, activation_id: str, pin: Any, device_id: str, confirmation: Any = None) -> Activation:
        with self._lock:
            activation = self._step(activation_id, PIN_REQUIRED, device_id)
            if not isinstance(pin, str) or not PIN_FORMAT.match(pin):
                raise ActivationError("invalid_pin_format")
            if confirmation is not None and confirmation != pin:
                raise ActivationError("pin_mismatch")
            self._move(activation, ACTIVE, device_id=activation.device_id)
        # A push waiting on the old phone can no longer be answered there.
        self._pushes.cancel_for(activation.national_id, "ecps_moved")
        self._ecps.activate(activation.national_id, activation.device_id, pin)
        return activation


def _token_of(link_or_token: Any) -> str:
    """The token from a full activation link (what the QR code holds) or the bare token."""
    if not isinstance(link_or_token, str):
        return ""
    match = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", link_or_token)
    return match.group(1) if match else link_or_token.strip()
