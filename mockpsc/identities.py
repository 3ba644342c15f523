"""Health professionals known to the mock: their directory record, their e-CPS
and CPS card as the file describes them, the acr their logins achieve and
whether they have access to medical regulation.

An identity mirrors one RPPS directory record (one exercice per profession, one
activity per workplace). Field names are short snake_case; ``claims.py`` maps
them to PSC's claim names, so file authors never type PSC's spellings. The live
state of an e-CPS or a card (PIN attempts, lock) is in ``ecps.py`` / ``cards.py``.
"""
from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from mockpsc.acr import AcrError, checked_level
from psc_ids.national_id import NationalIdError, parse_national_id

DEFAULT_FILE = Path(__file__).parent / "data" / "identities.yaml"
# Fixed namespace: the same national id always gets the same PSC uuid, run after run.
SUB_NAMESPACE = uuid.UUID("6f1c2a52-3f0e-4d57-9a43-5a0c0d9e3b11")
PIN_FORMAT = re.compile(r"^[0-9]{4}$")


class IdentityError(ValueError):
    """An identity the mock refuses; the message names the file and entry."""


@dataclass(frozen=True)
class Activity:
    mode: str = ""  # codeModeExercice: S salarié, L libéral
    secteur: str = ""  # codeSecteurDactivite: SA01 établissement public, SA07 cabinet…
    role: str = ""
    siret: str = ""
    siren: str = ""
    finess: str = ""
    finess_juridique: str = ""
    structure_id: str = ""  # identifiantTechniqueDeLaStructure
    raison_sociale: str = ""
    enseigne: str = ""
    complement_destinataire: str = ""
    numero_voie: str = ""
    type_voie: str = ""
    libelle_voie: str = ""
    bureau_cedex: str = ""
    code_postal: str = ""
    code_commune: str = ""
    code_pays: str = ""
    telephone: str = ""
    email: str = ""
    departement: str = ""
    ancien_identifiant: str = ""
    autorite_enregistrement: str = ""


@dataclass(frozen=True)
class Exercice:
    profession: str  # TRE_G15: 10 médecin, 60 infirmier…
    category: str = "C"  # TRE_R09: C civil, E étudiant, M agent public
    civilite_exercice: str = ""  # DR…
    nom_exercice: str = ""  # defaults to the identity's family name
    prenom_exercice: str = ""  # defaults to the identity's given name
    savoir_faire_type: str = ""  # TRE_R04: S spécialité ordinale…
    specialty: str = ""  # TRE_R38: SM59 médecine d'urgence…
    activities: tuple[Activity, ...] = ()


DEFAULT_DEVICE = "demo-phone"  # the phone an "already activated" e-CPS of the file is bound to
DEVICE_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EMAIL_FORMAT = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Ecps:
    """An e-CPS already activated when the mock starts (the file's shorthand);
    ``mockpsc.ecps`` holds the live state, which activation can change."""

    pin: str
    device: str = DEFAULT_DEVICE


@dataclass(frozen=True)
class Cps:
    """A CPS card (carte de professionnel de santé): what the wallet page's card reader reads.
    Its live state (wrong PINs, blocked) is in ``mockpsc.cards``."""

    pin: str


@dataclass(frozen=True)
class Identity:
    national_id: str
    id_type: str  # RPPS, ADELI, EDIT… from parse_national_id
    given_name: str
    family_name: str
    civilite: str = ""  # codeCivilite: M, MME
    exercices: tuple[Exercice, ...] = ()
    ecps: Ecps | None = None
    sub_uuid: str = ""  # the uuid inside PSC's "f:<uuid>:<national id>" sub
    # Contact details the Ordre holds: where activation mails and SMS codes go.
    email: str = ""
    mobile: str = ""  # normalised to 10 digits, 06/07…
    cps: Cps | None = None  # the CPS card, if the professional has one
    # The acr this person's logins achieve, when not the mock's default for the method
    # (mockpsc/acr.py): e.g. ecps_acr "eidas2" for someone whose e-CPS logins return eidas2.
    ecps_acr: str = ""
    card_acr: str = ""
    regulation: bool = False  # userinfo Acces_Regulation_Medicale: VRAI / FAUX

    @property
    def has_contact_details(self) -> bool:
        return bool(self.email and self.mobile)


