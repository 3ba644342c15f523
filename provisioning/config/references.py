"""`${env:NAME}` and `${file:PATH}` references: how secrets and per-deployment values enter the files.

Secrets are never written in clear in `realm/`; a secret field must be a
reference, resolved at load time into a `SecretValue` whose repr is masked, so
it cannot leak into a plan, a log line or an exception message.
Non-secret fields may also use `${env:NAME:-default}` (e.g. the PSC issuer of
the mock, which differs per machine). `${CLAIM.x}` and other Keycloak
templates are not references and are left alone.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .fingerprint import secret_fingerprint

REFERENCE = re.compile(r"\$\{(env|file):([^}:]+)(?::-([^}]*))?\}")
MASK = "********"


class ReferenceError_(ValueError):
    """A reference that cannot be resolved; the message names it."""


class SecretValue:
    """A resolved secret. `str()` and `repr()` are masked; `.reveal()` is explicit."""

    __slots__ = ("_value", "reference")

    def __init__(self, value: str, reference: str):
        self._value = value
        self.reference = reference

    def reveal(self) -> str:
        return self._value

    def fingerprint(self, salt: str) -> str:
        """A salted slow hash (scrypt, see fingerprint.py), stored in Keycloak to detect rotation
        without reading the secret back."""
        return secret_fingerprint(salt, self._value)

    def __eq__(self, other):
        return isinstance(other, SecretValue) and other._value == self._value

    def __hash__(self):
        return hash(self._value)

    def __repr__(self) -> str:
        return f"SecretValue({self.reference} -> {MASK})"

    __str__ = __repr__


def _resolve_one(kind: str, name: str, default: str | None, env: Mapping[str, str], base_dir: Path) -> str:
    if kind == "env":
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        raise ReferenceError_(f"environment variable {name} is not set (referenced as ${{env:{name}}})")
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        if default is not None:
            return default
        raise ReferenceError_(f"cannot read {path} (referenced as ${{file:{name}}}): {exc.strerror}") from None


def expand(text: str, env: Mapping[str, str], base_dir: Path) -> str:
    """Replace every `${env:..}`/`${file:..}` in ``text``."""
    return REFERENCE.sub(lambda m: _resolve_one(m[1], m[2], m[3], env, base_dir), text)


def resolve_secret(text: str, env: Mapping[str, str], base_dir: Path, resolve: bool = True) -> SecretValue:
    """A secret field must be exactly one reference: a literal secret is refused.

    ``resolve=False`` checks the reference only (`validate --no-secrets`, on a
    machine that does not hold the secrets); the value is then empty.
    """
    match = REFERENCE.fullmatch(text.strip())
    if not match:
        raise ReferenceError_(
            "secrets must not be written in clear: use ${env:NAME} or ${file:PATH}"
        )
    if not resolve:
        return SecretValue("", match[0])
    return SecretValue(_resolve_one(match[1], match[2], match[3], env, base_dir), match[0])
