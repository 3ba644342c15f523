"""The boundaries between our packages, read from the source (Python's ast module).

- The mock PSC stands in for PSC and ships beside the provisioning tool, never inside it: it must
  not import `provisioning`. The national-id rules both apply live in `psc_ids`, which needs only
  the standard library, so either side can take it.
- The Keycloak a command administers is chosen in provisioning/target.py, for `smur-iam` and its
  `links` group alike: neither command line imports the other.
- python-keycloak, the tests' independent reader of Keycloak, is in the `test` extra only.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from fixtures.realms import REPO

OUR_PACKAGES = ("provisioning", "mockpsc", "demoapp", "psc_ids")


def imported_modules(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``; relative imports are resolved
    against the file's own package (its folder under ``root``)."""
    package = list(path.relative_to(root).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            found.append((node.lineno, ".".join(base + ([node.module] if node.module else []))))
    return found


def imports_of(package: str, *, wanted) -> list[str]:
    """``file:line imports module`` for every import under ``package`` that ``wanted`` accepts."""
    return [f"{path.relative_to(REPO)}:{line} imports {module}"
            for path in sorted((REPO / package).rglob("*.py"))
            for line, module in imported_modules(path) if wanted(module)]


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_mock_never_imports_provisioning():
    assert imports_of("mockpsc", wanted=lambda m: top(m) == "provisioning") == []


def test_psc_ids_needs_only_the_standard_library():
    assert imports_of("psc_ids", wanted=lambda m: top(m) not in sys.stdlib_module_names | {"psc_ids"}) == []


def test_the_scan_sees_relative_and_absolute_imports(tmp_path):
    """The checks above cannot pass by seeing nothing."""
    def scanned(line: str) -> list[tuple[int, str]]:
        probe = tmp_path / "mockpsc" / "endpoints" / "probe.py"
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text("\n" * 11 + line + "\n", encoding="utf-8")
        return imported_modules(probe, root=tmp_path)

    assert scanned("from provisioning import x") == [(12, "provisioning")]
    assert scanned("import provisioning.cli as c") == [(12, "provisioning.cli")]
    assert scanned("from ..endpoints import x") == [(12, "mockpsc.endpoints")]
    assert scanned("from . import x") == [(12, "mockpsc.endpoints")]
    assert scanned("from keycloak.exceptions import KeycloakError") == [(12, "keycloak.exceptions")]
    assert (22, "psc_ids.national_id") in imported_modules(REPO / "mockpsc" / "identities.py")


def test_the_two_command_lines_share_target_py_and_not_each_other():
    """`smur-iam` adds the `links` group; neither reaches into the other for the Keycloak options."""
    links_cli = [m for _, m in imported_modules(REPO / "provisioning" / "links" / "cli.py")]
    assert "provisioning.cli" not in links_cli and "provisioning.target" in links_cli
    main_cli = [m for _, m in imported_modules(REPO / "provisioning" / "cli.py")]
    assert "provisioning.target" in main_cli


def test_only_tests_and_benches_use_python_keycloak():
    """python-keycloak (top-level module `keycloak`) is in the `test` extra: what ships must not need it."""
    assert [found for package in OUR_PACKAGES
            for found in imports_of(package, wanted=lambda m: top(m) == "keycloak")] == []


def test_every_shipped_module_imports_without_python_keycloak():
    """The same, at run time: also catches an import hidden in a function or made by name."""
    script = f"""
import importlib, pkgutil, sys
sys.modules["keycloak"] = None  # any import of python-keycloak now raises ImportError
for name in {OUR_PACKAGES!r}:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
