"""Apply: carry out exactly the changes of a plan, in dependency order."""
from __future__ import annotations

from collections.abc import Callable

from .plan import Plan
from .resources import ordered_types

TYPES = {t.kind: t for t in ordered_types()}


def apply_plan(plan: Plan, progress: Callable[[str], None] | None = None) -> int:
    """Run every pending change; return how many were applied. Stops at the first Keycloak error."""
    done = 0
    total = plan.pending_count
    for realm_plan in plan.realms:
        ctx = realm_plan.context
        for change in realm_plan.pending:
            rtype = TYPES[change.kind]
            if progress:
                progress(f"[{done + 1}/{total}] {change.action} {realm_plan.realm}: {rtype.describe(change.key)}")
            if change.action == "create":
                rtype.create(ctx, change.desired)
            else:
                rtype.update(ctx, change.desired, change.current)
            done += 1
    return done
