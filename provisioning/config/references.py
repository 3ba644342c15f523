"""`${env:NAME}` and `${file:PATH}` references: how secrets and per-deployment values enter the files.

Secrets are never written in clear in `realm/`; a secret field must be a
reference, resolved at load time into a `SecretValue` whose repr is masked, so
it cannot leak into a plan, a log line or an exception message.

Only the fields the model marks take references (see reference_fields.py): the
secrets, and a few per-deployment values (redirect URIs, the PSC client id, the
PSC environment and issuer) that take `${env:NAME}` / `${env:NAME:-default}`
only. A non-secret value shows in plans, so it may never read a variable that
holds a secret. `${file:PATH}` is read relative to the file holding it, and only
inside the configuration directory or a directory the deployment allows.
`${CLAIM.x}` and other Keycloak templates are not references and are left alone.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .fingerprint import secret_fingerprint

REFERENCE = re.compile(r"\$\{(env|file):([^}:]+)(?::-([^}]*))?\}")
# The start of a reference, well-formed or not: what a field that takes none must not hold.
REFERENCE_START = re.compile(r"\$\{(env|file):")
# A variable named like this holds a secret (PSC_CLIENT_SECRET_*, SMUR_IAM_ADMIN_PASSWORD, ...).
SECRET_LOOKING_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE", re.IGNORECASE)
# Where `${file:}` may also read when the deployment does not say (Docker and Kubernetes secrets).
DEFAULT_SECRET_DIRECTORIES = ("/run/secrets",)
MASK = "********"


class ReferenceError_(ValueError):
    """A reference that cannot be resolved; the message names it."""


class UnsetVariable(ReferenceError_):
    """`${env:NAME}` without a default, and NAME is not set."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"environment variable {name} is not set (referenced as ${{env:{name}}})")


