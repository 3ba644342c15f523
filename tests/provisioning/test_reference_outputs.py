"""Reference outputs of `smur-iam plan --json` and `smur-iam export` for the 18 shipped regions.

The guard of behaviour-preserving refactorings (issue 14): against the session's real Keycloak, the
shipped `realm/` files (every region renamed ``<prefix>-<region>``, see ``copy_all_regions``) are

1. planned with ``plan --json`` while none of their realms exists yet, and with ``plan --verbose`` (text), which
   shows every field of the objects to create (``--json`` lists them without their fields),
2. applied, then exported with ``export --out`` (one YAML file per realm, plus what it says on stderr),
3. planned again with ``plan --json`` (in sync),

and every output must equal, byte for byte after ``normalise``, the file kept in ``reference_outputs/``.

``normalise`` replaces only what differs from one run to the next: the run's realm prefix, the temporary
directory, the origins (ports) of Keycloak and of the mock PSC's two ports, and the date in the export header. The secrets
are not normalised: the test sets each one to a fixed value derived from its variable's name.

When a change of output is intended, re-record and review the diff of ``reference_outputs/`` in the commit:

    SMUR_IAM_RECORD_REFERENCES=1 .venv/bin/pytest tests/provisioning/test_reference_outputs.py

A difference fails with a unified diff of the reference against this run (first 80 lines). The
regions are planned, applied and exported once for the package (conftest.py), test_regions.py
checking the same realms.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
from pathlib import Path

import pytest

from fixtures.realms import run_cli

REFERENCES = Path(__file__).parent / "reference_outputs"
RECORDING = os.environ.get("SMUR_IAM_RECORD_REFERENCES") == "1"
DIFF_LINES = 80


@dataclasses.dataclass
class Run:
    """Where this run's values appear in the outputs, so ``normalise`` can name them."""
    prefix: str
    root: Path
    keycloak_url: str
    mock_psc_origin: str  # issuer, token, userinfo... (its own port)
    mock_psc_wallet_origin: str  # the authorization endpoint (another port)


def _replace_origin(text: str, origin: str, placeholder: str) -> str:
    """``origin`` replaced, but not where it is the start of a longer port (…:3600 in …:36003)."""
    return re.sub(re.escape(origin) + r"(?!\d)", placeholder, text)


def normalise(text: str, run: Run) -> str:
    """The output with only the values that change between runs replaced by fixed placeholders."""
    text = text.replace(str(run.root), "<tmp>")
    text = _replace_origin(text, run.keycloak_url, "<keycloak>")
    text = _replace_origin(text, run.mock_psc_origin, "<mock-psc>")
    text = _replace_origin(text, run.mock_psc_wallet_origin, "<mock-psc-wallet>")
    # Realms are renamed <prefix>-<region> by copy_all_regions; give them back their shipped name.
    text = text.replace(f"{run.prefix}-", "smur-")
    text = re.sub(r"(# Exported by smur-iam from \S+ on )\d{4}-\d{2}-\d{2}\.", r"\1<date>.", text)
    return text


