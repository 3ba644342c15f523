"""Guards on the list of resource types (no Keycloak): every kind is proven by a numbered scenario, and
every kind is exported or says why it is not. A new ResourceType that forgets either fails here."""
from __future__ import annotations

from pathlib import Path

import yaml

from provisioning.export import EXPORT_ORDER
from provisioning.resources import ALL_TYPES, ResourceType

SCENARIOS = Path(__file__).parent / "scenarios"


def scenario_kinds() -> dict[str, str]:
    """kind -> its numbered folder (NN-name, with a scenario.yaml naming the kind)."""
    found = {}
    for folder in sorted(SCENARIOS.iterdir()):
        if folder.is_dir():
            assert folder.name[:2].isdigit() and folder.name[2] == "-", f"{folder.name}: not a numbered folder"
            kind = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))["kind"]
            assert kind not in found, f"{kind} has two scenario folders: {found[kind]}, {folder.name}"
            found[kind] = folder.name
    return found


def test_every_kind_has_a_numbered_scenario():
    folders = scenario_kinds()
    kinds = {t.kind for t in ALL_TYPES}
    assert set(folders) <= kinds, f"scenario folders of no resource type: {set(folders) - kinds}"
    missing = sorted(kinds - folders.keys())
    assert not missing, f"resource types without a numbered scenario folder in {SCENARIOS}: {missing} (see README.md)"


def test_every_kind_is_exported_or_says_why_not():
    for rtype in ALL_TYPES:
        exports = type(rtype).export is not ResourceType.export
        if exports:
            assert rtype.not_exported is None, f"{rtype.kind} exports, yet says it is not exported"
            assert rtype.kind in EXPORT_ORDER, f"{rtype.kind} has an export that `export` never calls (EXPORT_ORDER)"
        else:
            assert rtype.not_exported, f"{rtype.kind}: no export() and no `not_exported` saying why"
            assert rtype.kind not in EXPORT_ORDER, f"{rtype.kind} is in EXPORT_ORDER without an export()"
    assert len(set(EXPORT_ORDER)) == len(EXPORT_ORDER)


def test_a_kind_without_an_export_refuses_with_its_reason():
    silent = next(t for t in ALL_TYPES if t.not_exported)
    try:
        silent.export(None)
    except NotImplementedError as exc:
        assert silent.not_exported in str(exc)
    else:
        raise AssertionError("export() of a type that is not exported returned something")
