"""The user events a realm stores (national defaults: `events`, 30 days), read through the admin API.

Reading them needs one role, `view-events` of the realm (client `realm-management` in the realm, or
`<realm>-realm` in master for a master-realm admin); nothing else of the realm is read.
"""
from __future__ import annotations

from dataclasses import dataclass

from .keycloak_api import RealmAdmin

URLS = {"events": "/admin/realms/{realm}/events"}
READ_ROLE = "view-events"


@dataclass(frozen=True)
class TimeWindow:
    """From ``start_ms`` to ``end_ms`` (epoch milliseconds, both inclusive, as Keycloak's dateFrom/dateTo)."""
    start_ms: int
    end_ms: int


def read_events(realm_api: RealmAdmin, types: list[str], window: TimeWindow) -> list[dict]:
    """Every stored event of ``types`` in ``window``, each once.

    The window ends at a fixed time, so events stored while we page do not shift the pages (Keycloak lists
    newest first); the id check is for two events stored in the same millisecond across a page boundary.
    """
    params = {"type": list(types), "dateFrom": str(window.start_ms), "dateTo": str(window.end_ms)}
    events, seen = [], set()
    for event in realm_api.get_all(URLS["events"], obj="events", params=params):
        key = event.get("id") or (event.get("time"), event.get("type"), event.get("sessionId"))
        if key not in seen:
            seen.add(key)
            events.append(event)
    return events
