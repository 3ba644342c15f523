"""National identifiers of health professionals (idNat_PS), as PSC sends them.

A national id is a one-character type prefix followed by the identifier
(ANS TRE_G08): ``8`` + 11-digit RPPS is what e-CPS users type; ``0`` + 9-digit
ADELI, ``3``/``4``/``5`` + FINESS/SIREN/SIRET-based ids for establishment staff.
The RPPS carries a Luhn check digit, so a typo is caught before it reaches
Keycloak. Sandbox identities made with ANS's EDIT tool have no prefix at all.

Digits are ASCII 0-9 only: `str.isdigit()` and `\\d` also accept fullwidth,
Arabic-Indic and other Unicode digits, which PSC never sends and which Keycloak
would store as another string. The Java extension applies the same rules
(NationalId.parse); tests/vectors/national-ids.json is checked against both.
"""
from __future__ import annotations

import re
import unicodedata
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
ASCII_DIGITS = frozenset("0123456789")
# What ids other than RPPS and ADELI (FINESS, SIRET... + "/" + a local id) are made of.
_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x21, 0x7F))


class NationalIdError(ValueError):
    """A national id that PSC would never send; the message says what is expected."""


# Characters a reader cannot see or tell from a space: format characters (the byte order mark
# U+FEFF a spreadsheet leaves, zero-width spaces and joiners, direction marks) and every space or
# line separator but the ASCII space (U+00A0 NO-BREAK SPACE...).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp"})
_WHY_THERE = {"\ufeff": "a byte order mark, BOM"}


def is_invisible(char: str) -> bool:
    return char != " " and unicodedata.category(char) in _INVISIBLE_CATEGORIES


def first_invisible(text: str) -> int | None:
    """Index of the first invisible character of ``text`` (see is_invisible), if any."""
    return next((i for i, c in enumerate(text) if is_invisible(c)), None)


def describe_character(char: str) -> str:
    """``'１' (U+FF11 FULLWIDTH DIGIT ONE)``; an invisible one by code point and name,
    ``U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: a byte order mark, BOM)``; control and
    unassigned characters by code point only."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if is_invisible(char):
        why = _WHY_THERE.get(char)
        return f"{code} {name} (invisible{': ' + why if why else ''})"
    if unicodedata.category(char).startswith("C"):
        return code
    return f"'{char}' ({code} {name})" if name else f"'{char}' ({code})"


def shown(text: str) -> str:
    """``text`` safe to print and to read: control and invisible characters (a terminal escape, a
    byte order mark) as \\uXXXX."""
    return "".join(f"\\u{ord(c):04X}" if unicodedata.category(c) == "Cc" or is_invisible(c) else c for c in text)


def is_ascii_digits(text: str) -> bool:
    return bool(text) and all(c in ASCII_DIGITS for c in text)


def first_outside(text: str, allowed: frozenset[str] = ASCII_DIGITS) -> int | None:
    """Index of the first character of ``text`` not in ``allowed`` (ASCII digits by default)."""
    return next((i for i, c in enumerate(text) if c not in allowed), None)


def luhn_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Luhn check digit."""
    if not is_ascii_digits(digits):
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
    if is_ascii_digits(text) and len(text) == RPPS_LENGTH:
        raise NationalIdError(
            f"'{shown(text)}' looks like a bare RPPS: a national id puts an '8' in front (8{shown(text)})"
        )
    if sandbox and _EDIT_SANDBOX.match(text):
        return NationalId(text, "EDIT")
    prefix, rest = text[0], text[1:]
    if is_invisible(prefix):
        raise NationalIdError(
            f"'{shown(text)}' starts with {describe_character(prefix)} before its type prefix: remove it"
        )
    if prefix not in ID_TYPES:
        prefix_shown = f"'{prefix}'" if prefix in _PRINTABLE_ASCII else describe_character(prefix)
        raise NationalIdError(
            f"'{shown(text)}' has unknown type prefix {prefix_shown} (expected one of "
            + ", ".join(f"{p}={t}" for p, t in ID_TYPES.items())
            + ")"
        )
    id_type = ID_TYPES[prefix]
    # Position 1 is the prefix: positions count from the id's first character.
    allowed = ASCII_DIGITS if id_type in ("RPPS", "ADELI") else _PRINTABLE_ASCII
    bad = first_outside(rest, allowed)
    if bad is not None:
        expected = "a digit 0-9" if allowed is ASCII_DIGITS else "allowed (printable ASCII only)"
        raise NationalIdError(
            f"'{shown(text)}': character {describe_character(rest[bad])} at position {bad + 2} is not {expected}"
        )
    if id_type == "RPPS":
        if len(rest) != RPPS_LENGTH:
            raise NationalIdError(
                f"'{shown(text)}': an RPPS national id is '8' followed by {RPPS_LENGTH} digits "
                f"(got {len(rest)} characters after the 8)"
            )
        if not luhn_valid(rest):
            raise NationalIdError(f"'{shown(text)}': RPPS {rest} fails its Luhn check digit (typo?)")
    elif id_type == "ADELI":
        if len(rest) != ADELI_LENGTH:
            raise NationalIdError(
                f"'{shown(text)}': an ADELI national id is '0' followed by {ADELI_LENGTH} digits"
            )
    elif not rest:
        raise NationalIdError(f"'{shown(text)}': nothing after the type prefix '{prefix}'")
    return NationalId(text, id_type)
