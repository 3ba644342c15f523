"""What smur-iam manages in a realm, recorded in the realm itself (one realm attribute).

The record lists, per resource type, the natural key of every object the files
state, with a digest of what the files said at the last apply. It decides:

- deletes: only an object in the record that has left the files is deleted;
  anything else Keycloak holds was made by hand and is only reported;
- drift: a difference on an object whose files are unchanged since the last
  apply (same digest) was made by hand in Keycloak.

`apply` writes the record *before* creating objects (so an interrupted run
leaves no object nobody owns) and again at the end (dropping deleted keys).
Digests of secrets use the secret's salted fingerprint, never the secret.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .config.references import SecretValue

RECORD_ATTRIBUTE = "smurIam.ownership"
FORMAT = 1


class OwnershipRecordError(Exception):
    """The realm's record is not one smur-iam can read (edited by hand?)."""


def canonical_json(value, salt: str = "") -> str:
    """Stable JSON of a representation: sorted keys, secrets replaced by their salted fingerprint."""
    def default(obj):
        if isinstance(obj, SecretValue):
            return obj.fingerprint(salt)
        if isinstance(obj, (set, frozenset, tuple)):
            return sorted(obj) if isinstance(obj, (set, frozenset)) else list(obj)
        return str(obj)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def object_digest(realm: str, kind: str, key: str, rep: dict) -> str:
    text = canonical_json(rep, salt=f"{realm}/{kind}/{key}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def who_am_i() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class OwnershipRecord:
    objects: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> key -> digest
    last_apply: dict = field(default_factory=dict)  # {"at": ISO time, "by": user@host}

    def keys(self, kind: str) -> set[str]:
        return set(self.objects.get(kind, {}))

    def digest(self, kind: str, key: str) -> str | None:
        return self.objects.get(kind, {}).get(key)

    @property
    def exists(self) -> bool:
        return bool(self.objects or self.last_apply)

    def to_attribute(self) -> str:
        return canonical_json({"format": FORMAT, "objects": self.objects, "lastApply": self.last_apply})

    @classmethod
    def from_attributes(cls, attributes: dict, realm: str) -> OwnershipRecord:
        text = (attributes or {}).get(RECORD_ATTRIBUTE)
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            objects = {kind: dict(keys) for kind, keys in data["objects"].items()}
            return cls(objects, dict(data.get("lastApply") or {}))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise OwnershipRecordError(
                f"realm '{realm}': the realm attribute {RECORD_ATTRIBUTE} is not a smur-iam ownership record "
                f"({exc}); restore it or remove the attribute (smur-iam then manages only what the files state "
                "and deletes nothing)") from None


def union(first: dict[str, dict[str, str]], second: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every key of both records (the second's digests win)."""
    result = {kind: dict(keys) for kind, keys in first.items()}
    for kind, keys in second.items():
        result.setdefault(kind, {}).update(keys)
    return result


def stamp() -> dict:
    return {"at": datetime.now(UTC).isoformat(timespec="seconds"), "by": who_am_i()}
