"""National identifiers of health professionals (idNat_PS), as PSC sends them.

A national id is a one-character type prefix followed by the identifier
(ANS TRE_G08): ``8`` + 11-digit RPPS is what e-CPS users type; ``0`` + 9-digit
ADELI, ``3``/``4``/``5`` + FINESS/SIREN/SIRET-based ids for establishment staff.
The RPPS carries a Luhn check digit, so a typo is caught before it reaches
Keycloak. Sandbox identities made with ANS's EDIT tool have no prefix at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ID_TYPES = {
    "0": "ADELI",
    "1": "ADELI_CABINET",
    "3": "FINESS",
    "4": "SIREN",
    "5": "SIRET",
    "6": "RPPS_CABINET",
    "8": "RPPS",
}
RPPS_LENGTH = 11
ADELI_LENGTH = 9
_EDIT_SANDBOX = re.compile(r"^[A-Z]{2,}[0-9A-Z]{4,}$")


class NationalIdError(ValueError):
    """A national id that PSC would never send; the message says what is expected."""


def luhn_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Luhn check digit."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class NationalId:
    value: str  # as PSC sends it in SubjectNameID, e.g. "899700218896"
    type: str  # RPPS, ADELI, FINESS, ... or EDIT for sandbox identities

    @property
    def rpps(self) -> str | None:
        """The bare 11-digit RPPS, only for ``8``-type ids."""
        return self.value[1:] if self.type == "RPPS" else None


def parse_national_id(value: str, *, sandbox: bool = False) -> NationalId:
    """Parse and check a national id; raise NationalIdError saying what is wrong.

    ``sandbox=True`` also accepts EDIT-style test identities (no prefix, no Luhn).
    """
    if not isinstance(value, str):
        raise NationalIdError(f"expected a string, got {type(value).__name__} (quote it in YAML)")
    text = value.strip()
    if not text:
        raise NationalIdError("empty national id")
    if text.isdigit() and len(text) == RPPS_LENGTH:
        raise NationalIdError(
            f"'{text}' looks like a bare RPPS: a national id puts an '8' in front (8{text})"
        )
    if sandbox and _EDIT_SANDBOX.match(text):
        return NationalId(text, "EDIT")
    prefix, rest = text[0], text[1:]
    if prefix not in ID_TYPES:
        raise NationalIdError(
            f"'{text}' has unknown type prefix '{prefix}' (expected one of "
            + ", ".join(f"{p}={t}" for p, t in ID_TYPES.items())
            + ")"
        )
    id_type = ID_TYPES[prefix]
    if id_type == "RPPS":
        if not rest.isdigit() or len(rest) != RPPS_LENGTH:
            raise NationalIdError(
                f"'{text}': an RPPS national id is '8' followed by {RPPS_LENGTH} digits "
                f"(got {len(rest)} characters after the 8)"
            )
        if not luhn_valid(rest):
            raise NationalIdError(f"'{text}': RPPS {rest} fails its Luhn check digit (typo?)")
    elif id_type == "ADELI":
        if not rest.isdigit() or len(rest) != ADELI_LENGTH:
            raise NationalIdError(
                f"'{text}': an ADELI national id is '0' followed by {ADELI_LENGTH} digits"
            )
    elif not rest:
        raise NationalIdError(f"'{text}': nothing after the type prefix '{prefix}'")
    return NationalId(text, id_type)
