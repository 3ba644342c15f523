"""How a plan reads for an admin (text) and for a machine (JSON). Secrets are masked in both."""
from __future__ import annotations

import json

from .plan import Plan
from .resources.base import Change

SYMBOL = {"create": "+", "update": "~", "unchanged": "="}


def render_text(plan: Plan) -> str:
    lines = []
    for realm_plan in plan.realms:
        pending = realm_plan.pending
        head = f"realm {realm_plan.realm}: "
        head += f"{len(pending)} to change, {realm_plan.unchanged} unchanged" if pending else \
            f"in sync ({realm_plan.unchanged} objects unchanged)"
        lines.append(head)
        for change in pending:
            lines.append(f"  {SYMBOL[change.action]} {change.action} {change.kind} '{change.key}'")
            for field in change.fields:
                before, after = field.display()
                lines.append(f"      {field.path}: {before} -> {after}")
    total = plan.pending_count
    lines.append(f"Plan: {total} change(s)." if total else "No changes: Keycloak matches the files.")
    return "\n".join(lines)


def _change_json(change: Change) -> dict:
    return {
        "kind": change.kind,
        "key": change.key,
        "action": change.action,
        "fields": [
            {"path": f.path, "before": f.display()[0] if f.secret else f.before,
             "after": f.display()[1] if f.secret else f.after}
            for f in change.fields
        ],
    }


def render_json(plan: Plan) -> str:
    return json.dumps({
        "realms": [
            {"realm": r.realm, "unchanged": r.unchanged, "changes": [_change_json(c) for c in r.pending]}
            for r in plan.realms
        ],
        "pending": plan.pending_count,
    }, indent=2, ensure_ascii=False, default=str)
