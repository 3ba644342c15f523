"""Guards on the list of resource types (no Keycloak): every kind is proven by a numbered scenario, and
every kind is exported or says why it is not. A new ResourceType that forgets either fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import yaml

from provisioning.export import EXPORT_ORDER
from provisioning.resources import ALL_TYPES, ResourceType

SCENARIOS = Path(__file__).parent / "scenarios"
# Kinds proven by another test file instead of a numbered scenario: settings every realm has (no create,
# rename, remove nor prune to show), whose plan, drift and repair that file runs against Keycloak.
PROVEN_ELSEWHERE = {
    "realm-sign-in": "test_sign_in_settings.py",
    "required-actions": "test_sign_in_settings.py",
    "builtin-client": "test_sign_in_settings.py",
    "offline-access": "test_sign_in_settings.py",
}


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


def hand_edited_kinds(test_file: str) -> set[str]:
    """The kinds of the HAND_EDITS table of a test file (what its drift test changes by hand)."""
    tree = ast.parse((Path(__file__).parent / test_file).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "HAND_EDITS" for t in node.targets):
            return {element.elts[0].value for element in node.value.elts}
    return set()


def test_every_kind_has_a_numbered_scenario_or_names_the_test_that_proves_it():
    folders = scenario_kinds()
    kinds = {t.kind for t in ALL_TYPES}
    assert set(folders) <= kinds, f"scenario folders of no resource type: {set(folders) - kinds}"
    for kind in sorted(kinds - folders.keys()):
        assert kind in PROVEN_ELSEWHERE, (
            f"resource type '{kind}' has no numbered scenario folder in {SCENARIOS} (add NN-{kind}/, see README.md)")
        assert kind in hand_edited_kinds(PROVEN_ELSEWHERE[kind]), (
            f"{PROVEN_ELSEWHERE[kind]} is said to prove '{kind}' but its HAND_EDITS never changes one")
    assert not PROVEN_ELSEWHERE.keys() & folders.keys(), "a kind with a scenario folder is listed as proven elsewhere"


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
