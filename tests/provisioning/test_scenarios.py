"""Numbered scenarios against the real Keycloak, one per resource type (see scenarios/README.md).

create → update a field → rename → hand edit then drift → remove → prune: each
step's plan must list exactly the expected changes, Keycloak (read back with
python-keycloak) must hold the expected values, and after each apply a second
apply must send no write request.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import yaml

from fixtures.realms import REPO, drop_realms, unique_realm
from provisioning.apply import apply_plan
from provisioning.config import load_config
from provisioning.drift import find_drift
from provisioning.plan import PlanOptions, build_plan
from provisioning.psc_discovery import fetch_discovery
from provisioning.resources.base import HAND_MADE
from scenario_oracle import ADAPTERS

SCENARIOS = Path(__file__).parent / "scenarios"
FOLDERS = sorted(p for p in SCENARIOS.iterdir() if p.is_dir())


def change_line(change) -> str:
    line = f"{change.action} {change.kind} '{change.key}'"
    return line + (": " + ", ".join(sorted(f.path for f in change.fields)) if change.fields else "")


def drift_line(item) -> str:
    line = f"{item.what} {item.kind} '{item.key}'"
    return line + (": " + ", ".join(sorted(f.path for f in item.fields)) if item.fields else "")


def subset(expected, actual, where: str) -> None:
    """Every field of ``expected`` is in ``actual`` with that value (lists compared as sets)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, Keycloak has {actual!r}"
        for key, value in expected.items():
            subset(value, actual.get(key), f"{where}.{key}")
    elif isinstance(expected, list):
        assert sorted(map(str, expected)) == sorted(map(str, actual or [])), f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: Keycloak has {actual!r}, expected {expected!r}"


class Scenario:
    def __init__(self, folder: Path, root: Path, keycloak, mock_psc, api, oracle):
        self.folder = folder
        self.kind = yaml.safe_load((folder / "scenario.yaml").read_text())["kind"]
        self.adapter = ADAPTERS[self.kind]
        self.realm = unique_realm(f"sc-{self.kind}")
        self.api, self.kc = api, oracle(self.realm)
        self.dir = root / "realm"
        self.dir.mkdir(parents=True)
        shutil.copy(REPO / "realm" / "deployment.yaml", self.dir / "deployment.yaml")
        (root / "mappers").mkdir()
        self.catalogue = root / "mappers" / "catalogue.yaml"
        shutil.copy(SCENARIOS / "catalogue.yaml", self.catalogue)
        self.env = {"SMUR_IAM_PSC_ENVIRONMENT": "mock", "SMUR_IAM_MOCK_PSC_ISSUER": mock_psc.issuer,
                    "PSC_SECRET": uuid.uuid4().hex, "APP_SECRET": uuid.uuid4().hex}
        self.discovery = None

    def text(self, value: str) -> str:
        return value.replace("{realm}", self.realm)

    def write(self, step: dict) -> None:
        region = {"realm": self.realm, **step["region"]}
        (self.dir / "region.yaml").write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
        if "catalogue" in step:
            self.catalogue.write_text(yaml.safe_dump({"identityProviderMappers": step["catalogue"]}), encoding="utf-8")

    def plan(self, **options):
        config = load_config(self.dir, env=self.env)
        self.discovery = self.discovery or fetch_discovery(config.deployment.psc.selected)
        return build_plan(self.api, config, self.discovery, options=PlanOptions(**options))

    def apply(self, plan) -> None:
        apply_plan(plan)
        again = self.plan()
        assert again.in_sync, [change_line(c) for c in again.realms[0].pending]
        self.api.reset_counts()
        assert apply_plan(self.plan()) == 0 and self.api.write_count == 0, dict(self.api.requests)

    def check(self, step: dict) -> None:
        for key, fields in (step.get("check") or {}).items():
            key = self.text(key)
            found = self.adapter.find(self.kc, key)
            assert found is not None, f"{self.kind} '{key}' is not in Keycloak"
            subset(fields, found, f"{self.kind} '{key}'")

    def run(self, path: Path) -> None:
        step = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "hand_edit" in step:
            self.hand_edit(step)
        elif "hand_make" in step:
            self.hand_make(step)
        else:
            self.files_change(step)
        self.check(step)

    def files_change(self, step: dict) -> None:
        self.write(step)
        plan = self.plan()
        lines = {change_line(c) for c in plan.realms[0].pending}
        if "expect" in step:
            assert lines == {self.text(e) for e in step["expect"]}
        self.apply(plan)
        for expected in step.get("expect", []):
            action, kind, key = self.text(expected).split(":")[0].split(" ", 2)
            if kind == self.kind and action in ("create", "delete"):
                found = self.adapter.find(self.kc, key.strip("'"))
                assert (found is not None) == (action == "create"), f"after apply: {expected}"

    def hand_edit(self, step: dict) -> None:
        edit = step["hand_edit"]
        self.adapter.edit(self.kc, self.text(edit["key"]), edit["set"])
        drift = find_drift(self.plan(full_inventory=True))[0]
        assert {drift_line(i) for i in drift.items} == {self.text(e) for e in step["expect_drift"]}
        self.apply(self.plan())  # puts the object back as the files say
        assert not find_drift(self.plan(full_inventory=True))[0].drifted

    def hand_make(self, step: dict) -> None:
        key = step["hand_make"]
        self.adapter.make(self.kc, key)
        plan = self.plan()
        if step.get("inventoried", True) is False:
            assert (self.kind, key) not in plan.realms[0].hand_made and plan.in_sync
            assert self.plan(prune_unmanaged=True).in_sync, "an object smur-iam does not inventory is never pruned"
            assert self.adapter.find(self.kc, key) is not None
            return
        assert (self.kind, key) in plan.realms[0].hand_made and plan.in_sync, "reported, nothing to apply"
        drift = find_drift(self.plan(full_inventory=True))[0]
        assert f"made by hand {self.kind} '{key}'" in {drift_line(i) for i in drift.items}
        apply_plan(plan)
        assert self.adapter.find(self.kc, key) is not None, "a hand-made object is never deleted silently"
        pruning = self.plan(prune_unmanaged=True)
        deletes = [c for c in pruning.realms[0].pending]
        assert {change_line(c) for c in deletes} == set(step["expect_prune"])
        assert all(c.reason == HAND_MADE for c in deletes)
        apply_plan(pruning)
        assert self.adapter.find(self.kc, key) is None
        assert self.plan(prune_unmanaged=True).in_sync


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_scenario(folder, tmp_path, keycloak, mock_psc, admin_api, oracle):
    scenario = Scenario(folder, tmp_path, keycloak, mock_psc, admin_api, oracle)
    steps = sorted(p for p in folder.glob("[0-9][0-9]-*.yaml"))
    declared = yaml.safe_load((folder / "scenario.yaml").read_text()).get("not_applicable", {})
    names = {p.stem.split("-", 1)[1] for p in steps} | set(declared)
    assert {"create", "update", "rename", "hand-edit", "remove", "prune"} <= names | {"base"}, \
        f"{folder.name}: every step is either present or declared not applicable"
    try:
        for path in steps:
            try:
                scenario.run(path)
            except AssertionError as exc:
                raise AssertionError(f"{folder.name}/{path.name}: {exc}") from None
    finally:
        drop_realms(keycloak, scenario.api, [scenario.realm])
