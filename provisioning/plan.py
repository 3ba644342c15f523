"""Plan: read what Keycloak has, compare with the files, list the changes. GET requests only."""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import Configuration
from .keycloak_api import KeycloakAdmin
from .psc_discovery import PscDiscovery
from .resources import Change, ordered_types
from .resources.context import RealmContext


@dataclass
class RealmPlan:
    realm: str
    context: RealmContext
    changes: list[Change] = field(default_factory=list)

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]

    @property
    def unchanged(self) -> int:
        return sum(1 for c in self.changes if not c.pending)


@dataclass
class Plan:
    realms: list[RealmPlan]

    @property
    def pending_count(self) -> int:
        return sum(len(r.pending) for r in self.realms)

    @property
    def in_sync(self) -> bool:
        return self.pending_count == 0


def plan_realm(api: KeycloakAdmin, config: Configuration, region, discovery: PscDiscovery) -> RealmPlan:
    ctx = RealmContext(api, config, region, discovery)
    result = RealmPlan(region.realm, ctx)
    for rtype in ordered_types():
        desired = rtype.desired(ctx)
        current = rtype.current(ctx, desired)
        for key, rep in desired.items():
            now = current.get(key)
            if now is None:
                result.changes.append(Change(rtype.kind, key, "create", rep))
                continue
            fields = rtype.compare(rep, now)
            action = "update" if fields else "unchanged"
            result.changes.append(Change(rtype.kind, key, action, rep, now, fields))
    return result


def build_plan(api: KeycloakAdmin, config: Configuration, discovery: PscDiscovery,
               realms: list[str] | None = None) -> Plan:
    regions = [r for r in config.regions if realms is None or r.realm in realms]
    return Plan([plan_realm(api, config, region, discovery) for region in regions])
