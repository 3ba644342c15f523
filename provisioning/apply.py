"""Apply: carry out exactly the changes of a plan, realm by realm, in dependency order.

For each realm with changes:
1. take the realm's apply lock (lock.py); a new realm is created with the lock
   and the ownership record inside its creation request;
2. re-read the realm and compare with what the plan saw: if anything moved
   (another apply finished meanwhile, a hand edit), stop before any write;
3. record ownership of the objects about to be created (an interruption after
   a create leaves no object that nobody owns);
4. creates and updates in dependency order (a flow exists before the identity
   provider is bound to it), then deletes in reverse order (mappers before
   their provider, the provider re-bound before its old flow goes);
5. write the final ownership record, release the lock.
Killed at any point, a re-run reads what is there by natural key and converges.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .keycloak_api import KeycloakError
from .lock import DEFAULT_TIMEOUT, DEFAULT_TTL, LockHolder, RealmLock
from .ownership import RECORD_ATTRIBUTE, OwnershipRecord, stamp, union
from .plan import Plan, RealmPlan, plan_realm
from .resources import TYPES_BY_KIND, Change, ordered_types
from .resources.realm import URLS as REALM_URLS
from .resources.realm import write_realm_attributes

ORDER = {t.kind: i for i, t in enumerate(ordered_types())}


class PlanOutdated(Exception):
    """Keycloak changed between the plan and the apply: nothing was written to that realm."""


@dataclass
class ApplySummary:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    realms: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deleted

    def count(self, change: Change) -> None:
        if change.action == "create":
            self.created += 1
        elif change.action == "update":
            self.updated += 1
        elif change.action == "delete":
            self.deleted += 1


# progress(done, total, realm, change): called before each change is sent.
Progress = Callable[[int, int, str, Change], None]


def apply_plan(plan: Plan, progress: Progress | None = None, *, lock_timeout: float = DEFAULT_TIMEOUT,
               lock_ttl: float = DEFAULT_TTL, on_wait: Callable[[str, LockHolder], None] | None = None,
               summary: ApplySummary | None = None) -> int:
    """Run every pending change; return how many were applied. Stops at the first error."""
    summary = summary if summary is not None else ApplySummary()
    started = time.monotonic()
    total = plan.pending_count
    for realm_plan in plan.realms:
        if realm_plan.in_sync:
            continue
        _apply_realm(realm_plan, summary, total, progress, lock_timeout, lock_ttl, on_wait)
        summary.realms.append(realm_plan.realm)
    summary.seconds = time.monotonic() - started
    return summary.changes


def _apply_realm(rp: RealmPlan, summary: ApplySummary, total: int, progress: Progress | None,
                 lock_timeout: float, lock_ttl: float, on_wait) -> None:
    ctx = rp.context
    intent = OwnershipRecord(union(rp.record_before.objects, rp.record_objects), rp.record_before.last_apply)
    forward = [c for c in rp.pending if c.action != "delete"]
    deletes = sorted((c for c in rp.pending if c.action == "delete"), key=lambda c: -ORDER[c.kind])
    lock = RealmLock(ctx.api, rp.realm, lock_ttl)

    def run(change: Change, action: Callable[[], None]) -> None:
        if progress:
            progress(summary.changes + 1, total, rp.realm, change)
        lock.renew_if_due()
        action()
        summary.count(change)

    if forward and forward[0].kind == "realm" and forward[0].action == "create":
        # A new realm is born locked and owned: lock and record travel in its creation request.
        ctx.realm_creation_extras = {"attributes": {RECORD_ATTRIBUTE: intent.to_attribute()},
                                     "roles": {"realm": [lock.role_rep()]}}
        realm_change = forward.pop(0)
        try:
            run(realm_change, lambda: TYPES_BY_KIND["realm"].create(ctx, realm_change.desired))
        except KeycloakError as exc:
            # Two creations racing end in 409, or in 400 "Database operation failed": the realm now exists.
            if exc.status in (400, 409) and _appears(ctx, rp.realm):
                raise PlanOutdated(f"realm '{rp.realm}' was created by someone else after the plan was made; "
                                   "nothing was written to it. Run plan/apply again.") from None
            raise
        lock.bind()
    else:
        lock.acquire(lock_timeout, on_wait=(lambda holder: on_wait(rp.realm, holder)) if on_wait else None)
    summary.notes += lock.notes
    try:
        if not ctx.realm_creation_extras:
            _check_unchanged(rp)
            if intent.objects != rp.record_before.objects and any(c.action == "create" for c in forward):
                write_realm_attributes(ctx, {RECORD_ATTRIBUTE: intent.to_attribute()}, "ownership record")
        for change in forward:
            rtype = TYPES_BY_KIND[change.kind]
            if change.action == "create":
                run(change, lambda c=change, t=rtype: t.create(ctx, c.desired))
            else:
                run(change, lambda c=change, t=rtype: t.update(ctx, c.desired, c.current))
            summary.notes += rtype.notes(ctx, change)
        for change in deletes:
            run(change, lambda c=change: TYPES_BY_KIND[c.kind].delete(ctx, c.key, c.current))
        final = OwnershipRecord(rp.record_objects, stamp())
        write_realm_attributes(ctx, {RECORD_ATTRIBUTE: final.to_attribute()}, "ownership record")
    finally:
        lock.release()


def _appears(ctx, realm: str, seconds: float = 5.0) -> bool:
    """Whether the realm exists, waiting a little: the other run's creation may not be committed yet."""
    deadline = time.monotonic() + seconds
    while True:
        if ctx.api.realm(realm).get(REALM_URLS["item"], allow_404=True, obj="realm") is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)


def _check_unchanged(rp: RealmPlan) -> None:
    """Under the lock: the realm must be as the plan read it, or the plan is no longer the truth."""
    ctx = rp.context
    fresh = plan_realm(ctx.api, ctx.config, ctx.region, ctx.discovery, rp.options)
    if fresh.server_digest != rp.server_digest:
        moved = sorted({f"{c.kind} '{c.key}'" for c in _differences(rp, fresh)}) or ["objects it holds"]
        raise PlanOutdated(
            f"realm '{rp.realm}' changed in Keycloak after the plan was made (another apply, or a change by hand: "
            f"{', '.join(moved[:5])}{' ...' if len(moved) > 5 else ''}). Nothing was written to it; "
            "run plan/apply again to see the new differences.")
    # Ids learnt by the fresh read are as good as the plan's; keep the plan's context (same server state).


def _differences(old: RealmPlan, new: RealmPlan) -> list[Change]:
    before = {(c.kind, c.key): (c.action, c.current) for c in old.changes}
    return [c for c in new.changes if before.get((c.kind, c.key)) != (c.action, c.current)]
