"""What every resource type shares: the change model and the one diff function.

A resource module follows one pattern (find by natural key → compare what the
file states → create or patch, or skip if equal):

- ``desired(ctx)``: the Keycloak representations the files ask for, by natural key;
- ``read(ctx, keys)``: what the server has for those keys (the desired ones and
  those smur-iam created earlier), read with GETs only;
- ``inventory(ctx)``: every key of that type on the server, to report objects
  made by hand (None where the type is not inventoried);
- ``create`` / ``update`` / ``delete``: the writes, run by `apply` in dependency order;
- ``export(ctx)``: the reverse of ``desired``: what the live realm holds, as the
  region file would state it (`smur-iam export`), with a warning for what the
  format cannot say; a type with nothing of its own to write says why in
  ``not_exported``.

Only fields the file states are compared and written: a field Keycloak holds
and the file does not mention is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config.references import MASK, SecretValue


@dataclass
class FieldChange:
    path: str
    before: Any
    after: Any

    @property
    def secret(self) -> bool:
        lowered = self.path.lower()
        return "secret" in lowered or isinstance(self.after, SecretValue)

    def display(self) -> tuple[str, str]:
        if self.secret:
            before = "(unset)" if self.before in (None, "") else MASK
            return before, "(removed)" if self.after is None else "(new value)"
        return show_value(self.before), show_value(self.after)


def show_value(value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# Why an object is deleted; both are shown in the plan.
LEFT_THE_FILES = "created by smur-iam, no longer in the files"
HAND_MADE = "made by hand (--prune-unmanaged)"


@dataclass
class Change:
    kind: str
    key: str
    action: str  # "create" | "update" | "delete" | "unchanged"
    desired: dict | None
    current: dict | None = None
    fields: list[FieldChange] = field(default_factory=list)
    reason: str = ""  # for deletes: LEFT_THE_FILES or HAND_MADE

    @property
    def pending(self) -> bool:
        return self.action != "unchanged"


@dataclass
class Inventory:
    """Every key of one type on the server; ``complete`` is False when only a first page was read."""
    keys: set[str]
    complete: bool = True


def stated_diff(desired, current, path: str = "") -> list[FieldChange]:
    """Differences in the fields ``desired`` states; everything else on the server is ignored.

    Lists of plain values are compared as sets (Keycloak stores redirect URIs,
    web origins and attribute values as sets and may return them reordered).
    Secret values are write-only and never compared here (see fingerprints).
    """
    if isinstance(desired, SecretValue):
        return []
    if isinstance(desired, dict):
        current = current if isinstance(current, dict) else {}
        changes = []
        for key, value in desired.items():
            changes += stated_diff(value, current.get(key), f"{path}.{key}" if path else key)
        return changes
    if isinstance(desired, list) and all(not isinstance(v, (dict, list)) for v in desired):
        if isinstance(current, list) and sorted(map(str, desired)) == sorted(map(str, current)):
            return []
        if not desired and current in (None, []):
            return []
        return [FieldChange(path, current, desired)]
    if desired != current and not (desired == "" and current is None):  # Keycloak drops empty attributes
        return [FieldChange(path, current, desired)]
    return []


def reveal(value):
    """The representation to send: secrets revealed, everything else as is."""
    if isinstance(value, SecretValue):
        return value.reveal()
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def merged(current: dict, desired: dict) -> dict:
    """``current`` with what ``desired`` states laid over it, nested maps merged (never wiped)."""
    result = dict(current)
    for key, value in desired.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


class ResourceType:
    """One kind of Keycloak object. Subclasses set `kind`, `depends_on` and the methods below."""

    kind: str = ""
    depends_on: tuple[str, ...] = ()
    # False for settings that always exist (the realm, its user profile): never deleted.
    deletable: bool = True
    # Why `export` writes nothing for this type (None: it does, see `export`).
    not_exported: str | None = None

    def desired(self, ctx) -> dict[str, dict]:
        raise NotImplementedError

    def export(self, ctx) -> dict:
        """Fields of the region file stating what the realm holds of this type (``ctx``: an ExportContext);
        what the file cannot state goes to ``ctx.warnings``."""
        raise NotImplementedError(f"{self.kind} is not exported: {self.not_exported}")

    def read(self, ctx, keys: set[str]) -> dict[str, dict]:
        raise NotImplementedError

    def inventory(self, ctx) -> Inventory | None:
        """Every key on the server except Keycloak's own objects; None = not inventoried."""
        return None

    def compare(self, desired: dict, current: dict) -> list[FieldChange]:
        return stated_diff(desired, current)

    def create(self, ctx, desired: dict) -> None:
        raise NotImplementedError

    def update(self, ctx, desired: dict, current: dict) -> None:
        raise NotImplementedError

    def delete(self, ctx, key: str, current: dict) -> None:
        raise NotImplementedError

    def notes(self, ctx, change: Change) -> list[str]:
        """What an applied change did that its fields do not say plainly, for the apply summary."""
        return []

    def describe(self, key: str) -> str:
        return f"{self.kind} '{key}'"


def file_attributes(values: dict | None) -> dict:
    """Keycloak's multi-valued attributes as the files write them: one value as a plain string."""
    return {k: (v[0] if len(v) == 1 else list(v)) for k, v in sorted((values or {}).items())}


def without_private(rep: dict) -> dict:
    """The body to send: keys starting with `_` are our own bookkeeping (parent keys)."""
    return {k: v for k, v in rep.items() if not k.startswith("_")}