def _text(data: Mapping[str, Any], key: str, where: str, default: str | None = "") -> str:
    value = data.get(key, default)
    if value is None and default is None:
        raise IdentityError(f"{where}: '{key}' is required")
    if not isinstance(value, str):
        # YAML turns 01234 into an octal int and 10 into an int: demand quotes.
        raise IdentityError(f"{where}: '{key}' must be a string (quote it in YAML), got {value!r}")
    return value


def _check_keys(data: Any, allowed: Iterable[str], where: str) -> Mapping[str, Any]:
    allowed = list(allowed)
    if not isinstance(data, Mapping):
        raise IdentityError(f"{where}: expected a mapping with keys among {allowed}")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise IdentityError(f"{where}: unknown key(s) {unknown}; allowed: {allowed}")
    return data


def _activity(data: Any, where: str) -> Activity:
    names = [f.name for f in fields(Activity)]
    data = _check_keys(data, names, where)
    return Activity(**{name: _text(data, name, where) for name in names if name in data})


def _exercice(data: Any, where: str) -> Exercice:
    names = [f.name for f in fields(Exercice)]
    data = _check_keys(data, names, where)
    values = {n: _text(data, n, where) for n in names if n in data and n != "activities"}
    values["profession"] = _text(data, "profession", where, default=None)
    raw = data.get("activities") or []
    if not isinstance(raw, list):
        raise IdentityError(f"{where}: 'activities' must be a list")
    values["activities"] = tuple(_activity(a, f"{where}.activities[{i}]") for i, a in enumerate(raw))
    return Exercice(**values)


IDENTITY_KEYS = ("national_id", "given_name", "family_name", "civilite", "exercices", "ecps", "sub_uuid",
                 "email", "mobile", "cps", "ecps_acr", "card_acr", "regulation")
# What PATCH /__mock/identities/{id} and MockPSC.update_identity may change without
# re-adding the person (which would start their e-CPS afresh).
CHANGEABLE_KEYS = ("cps", "ecps_acr", "card_acr", "regulation")


def normalise_mobile(text: str) -> str | None:
    """``06 12 34 56 78``, ``06.12.34.56.78`` or ``+33 6 12 34 56 78`` -> ``0612345678``; None if not a mobile."""
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    return digits if re.fullmatch(r"0[67][0-9]{8}", digits) else None


def _contacts(data: Mapping[str, Any], where: str) -> tuple[str, str]:
    email = _text(data, "email", where)
    if email and not EMAIL_FORMAT.match(email):
        raise IdentityError(f"{where}: 'email' is not an e-mail address: {email!r}")
    raw_mobile = _text(data, "mobile", where)
    mobile = normalise_mobile(raw_mobile) if raw_mobile else ""
    if mobile is None:
        raise IdentityError(f"{where}: 'mobile' must be a French mobile number (06/07 + 8 digits), got {raw_mobile!r}")
    return email, mobile


def _cps(data: Mapping[str, Any], where: str) -> Cps | None:
    if data.get("cps") is None:
        return None
    raw = _check_keys(data["cps"], ["pin"], f"{where}.cps")
    pin = _text(raw, "pin", f"{where}.cps", default=None)
    if not PIN_FORMAT.match(pin):
        raise IdentityError(f"{where}.cps: 'pin' must be 4 digits")
    return Cps(pin=pin)


