"""The PSC claims contract: the payloads the Java extension's tests read, made by the mock.

Every file in ``mappers/psc-extension/src/test/resources/psc/`` is one PSC login as
Keycloak's OIDC broker receives it: the ID token's claims and the userinfo JSON. Both come
from the functions the mock's endpoints use (``claims.build_claims`` for the person,
``tokens.session_claims`` / ``tokens.id_token_claims`` for the envelope), so a claim is
written once, in ``claims.py``, and the mock and the Java tests both see it.

PSC's variations that the extension must survive (shapes seen between samples, broken
parts) are a builder output with *drifts* applied: small named functions below, each
saying why PSC may send that. They edit what the builder made, so a new claim reaches the
drift payloads too; a drift that finds nothing to change is an error.

    python -m mockpsc.contract            # check: exit 1 with a diff when a file differs
    python -m mockpsc.contract --write    # regenerate the files

``tests/mockpsc/test_psc_claims_contract.py`` runs the check.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mockpsc.acr import CARD, ECPS, achieved_acr
from mockpsc.claims import build_claims, variant_from
from mockpsc.identities import DEFAULT_FILE, Identity, load_identities_file
from mockpsc.settings import Settings
from mockpsc.tokens import id_token_claims, session_claims

REPOSITORY = Path(__file__).resolve().parent.parent
PAYLOAD_DIR = REPOSITORY / "mappers" / "psc-extension" / "src" / "test" / "resources" / "psc"
CONTRACT_IDENTITIES = Path(__file__).parent / "data" / "contract-identities.yaml"
WRITE_COMMAND = "python -m mockpsc.contract --write"

# The login every payload records: a Grand Est broker at PSC's sandbox (reference §1), fixed
# times and ids so that the files only change when the claims do.
ISSUER = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"
CLIENT_ID = "smur-grand-est"
LOGIN_AT = 1767225600  # 2026-01-01T00:00:00Z
AUTH_TIME = LOGIN_AT - 10  # the professional confirmed on the phone 10 s before the code exchange
SID = "5b1f0f4e-0c1d-4d6a-9a55-2f7c1a0e9b11"
NONCE = "n-0S6_WzA2Mj"
JTI_NAMESPACE = uuid.UUID("0b7e8f0a-5d55-4c1e-9a1f-6f3c2d1b0e42")

Payload = dict[str, Any]  # {"id_token_claims": {...}, "userinfo": {...}}
Drift = Callable[[Payload], None]


class ContractError(ValueError):
    """The contract cannot be built as declared; the message names the payload and what is wrong."""


# --- Drifts: what PSC may send instead of the builder's shape -------------------------------
# Each edits the payload in place. "[F]" = seen in a PSC sample, "[I]" = a robustness case
# (reference: shared/reference/pro-sante-connect.md).

def _exercices(payload: Payload) -> list[dict[str, Any]]:
    return payload["userinfo"]["SubjectRefPro"]["exercices"]


def luhn_failing_rpps(payload: Payload) -> None:
    """The national id becomes 8 + 10003111463, the seed's illustrative RPPS, whose Luhn check
    digit fails [F, reference §6]. PSC relays the directory as it is: an RPPS that fails its
    check must be refused with a message naming it, never turned into an account."""
    old = payload["userinfo"]["SubjectNameID"]
    new = "810003111463"

    def replaced(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: replaced(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replaced(item) for item in value]
        if value == old:
            return new
        if isinstance(value, str) and value.startswith("f:") and value.endswith(":" + old):
            return value[: -len(old)] + new  # sub "f:<uuid>:<national id>"
        return value

    payload.update(replaced(payload))


def subject_name_id_removed(payload: Payload) -> None:
    """No SubjectNameID in the ID token nor in userinfo, preferred_username only [I]: ANS's own
    connector falls back to preferred_username, so the extension must too."""
    payload["id_token_claims"].pop("SubjectNameID")
    payload["userinfo"].pop("SubjectNameID")


def refpro_removed(payload: Payload) -> None:
    """Userinfo without SubjectRefPro [I]: a login whose scope or whose directory lookup gave no
    professional data. The national id is still there; nothing professional may be inferred."""
    payload["userinfo"].pop("SubjectRefPro")


def exercices_emptied(payload: Payload) -> None:
    """SubjectRefPro with an empty exercices list [I]: PSC could not read the record. It must not
    be taken as "no profession" (which would revoke every mapped role)."""
    _exercices(payload).clear()


def refpro_as_json_string(payload: Payload) -> None:
    """SubjectRefPro JSON-encoded inside a string [I]: what a Keycloak attribute mapper whose
    claim type is String makes of a JSON value (PSC is itself a Keycloak, reference §1)."""
    userinfo = payload["userinfo"]
    userinfo["SubjectRefPro"] = json.dumps(userinfo["SubjectRefPro"], ensure_ascii=False)


def auth_mode_lower_case(payload: Payload) -> None:
    """authMode in userinfo written in lower case ("card") [I]: the value is PSC's free text, the
    extension compares it without case."""
    userinfo = payload["userinfo"]
    userinfo["authMode"] = userinfo["authMode"].lower()


def lists_as_single_objects(payload: Payload) -> None:
    """A one-element exercices or activities list sent as the element itself [I]: what XML-to-JSON
    converters do with a repeated element that occurs once (the directory speaks XML)."""
    refpro = payload["userinfo"]["SubjectRefPro"]
    for exercice in refpro["exercices"]:
        if len(exercice["activities"]) == 1:
            exercice["activities"] = exercice["activities"][0]
    if len(refpro["exercices"]) == 1:
        refpro["exercices"] = refpro["exercices"][0]


def profession_as_number(payload: Payload) -> None:
    """codeProfession "10" sent as the number 10 [I]: a typed export of a code made of digits."""
    for exercice in _exercices(payload):
        if exercice["codeProfession"].isdigit():
            exercice["codeProfession"] = int(exercice["codeProfession"])


def siret_absent(payload: Payload) -> None:
    """Every numeroSiretSite an empty string: PSC writes "" where the directory has no value
    [F, reference §5]; an empty id is no structure id."""
    for exercice in _exercices(payload):
        for activity in exercice["activities"]:
            activity["numeroSiretSite"] = ""


def null_activity_appended(payload: Payload) -> None:
    """A null after the first exercice's activities [I]: a record with a hole. The activities
    before it must still be read, and the hole reported."""
    _exercices(payload)[0]["activities"].append(None)


def specialty_as_object(payload: Payload) -> None:
    """The last exercice's codeSavoirFaire sent as an object {"code": ...} [I]: a nomenclature
    entry serialised whole. It is ignored and reported, never read as a code."""
    exercice = _exercices(payload)[-1]
    exercice["codeSavoirFaire"] = {"code": exercice["codeSavoirFaire"]}


def activities_as_number(payload: Payload) -> None:
    """The last exercice's activities replaced by their count [I]: a serialiser that wrote a size
    instead of a list. Reported; the exercice's profession is still read."""
    exercice = _exercices(payload)[-1]
    exercice["activities"] = len(exercice["activities"])