def check_reference(name: str, actual: str) -> None:
    """Compare ``actual`` with reference_outputs/<name>, or write it there when re-recording."""
    path = REFERENCES / name
    if RECORDING:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no reference {path}: record it with SMUR_IAM_RECORD_REFERENCES=1 (see this module's docstring)")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = list(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                         f"reference_outputs/{name}", "this run"))
        shown = "".join(diff[:DIFF_LINES]) + (f"... ({len(diff) - DIFF_LINES} more diff lines)\n"
                                              if len(diff) > DIFF_LINES else "")
        pytest.fail(f"{name} differs from its reference (if intended, re-record: see the module docstring):\n"
                    + shown, pytrace=False)


@pytest.fixture(scope="module")
def outputs(applied_regions):
    """What planning, applying and exporting the package's 18 regions printed (conftest.py)."""
    return applied_regions


@pytest.fixture(scope="module")
def run(applied_regions, mock_psc) -> Run:
    """The values of this run that normalise() replaces."""
    return Run(applied_regions.prefix, applied_regions.root, applied_regions.keycloak.base_url,
               mock_psc.auth_origin, mock_psc.wallet_origin)


def test_plan_of_the_18_regions_on_an_empty_keycloak_is_the_reference(outputs, run):
    assert len(outputs.realms) == 18
    check_reference("plan-before-apply.json", normalise(outputs.plan_before_apply, run))
    check_reference("plan-before-apply-verbose.txt", normalise(outputs.plan_before_apply_verbose, run))


def test_export_of_each_applied_region_is_the_reference(outputs, run):
    written = sorted(p.name for p in outputs.export_dir.iterdir())
    assert written == sorted(f"{realm}.yaml" for realm in outputs.realms.values())
    if RECORDING:  # a region that left realm/ leaves no stale reference behind
        for stale in (REFERENCES / "export").glob("*.yaml"):
            stale.unlink()
    for shipped, realm in sorted(outputs.realms.items()):
        text = (outputs.export_dir / f"{realm}.yaml").read_text(encoding="utf-8")
        check_reference(f"export/{shipped}.yaml", normalise(text, run))
    assert sorted(p.stem for p in (REFERENCES / "export").glob("*.yaml")) == sorted(outputs.realms)
    check_reference("export-stderr.txt", normalise(outputs.export_stderr, run))


def test_plan_after_apply_is_the_reference(outputs, run):
    check_reference("plan-after-apply.json", normalise(outputs.plan_after_apply, run))


def test_a_changed_region_fails_the_comparison_with_a_diff(outputs, run, tmp_path):
    """The guard can fail: one description changed in a copy of the files shows in the diff."""
    edited = tmp_path / "realm"
    edited.mkdir()
    for path in outputs.directory.glob("*.yaml"):
        (edited / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mappers").symlink_to(outputs.directory.parent / "mappers")
    corse = edited / "smur-corse.yaml"
    text = corse.read_text(encoding="utf-8")
    assert "Pilote d'hélicoptère SMUR" in text
    corse.write_text(text.replace("Pilote d'hélicoptère SMUR", "Pilote d'avion SMUR", 1), encoding="utf-8")
    result = run_cli("plan", str(edited), "--json", env=outputs.env)
    assert result.returncode == 0, result.stderr
    plan = result.stdout
    edited_run = dataclasses.replace(run, root=tmp_path)
    if RECORDING:
        pytest.skip("nothing to compare with while re-recording")
    with pytest.raises(pytest.fail.Exception) as failure:
        check_reference("plan-after-apply.json", normalise(plan, edited_run))
    message = str(failure.value)
    assert "plan-after-apply.json differs from its reference" in message
    assert re.search(r'^\+ +"after": "Pilote d\'avion SMUR",?$', message, re.MULTILINE), message


def test_normalise_replaces_only_the_values_of_this_run():
    run = Run("refabc123", Path("/tmp/pytest-7/reference-outputs0"), "http://127.0.0.1:3600",
              "http://127.0.0.1:41000", "http://127.0.0.1:41001")
    text = ("realm refabc123-corse (/tmp/pytest-7/reference-outputs0/realm/smur-corse.yaml)\n"
            "http://127.0.0.1:36003/x http://127.0.0.1:3600/admin http://127.0.0.1:41000/auth/realms/esante-wallet "
            "http://127.0.0.1:41001/auth http://127.0.0.1:8090/callback\n"
            "# Exported by smur-iam from http://127.0.0.1:3600 on 2026-12-03.\n")
    assert normalise(text, run) == (
        "realm smur-corse (<tmp>/realm/smur-corse.yaml)\n"
        "http://127.0.0.1:36003/x <keycloak>/admin <mock-psc>/auth/realms/esante-wallet "
        "<mock-psc-wallet>/auth http://127.0.0.1:8090/callback\n"
        "# Exported by smur-iam from <keycloak> on <date>.\n")