def _acr(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    try:
        return checked_level(value, f"{where}: '{key}'")
    except AcrError as error:
        raise IdentityError(str(error)) from None


def _regulation(data: Mapping[str, Any], where: str) -> bool:
    value = data.get("regulation", False)
    if not isinstance(value, bool):
        raise IdentityError(f"{where}: 'regulation' must be true or false, got {value!r}")
    return value


def identity_from_mapping(data: Any, where: str = "identity") -> Identity:
    """Build and validate an identity from a YAML entry or JSON body."""
    data = _check_keys(data, IDENTITY_KEYS, where)
    raw_id = data.get("national_id")
    if raw_id is None:
        raise IdentityError(f"{where}: 'national_id' is required")
    try:
        # sandbox=True: EDIT test identities (no prefix, no Luhn) exist at PSC's sandbox.
        national = parse_national_id(raw_id, sandbox=True)
    except NationalIdError as error:
        raise IdentityError(f"{where}: invalid national_id: {error}") from error
    where = f"{where} ({national.value})"
    ecps = None
    if data.get("ecps") is not None:
        raw_ecps = _check_keys(data["ecps"], ["pin", "device"], f"{where}.ecps")
        pin = _text(raw_ecps, "pin", f"{where}.ecps", default=None)
        if not PIN_FORMAT.match(pin):
            raise IdentityError(f"{where}.ecps: 'pin' must be 4 digits")
        device = _text(raw_ecps, "device", f"{where}.ecps") or DEFAULT_DEVICE
        if not DEVICE_FORMAT.match(device):
            raise IdentityError(f"{where}.ecps: 'device' must be 1-64 letters, digits, '.', '_' or '-'")
        ecps = Ecps(pin=pin, device=device)
    email, mobile = _contacts(data, where)
    raw_exercices = data.get("exercices") or []
    if not isinstance(raw_exercices, list):
        raise IdentityError(f"{where}: 'exercices' must be a list")
    sub_uuid = _text(data, "sub_uuid", where) or str(uuid.uuid5(SUB_NAMESPACE, national.value))
    try:
        uuid.UUID(sub_uuid)
    except ValueError as error:
        raise IdentityError(f"{where}: 'sub_uuid' is not a UUID") from error
    return Identity(
        national_id=national.value,
        id_type=national.type,
        given_name=_text(data, "given_name", where, default=None),
        family_name=_text(data, "family_name", where, default=None),
        civilite=_text(data, "civilite", where),
        exercices=tuple(_exercice(e, f"{where}.exercices[{i}]") for i, e in enumerate(raw_exercices)),
        ecps=ecps,
        sub_uuid=sub_uuid,
        email=email,
        mobile=mobile,
        cps=_cps(data, where),
        ecps_acr=_acr(data, "ecps_acr", where),
        card_acr=_acr(data, "card_acr", where),
        regulation=_regulation(data, where),
    )


def identity_with_changes(identity: Identity, changes: Any, where: str = "identity") -> Identity:
    """``identity`` with some of CHANGEABLE_KEYS changed (same checks as in a file;
    ``cps: null`` takes the card away, ``ecps_acr``/``card_acr: null`` back to the default)."""
    where = f"{where} ({identity.national_id})"
    if not isinstance(changes, Mapping) or not changes:
        raise IdentityError(f"{where}: expected a non-empty mapping with keys among {list(CHANGEABLE_KEYS)}")
    changes = _check_keys(changes, CHANGEABLE_KEYS, where)
    updated: dict[str, Any] = {}
    if "cps" in changes:
        updated["cps"] = _cps(changes, where)
    for key in ("ecps_acr", "card_acr"):
        if key in changes:
            updated[key] = _acr(changes, key, where)
    if "regulation" in changes:
        updated["regulation"] = _regulation(changes, where)
    return replace(identity, **updated)


def load_identities_file(path: str | Path) -> list[Identity]:
    """Read ``identities: [...]`` (or a bare list); refuse duplicates and bad ids."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise IdentityError(f"{path}: cannot read identities file: {error}") from error
    entries = doc.get("identities") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise IdentityError(f"{path}: expected a list under 'identities:'")
    seen: dict[str, int] = {}
    result = []
    for i, entry in enumerate(entries):
        identity = identity_from_mapping(entry, f"{path}: identities[{i}]")
        if identity.national_id in seen:
            raise IdentityError(
                f"{path}: identities[{i}]: national_id {identity.national_id} "
                f"already defined at identities[{seen[identity.national_id]}]"
            )
        seen[identity.national_id] = i
        result.append(identity)
    return result


class IdentityStore:
    """The professionals PSC knows (their e-CPS live state is in ``mockpsc.ecps``)."""

    def __init__(self) -> None:
        self._identities: dict[str, Identity] = {}
        self._lock = threading.Lock()

    def put(self, identity: Identity) -> None:
        with self._lock:
            self._identities[identity.national_id] = identity

    def get(self, national_id: str | None) -> Identity | None:
        with self._lock:
            return self._identities.get(national_id or "")

    def all(self) -> list[Identity]:
        with self._lock:
            return list(self._identities.values())