def exercice_as_string_appended(payload: Payload) -> None:
    """An exercice that is a string, not an object [I]: reported and skipped."""
    _exercices(payload).append("exercice illisible")


# --- The payloads ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PayloadSpec:
    name: str  # the file is <name>.json
    national_id: str  # a person of mockpsc/data/identities.yaml or contract-identities.yaml
    about: str  # what the payload shows, for the file's _comment
    auth_mode: str = ECPS
    variant: str = "default"  # a name of claims.VARIANTS: the shape the PSC client gets
    drifts: tuple[Drift, ...] = ()


PAYLOADS = (
    PayloadSpec("urgentiste", "899700218896",
                "CAMILLE DURAND: one exercice, médecin SM59, one SMUR activity with FINESS, FINESS EJ, SIRET "
                "and technical id; access to medical regulation."),
    PayloadSpec("two-exercices", "899700245667",
                "SOPHIE LEROY: two exercices (10 with two activities, 60), e-CPS login."),
    PayloadSpec("interne-no-activity", "899700123450",
                "PAUL PETIT: category E (étudiant/interne), no activities at all."),
    PayloadSpec("adeli-ambulancier-card", "0670012345",
                "KEVIN MARTIN: ADELI national id (0 + 9 digits), profession 36, CPS card login (authMode CARD).",
                auth_mode=CARD),
    PayloadSpec("rpps-plus-ambulancier", "899700700000",
                "NADIA ROUX: RPPS+ ambulancier registered by the employer: no ordinal profession (empty "
                "codeProfession), codeRole 314 (TRE_R85) on the SMUR activity."),
    PayloadSpec("edit-sandbox", "ANS20231122132732",
                "KIT TEST EDIT: EDIT sandbox identity, no type prefix, otherIds origine EDIT, one exercice "
                "without activities."),
    PayloadSpec("luhn-failing-rpps", "899700366240",
                "LUCAS BERNARD's login with an 8-type national id whose RPPS fails its Luhn check digit.",
                drifts=(luhn_failing_rpps,)),
    PayloadSpec("drift-no-refpro", "899700366240",
                "Drift: userinfo without SubjectRefPro: nothing professional can be read.",
                drifts=(refpro_removed,)),
    PayloadSpec("drift-empty-exercices", "899700366240",
                "Drift: SubjectRefPro with an empty exercices list.",
                drifts=(exercices_emptied,)),
    PayloadSpec("drift-refpro-as-string", "899700366240",
                "Drift: SubjectRefPro JSON-encoded inside a string.",
                drifts=(refpro_as_json_string,)),
    PayloadSpec("drift-single-objects", "899700218896",
                "Drift: otherIDs spelling, codeCivilite at top level, authMode only in userinfo (lower case), "
                "exercices and activities sent as single objects, codeProfession as a number, empty SIRET.",
                auth_mode=CARD, variant="all-drift",
                drifts=(siret_absent, auth_mode_lower_case, profession_as_number, lists_as_single_objects)),
    PayloadSpec("drift-broken-parts", "899700245667",
                "Drift: no SubjectNameID anywhere (preferred_username only), no authMode, a null activity, a "
                "specialty sent as an object, activities as a number, an exercice that is a string. The readable "
                "parts must still be read.",
                variant="no-authMode",
                drifts=(subject_name_id_removed, null_activity_appended, specialty_as_object,
                        activities_as_number, exercice_as_string_appended)),
)


