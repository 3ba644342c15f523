"""Plan: read what Keycloak has, compare with the files, list the changes. GET requests only.

For each realm and each resource type (in dependency order):
- an object the files state is created, updated (field by field) or unchanged;
- an object in the ownership record that left the files is deleted;
- any other object of an inventoried type was made by hand: reported, or
  deleted with `--prune-unmanaged`.
Each realm plan carries two digests: what the files ask for and what the
server held when it was read. `apply` re-reads the server under its lock and
refuses to write if the second one moved (another apply, a hand edit).
Realms are read in parallel; requests per realm do not depend on the realm's size.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .config import Configuration, Region
from .keycloak_api import KeycloakAdmin
from .lock import LOCK_ROLE, LockHolder
from .ownership import OwnershipRecord, canonical_json, object_digest
from .psc_discovery import PscDiscovery
from .resources import Change, ordered_types
from .resources.base import HAND_MADE, LEFT_THE_FILES
from .resources.context import RealmContext
from .resources.realm import read_realm
from .resources.realm_roles import roles_listing

PLAN_WORKERS = 8


@dataclass(frozen=True)
class PlanOptions:
    prune_unmanaged: bool = False  # delete objects made by hand too (reads every object)
    full_inventory: bool = False  # name every hand-made object, not only a first page (drift)

    @property
    def reads_everything(self) -> bool:
        return self.prune_unmanaged or self.full_inventory


@dataclass
class RealmPlan:
    realm: str
    file: str
    context: RealmContext
    options: PlanOptions
    changes: list[Change] = field(default_factory=list)
    hand_made: list[tuple[str, str]] = field(default_factory=list)  # (kind, key) kept
    partial_inventories: list[str] = field(default_factory=list)  # kinds of which only a first page was read
    record_before: OwnershipRecord = field(default_factory=OwnershipRecord)
    record_objects: dict[str, dict[str, str]] = field(default_factory=dict)  # what the record holds after apply
    desired_digest: str = ""
    server_digest: str = ""
    lock: LockHolder | None = None  # an apply was running when the plan read the realm

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]

    @property
    def unchanged(self) -> int:
        return sum(1 for c in self.changes if not c.pending)

    @property
    def record_pending(self) -> bool:
        """The ownership record must be written although no object changes (objects adopted or gone)."""
        return self.record_objects != self.record_before.objects

    @property
    def in_sync(self) -> bool:
        return not self.pending and not self.record_pending

    def record_delta(self) -> tuple[list[str], list[str]]:
        """(kind:key added, kind:key removed) between the record before and after apply."""
        def flat(objects):
            return {f"{kind}:{key}" for kind, keys in objects.items() for key in keys}
        before, after = flat(self.record_before.objects), flat(self.record_objects)
        return sorted(after - before), sorted(before - after)


@dataclass
class Plan:
    realms: list[RealmPlan]
    options: PlanOptions = PlanOptions()

    @property
    def pending_count(self) -> int:
        return sum(len(r.pending) for r in self.realms)

    @property
    def in_sync(self) -> bool:
        return all(r.in_sync for r in self.realms)

    def count(self, action: str) -> int:
        return sum(1 for r in self.realms for c in r.changes if c.action == action)


def _digest(value) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def plan_realm(api: KeycloakAdmin, config: Configuration, region: Region, discovery: PscDiscovery,
               options: PlanOptions = PlanOptions()) -> RealmPlan:
    ctx = RealmContext(api, config, region, discovery, full_inventory=options.reads_everything)
    read_realm(ctx)
    record = OwnershipRecord.from_attributes(ctx.realm_attributes, region.realm)
    result = RealmPlan(region.realm, config.region_files.get(region.realm, ""), ctx, options, record_before=record)
    seen_on_server: dict[str, object] = {"realm-attributes": ctx.realm_attributes}
    wanted: dict[str, dict[str, str]] = {}
    for rtype in ordered_types():
        kind = rtype.kind
        desired = rtype.desired(ctx)
        owned = record.keys(kind) if rtype.deletable else set()
        current = rtype.read(ctx, set(desired) | owned)
        wanted[kind] = {key: object_digest(region.realm, kind, key, rep) for key, rep in desired.items()}
        for key, rep in desired.items():
            now = current.get(key)
            if now is None:
                result.changes.append(Change(kind, key, "create", rep))
                continue
            fields = rtype.compare(rep, now)
            result.changes.append(Change(kind, key, "update" if fields else "unchanged", rep, now, fields))
        for key in sorted(owned - desired.keys()):
            if key in current:
                result.changes.append(Change(kind, key, "delete", None, current[key], reason=LEFT_THE_FILES))
        inventory = rtype.inventory(ctx)
        if inventory is not None:
            seen_on_server[f"{kind}:inventory"] = sorted(inventory.keys)
            if not inventory.complete:
                result.partial_inventories.append(kind)
            strangers = sorted(inventory.keys - desired.keys() - owned)
            if options.prune_unmanaged and strangers:
                found = rtype.read(ctx, set(strangers))
                result.changes += [Change(kind, key, "delete", None, found[key], reason=HAND_MADE)
                                   for key in strangers if key in found]
                current = {**current, **found}
            else:
                result.hand_made += [(kind, key) for key in strangers]
        seen_on_server[kind] = current
    result.record_objects = {kind: keys for kind, keys in wanted.items() if keys}
    result.desired_digest = _digest({"objects": result.record_objects, "prune": options.prune_unmanaged})
    result.server_digest = _digest(seen_on_server)
    result.lock = _running_apply(ctx)
    return result


def _running_apply(ctx) -> LockHolder | None:
    """The apply lock, if some apply holds the realm (seen in the roles page the plan read anyway)."""
    if not ctx.realm_exists:
        return None
    role = next((r for r in roles_listing(ctx).items if r["name"] == LOCK_ROLE), None)
    return LockHolder.from_role(role) if role else None


class UnknownRealm(ValueError):
    pass


def build_plan(api: KeycloakAdmin, config: Configuration, discovery: PscDiscovery,
               realms: list[str] | None = None, options: PlanOptions = PlanOptions(),
               workers: int = PLAN_WORKERS) -> Plan:
    """Plan every region of the files (or the ones named), reading realms in parallel."""
    if realms:
        unknown = sorted(set(realms) - {r.realm for r in config.regions})
        if unknown:
            raise UnknownRealm(f"not in the files: {', '.join(unknown)} "
                               f"(realms: {', '.join(r.realm for r in config.regions)})")
    regions = [r for r in config.regions if not realms or r.realm in realms]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(regions)))) as pool:
        plans = list(pool.map(lambda region: plan_realm(api, config, region, discovery, options), regions))
    return Plan(plans, options)
