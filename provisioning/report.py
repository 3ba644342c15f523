"""How a plan reads for an admin (text) and for a machine (JSON). Secrets are masked in both."""
from __future__ import annotations

import json

from .plan import Plan, RealmPlan
from .resources.base import HAND_MADE, Change, show_value
from .resources.listing import INVENTORY_PAGE

SYMBOL = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}
HAND_MADE_SHOWN = 20  # per realm in the text plan; --json lists them all


def _counts(changes: list[Change]) -> str:
    parts = []
    for action, label in (("create", "to create"), ("update", "to update"), ("delete", "to delete")):
        n = sum(1 for c in changes if c.action == action)
        if n:
            parts.append(f"{n} {label}")
    return ", ".join(parts)


def _flatten(value, path: str = ""):
    """Leaf fields of a representation, for showing what a create will send (with --verbose)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("_"):
                yield from _flatten(item, f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _realm_lines(rp: RealmPlan, verbose: bool) -> list[str]:
    where = f" ({rp.file})" if rp.file else ""
    pending = rp.pending
    if rp.in_sync:
        lines = [f"realm {rp.realm}{where}: in sync ({rp.unchanged} objects unchanged)"]
    else:
        summary = _counts(pending) or "ownership record to update"
        lines = [f"realm {rp.realm}{where}: {summary}, {rp.unchanged} unchanged"]
    if rp.lock:
        lines.append(f"  ! an apply holds this realm now: {rp.lock.describe()}")
    for change in pending:
        reason = f"  ({change.reason})" if change.reason else ""
        lines.append(f"  {SYMBOL[change.action]} {change.action} {change.kind} '{change.key}'{reason}")
        for field in change.fields:
            before, after = field.display()
            lines.append(f"      {field.path}: {before} -> {after}")
        if verbose and change.action == "create":
            for path, value in _flatten(change.desired):
                masked = "********" if "secret" in path.lower() else show_value(value)
                lines.append(f"      {path}: {masked}")
    if rp.record_pending:
        added, removed = rp.record_delta()
        lines.append(f"  ~ ownership record (realm attribute): {len(added)} object(s) added, {len(removed)} removed")
    if rp.hand_made:
        lines.append(f"  ? {len(rp.hand_made)} object(s) made by hand, kept (--prune-unmanaged would delete them):")
        for kind, key in rp.hand_made[:HAND_MADE_SHOWN]:
            lines.append(f"      {kind} '{key}'")
        if len(rp.hand_made) > HAND_MADE_SHOWN:
            lines.append(f"      ... and {len(rp.hand_made) - HAND_MADE_SHOWN} more (--json lists them all)")
    if rp.partial_inventories:
        lines.append(f"  ? only the first {INVENTORY_PAGE} of: {', '.join(rp.partial_inventories)} were inspected "
                     "for objects made by hand (`smur-iam drift` reads them all)")
    return lines


def render_text(plan: Plan, verbose: bool = False) -> str:
    lines = []
    for realm_plan in plan.realms:
        lines += _realm_lines(realm_plan, verbose)
    unchanged = sum(r.unchanged for r in plan.realms)
    hand_made = sum(len(r.hand_made) for r in plan.realms)
    kept = f"; {hand_made} object(s) made by hand kept" if hand_made else ""
    if plan.in_sync:
        lines.append(f"No changes: Keycloak matches the files ({unchanged} objects in {len(plan.realms)} "
                     f"realm(s)){kept}.")
    else:
        changing = sum(1 for r in plan.realms if not r.in_sync)
        counts = ", ".join(f"{plan.count(a)} to {a}" for a in ("create", "update", "delete"))
        lines.append(f"Plan: {counts} in {changing} of {len(plan.realms)} realm(s); {unchanged} unchanged{kept}.")
    return "\n".join(lines)


def _change_json(change: Change) -> dict:
    return {
        "kind": change.kind,
        "key": change.key,
        "action": change.action,
        "reason": change.reason or None,
        "handMade": change.reason == HAND_MADE,
        "fields": [
            {"path": f.path, "before": f.display()[0] if f.secret else f.before,
             "after": f.display()[1] if f.secret else f.after}
            for f in change.fields
        ],
    }


def plan_json(plan: Plan) -> dict:
    realms = []
    for r in plan.realms:
        added, removed = r.record_delta()
        realms.append({
            "realm": r.realm,
            "file": r.file,
            "inSync": r.in_sync,
            "unchanged": r.unchanged,
            "changes": [_change_json(c) for c in r.pending],
            "handMade": [{"kind": kind, "key": key} for kind, key in r.hand_made],
            "partialInventory": r.partial_inventories,
            "ownershipRecord": {"added": added, "removed": removed} if r.record_pending else None,
            "lock": {"holder": r.lock.holder, "pid": r.lock.pid, "expires": r.lock.expires} if r.lock else None,
        })
    return {
        "realms": realms,
        "pending": plan.pending_count,
        "summary": {"create": plan.count("create"), "update": plan.count("update"), "delete": plan.count("delete"),
                    "unchanged": sum(r.unchanged for r in plan.realms),
                    "handMade": sum(len(r.hand_made) for r in plan.realms)},
        "options": {"pruneUnmanaged": plan.options.prune_unmanaged},
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False, default=str)