def known_identities() -> dict[str, Identity]:
    """The mock's identities and the contract's own, by national id (a person in both files is an error)."""
    people = {identity.national_id: identity for identity in load_identities_file(DEFAULT_FILE)}
    for identity in load_identities_file(CONTRACT_IDENTITIES):
        if identity.national_id in people:
            raise ContractError(f"{CONTRACT_IDENTITIES}: {identity.national_id} is already in {DEFAULT_FILE}")
        people[identity.national_id] = identity
    return people


def login_payload(identity: Identity, *, auth_mode: str = ECPS, variant: str = "default",
                  jti: str = "") -> Payload:
    """What Keycloak's broker gets from the mock for one login of ``identity``: the ID token's
    claims and the JSON userinfo (no fault armed)."""
    acr = achieved_acr(identity, auth_mode, Settings())
    person = build_claims(identity, auth_mode=auth_mode, acr=acr, variant=variant_from(variant))
    common = session_claims(person, issuer=ISSUER, client_id=CLIENT_ID, sid=SID, now=LOGIN_AT,
                            auth_time=AUTH_TIME)
    id_token = id_token_claims(person, common, client_id=CLIENT_ID, jti=jti,
                               exp=LOGIN_AT + Settings().id_token_lifetime, nonce=NONCE)
    return {"id_token_claims": id_token, "userinfo": dict(person.userinfo)}


def build_payload(spec: PayloadSpec, people: dict[str, Identity]) -> Payload:
    identity = people.get(spec.national_id)
    if identity is None:
        raise ContractError(f"payload {spec.name}: no identity {spec.national_id} in {DEFAULT_FILE.name} "
                            f"or {CONTRACT_IDENTITIES.name}")
    payload = login_payload(identity, auth_mode=spec.auth_mode, variant=spec.variant,
                            jti=str(uuid.uuid5(JTI_NAMESPACE, spec.name)))
    for drift in spec.drifts:
        before = copy.deepcopy(payload)
        try:
            drift(payload)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
            raise ContractError(f"payload {spec.name}: drift {drift.__name__} cannot apply to what the builder "
                                f"made ({type(error).__name__}: {error})") from error
        if payload == before:
            raise ContractError(f"payload {spec.name}: drift {drift.__name__} changed nothing; the builder no "
                                f"longer makes what it edits")
    return payload


def render(spec: PayloadSpec, payload: Payload) -> str:
    """The file's text: the _comment first, then builder order; indent 2, trailing newline."""
    comment = f"{spec.about} Generated by `{WRITE_COMMAND}` (mockpsc/contract.py): do not edit."
    return json.dumps({"_comment": comment, **payload}, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name -> text for every payload of the contract."""
    people = known_identities()
    names = [spec.name for spec in PAYLOADS]
    if len(set(names)) != len(names):
        raise ContractError(f"payload names repeated: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return {f"{spec.name}.json": render(spec, build_payload(spec, people)) for spec in PAYLOADS}


def differences(directory: Path = PAYLOAD_DIR, expected: dict[str, str] | None = None) -> list[str]:
    """One entry per file that is not what the contract makes: a unified diff, a missing file,
    or a file the contract does not make (a hand-written payload)."""
    expected = generate() if expected is None else expected
    found = []
    for name, text in expected.items():
        path = directory / name
        if not path.exists():
            found.append(f"{path}: missing")
            continue
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            diff = difflib.unified_diff(committed.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"{path} (committed)", f"{path} (from mockpsc/claims.py)")
            found.append("".join(diff))
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected:
            found.append(f"{path}: not made by the contract; declare it in mockpsc/contract.py PAYLOADS or delete it")
    return found


def report(found: list[str]) -> str:
    return (f"{len(found)} PSC payload file(s) differ from the mock's claims builder; "
            f"regenerate them with `{WRITE_COMMAND}` and commit them:\n\n" + "\n".join(found))


def write(directory: Path = PAYLOAD_DIR) -> list[Path]:
    """Write every payload; returns the files whose text changed."""
    if not directory.is_dir():
        raise ContractError(f"{directory}: no such directory (run from a checkout of the repository)")
    changed = []
    for name, text in generate().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockpsc.contract", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="regenerate the payload files (default: check them)")
    parser.add_argument("--dir", type=Path, default=PAYLOAD_DIR, help=f"payload directory (default: {PAYLOAD_DIR})")
    args = parser.parse_args(argv)
    try:
        if args.write:
            changed = write(args.dir)
            print(f"{len(PAYLOADS)} payloads in {args.dir}; {len(changed)} changed"
                  + "".join(f"\n  {path.name}" for path in changed))
            return 0
        found = differences(args.dir)
    except ContractError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if found:
        print(report(found), file=sys.stderr)
        return 1
    print(f"{len(PAYLOADS)} payloads in {args.dir} match the mock's claims builder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