class ReferencesAllowed:
    """Marks a type of the model as taking references (``kind``: "secret" or "value"); every
    other field refuses them. Read by reference_fields.py, which lists and checks them."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return f"ReferencesAllowed({self.kind!r})"


SECRET_REFERENCE = ReferencesAllowed("secret")
VALUE_REFERENCE = ReferencesAllowed("value")


@dataclass(frozen=True)
class FileScope:
    """Where `${file:PATH}` may read: PATH relative to ``base_dir`` (the directory of the file
    holding the reference), and the result, symlinks and `..` resolved, inside
    ``config_dir`` or one of ``allowed_dirs``."""
    base_dir: Path
    config_dir: Path
    allowed_dirs: tuple[str, ...] = DEFAULT_SECRET_DIRECTORIES

    def path_of(self, name: str) -> Path:
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        resolved = path.resolve()
        roots = [Path(self.config_dir).resolve(), *(Path(d).resolve() for d in self.allowed_dirs)]
        if not any(resolved.is_relative_to(root) for root in roots):
            allowed = ", ".join(self.allowed_dirs) or "none"
            raise ReferenceError_(
                f"${{file:{name}}} resolves to {resolved}, outside the configuration directory {roots[0]} "
                f"and the allowed secret directories ({allowed}): keep the file in the configuration "
                "directory or list its directory in deployment.yaml's allowedSecretDirectories")
        return resolved


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


class SecretFile:
    """A `${file:PATH}` reference resolved to the file's bytes: certificates, private keys, PKCS#12
    keystores, which may be binary. Masked like a secret; `.reveal()` gives the bytes."""

    __slots__ = ("_data", "path", "reference")

    def __init__(self, data: bytes, path: Path, reference: str):
        self._data = data
        self.path = path
        self.reference = reference

    def reveal(self) -> bytes:
        return self._data

    def __eq__(self, other):
        return isinstance(other, SecretFile) and other._data == self._data

    def __hash__(self):
        return hash(self._data)

    def __repr__(self) -> str:
        return f"SecretFile({self.reference} -> {MASK})"

    __str__ = __repr__


def _env_value(name: str, default: str | None, env: Mapping[str, str]) -> str:
    if name in env and env[name] != "":
        return env[name]
    if default is not None:
        return default
    raise UnsetVariable(name)


def _file_value(name: str, scope: FileScope) -> str:
    path = scope.path_of(name)
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ReferenceError_(f"cannot read {path} (referenced as ${{file:{name}}}): {reason}") from None


def _well_formed(text: str) -> None:
    """Every `${env:`/`${file:` must start a whole reference: a broken one is an error, never left as text."""
    starts = {m.start() for m in REFERENCE.finditer(text)}
    for m in REFERENCE_START.finditer(text):
        if m.start() not in starts:
            raise ReferenceError_(f"malformed reference '{text[m.start():m.start() + 40]}': expected "
                                  "${env:NAME}, ${env:NAME:-default} or ${file:PATH}")


def expand_values(text: str, env: Mapping[str, str], secret_variables: Mapping[str, str] | None = None) -> str:
    """A non-secret field's `${env:NAME}` / `${env:NAME:-default}` references, replaced by their values.

    Its value shows in plans, so `${file:}` (where secrets live) is refused, and so is a variable that
    holds a secret: one a secret field reads (``secret_variables``: name -> where), or named like one.
    """
    _well_formed(text)

    def value(match: re.Match) -> str:
        kind, name, default = match[1], match[2], match[3]
        if kind == "file":
            raise ReferenceError_(f"${{file:{name}}}: ${{file:…}} is for secrets; this field shows in plans and "
                                  "takes ${env:NAME} or ${env:NAME:-default} only")
        where = (secret_variables or {}).get(name)
        if where:
            raise ReferenceError_(f"${{env:{name}}} is a secret (read by {where}): this field shows in plans "
                                  "and may not read it")
        if SECRET_LOOKING_NAME.search(name):
            raise ReferenceError_(f"${{env:{name}}}: the variable is named like a secret; this field shows "
                                  "in plans and may not read it")
        return _env_value(name, default, env)

    return REFERENCE.sub(value, text)


def resolve_secret(text: str, env: Mapping[str, str], scope: FileScope, resolve: bool = True) -> SecretValue:
    """A secret field must be exactly one reference: a literal secret is refused.

    ``resolve=False`` checks the reference only (`validate --no-secrets`, on a
    machine that does not hold the secrets); the value is then empty. A `${file:}`
    outside the allowed directories is refused either way.
    """
    match = REFERENCE.fullmatch(text.strip())
    if not match:
        raise ReferenceError_(
            "secrets must not be written in clear: use ${env:NAME} or ${file:PATH}"
        )
    kind, name, default = match[1], match[2], match[3]
    if default is not None:
        raise ReferenceError_(f"{match[0]}: a secret reference takes no default (it would be a secret in clear)")
    if kind == "file":
        scope.path_of(name)  # refused outside the allowed directories, even when not read
    if not resolve:
        return SecretValue("", match[0])
    value = _file_value(name, scope) if kind == "file" else _env_value(name, None, env)
    return SecretValue(value, match[0])


def resolve_secret_file(text: str, scope: FileScope, resolve: bool = True) -> SecretFile:
    """A field holding a file (a certificate, a key): exactly one `${file:PATH}`, read as bytes, inside
    the allowed directories. ``resolve=False`` checks the reference only (the bytes are then empty)."""
    match = REFERENCE.fullmatch(text.strip())
    if not match or match[1] != "file" or match[3] is not None:
        raise ReferenceError_("expected a ${file:PATH} reference to the file (PEM or PKCS#12 are files, "
                              "never written in the configuration)")
    path = scope.path_of(match[2])
    if not resolve:
        return SecretFile(b"", path, match[0])
    try:
        return SecretFile(path.read_bytes(), path, match[0])
    except OSError as exc:
        raise ReferenceError_(f"cannot read {path} (referenced as {match[0]}): {exc.strerror}") from None
