"""The boundaries between our packages, read from the source (Python's ast module).

- The mock PSC stands in for PSC and ships beside the provisioning tool, never inside it: it must
  not import `provisioning`. The national-id rules both apply live in `psc_ids`, which needs only
  the standard library, so either side can take it.
- The Keycloak a command administers is chosen in provisioning/target.py, for `smur-iam` and its
  `links` group alike: neither command line imports the other.
- python-keycloak, the tests' independent reader of Keycloak, is in the `test` extra only.
- Tests use our packages through public, documented seams, never their private functions.
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


def private_functions(folder: Path) -> set[str]:
    """Names of the private functions and methods (``_name``, not ``__dunder__``) defined under ``folder``."""
    return {node.name for path in folder.rglob("*.py") if "node_modules" not in path.parts
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_private(node.name)}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path, ours: set[str], root: Path = REPO) -> list[str]:
    """``file:line`` of each call ``something._name(...)`` and import ``from <our package> import _name``
    in ``path`` where ``_name`` is private in one of our packages (``ours``)."""
    where = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ours
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "cls"))):
            found.append(f"{where}:{node.lineno} calls .{node.func.attr}()")
        elif isinstance(node, ast.ImportFrom) and top(node.module or "") in OUR_PACKAGES:
            found += [f"{where}:{node.lineno} imports {alias.name} from {node.module}"
                      for alias in node.names if _is_private(alias.name)]
    return found


def test_no_test_reaches_into_a_private_function_of_our_packages():
    """Tests go through the seams the code offers (give it a public, documented one when a test needs it).

    The receiver's type is not known from the source, so a private name is only flagged when our
    packages define it and no test module does: a test helper calling its own private methods is
    fine (``self._x()`` always is), and a name both sides define (``_run``, ``_env``...) is let through.
    """
    ours = set().union(*(private_functions(REPO / package) for package in OUR_PACKAGES))
    ours -= private_functions(REPO / "tests")
    assert {"_spawn", "_wait_ready"} <= ours  # the scan sees KeycloakServer's
    tests = sorted(path for path in (REPO / "tests").rglob("*.py") if "node_modules" not in path.parts)
    assert [use for path in tests for use in private_uses(path, ours)] == []


def test_the_private_scan_finds_a_call_and_an_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from provisioning.runtime.keycloak import _sha256\n"
                     "server.stop()\n"
                     "KeycloakServer(None, d)._spawn(home)\n"
                     "self._spawn(home)\n", encoding="utf-8")
    assert sorted(private_uses(probe, {"_spawn", "_sha256"}, root=tmp_path)) == [
        "probe.py:1 imports _sha256 from provisioning.runtime.keycloak", "probe.py:3 calls ._spawn()"]
