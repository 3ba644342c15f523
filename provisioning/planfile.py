"""A saved plan (`plan --out FILE`) and its check before `apply --plan-file FILE`.

The file holds no secret and nothing executable: for each realm, the digest of
what the files asked for and of what Keycloak held, plus the readable plan.
`apply --plan-file` plans again and goes on only if both digests are unchanged,
so what it executes is exactly what was reviewed; otherwise it names the realms
and whether the files or Keycloak moved.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from .plan import Plan, PlanOptions
from .report import plan_json

FORMAT = "smur-iam-plan/1"


class PlanFileError(Exception):
    pass


def save_plan(plan: Plan, path: Path, directory: Path) -> None:
    document = {
        "format": FORMAT,
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "directory": str(Path(directory).resolve()),
        "options": {"pruneUnmanaged": plan.options.prune_unmanaged},
        "realms": [{"realm": r.realm, "desiredDigest": r.desired_digest, "serverDigest": r.server_digest}
                   for r in plan.realms],
        "plan": plan_json(plan),
    }
    Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


class SavedPlan:
    def __init__(self, path: Path):
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PlanFileError(f"cannot read the plan file {path}: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise PlanFileError(f"{path} is not a plan saved by `smur-iam plan --out` ({FORMAT})")
        self.path = path
        self.created_at = document["createdAt"]
        self.options = PlanOptions(prune_unmanaged=bool(document["options"]["pruneUnmanaged"]))
        self.digests = {r["realm"]: (r["desiredDigest"], r["serverDigest"]) for r in document["realms"]}

    @property
    def realms(self) -> list[str]:
        return list(self.digests)

    def check(self, fresh: Plan) -> None:
        """Raise PlanFileError naming every realm whose files or Keycloak state moved since the save."""
        problems = []
        for realm_plan in fresh.realms:
            desired, server = self.digests[realm_plan.realm]
            if realm_plan.desired_digest != desired:
                problems.append(f"realm '{realm_plan.realm}': the files changed since the plan was saved")
            if realm_plan.server_digest != server:
                problems.append(f"realm '{realm_plan.realm}': Keycloak changed since the plan was saved")
        if problems:
            raise PlanFileError(f"refusing to apply {self.path} (saved {self.created_at}):\n  "
                                + "\n  ".join(problems) + "\nNothing was written. Run `smur-iam plan` again.")
