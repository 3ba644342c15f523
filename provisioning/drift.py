"""Drift: what was changed by hand in Keycloak since the last apply (for a cron job).

A plan made with every object read (full inventory), then each difference
sorted by the ownership record, which holds a digest of what the files said
at the last apply:
- an object whose files are unchanged since then (same digest) but which differs
  on the server was changed by hand ("changed by hand", with its fields), or
  deleted by hand ("deleted by hand");
- an object Keycloak holds that smur-iam never managed was made by hand;
- differences coming from edited files are "pending from the files", not drift.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .plan import Plan, RealmPlan
from .resources.base import LEFT_THE_FILES, FieldChange

CHANGED, DELETED, MADE = "changed by hand", "deleted by hand", "made by hand"


@dataclass
class DriftItem:
    kind: str
    key: str
    what: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class RealmDrift:
    realm: str
    last_apply: dict
    items: list[DriftItem] = field(default_factory=list)
    pending_from_files: list[str] = field(default_factory=list)  # "kind 'key'" not drift

    @property
    def drifted(self) -> bool:
        return bool(self.items)


def realm_drift(rp: RealmPlan) -> RealmDrift:
    record = rp.record_before
    result = RealmDrift(rp.realm, record.last_apply)
    for change in rp.pending:
        applied = record.digest(change.kind, change.key)
        wanted = rp.record_objects.get(change.kind, {}).get(change.key)
        files_unchanged = applied is not None and applied == wanted
        if change.action == "update" and files_unchanged:
            result.items.append(DriftItem(change.kind, change.key, CHANGED, change.fields))
        elif change.action == "create" and files_unchanged:
            result.items.append(DriftItem(change.kind, change.key, DELETED))
        elif change.action == "delete" and change.reason != LEFT_THE_FILES:
            result.items.append(DriftItem(change.kind, change.key, MADE))
        else:
            result.pending_from_files.append(f"{change.action} {change.kind} '{change.key}'")
    result.items += [DriftItem(kind, key, MADE) for kind, key in rp.hand_made]
    return result


def find_drift(plan: Plan) -> list[RealmDrift]:
    return [realm_drift(rp) for rp in plan.realms]


def render_drift_text(reports: list[RealmDrift]) -> str:
    lines = []
    for report in reports:
        since = (f"since the last apply ({report.last_apply.get('at')} by {report.last_apply.get('by')})"
                 if report.last_apply else "(never applied by smur-iam)")
        if report.drifted:
            lines.append(f"realm {report.realm}: {len(report.items)} change(s) made by hand {since}")
            for item in report.items:
                lines.append(f"  ! {item.what}: {item.kind} '{item.key}'")
                for f in item.fields:
                    now, files = f.display()
                    lines.append(f"      {f.path}: {now} in Keycloak, {files} in the files")
        else:
            lines.append(f"realm {report.realm}: no drift {since}")
        if report.pending_from_files:
            lines.append(f"  ({len(report.pending_from_files)} change(s) pending from the files, not drift: "
                         f"{', '.join(report.pending_from_files[:5])}{' ...' if len(report.pending_from_files) > 5 else ''})")
    drifted = sum(len(r.items) for r in reports)
    lines.append(f"Drift: {drifted} change(s) made by hand in {sum(1 for r in reports if r.drifted)} of "
                 f"{len(reports)} realm(s)." if drifted else "No drift: Keycloak is as the last apply left it.")
    return "\n".join(lines)


def render_drift_json(reports: list[RealmDrift]) -> str:
    return json.dumps({
        "realms": [{
            "realm": r.realm,
            "lastApply": r.last_apply or None,
            "drift": [{"kind": i.kind, "key": i.key, "what": i.what,
                       "fields": [{"path": f.path, "keycloak": f.display()[0] if f.secret else f.before,
                                   "files": f.display()[1] if f.secret else f.after} for f in i.fields]}
                      for i in r.items],
            "pendingFromFiles": r.pending_from_files,
        } for r in reports],
        "drifted": sum(len(r.items) for r in reports),
    }, indent=2, ensure_ascii=False, default=str)
