"""The 18 shipped regions applied once for this package: test_reference_outputs.py compares what
planning, applying and exporting them printed, test_regions.py checks the realms (and edits some by
hand, putting them back). Applying them costs about 40 s on this machine: once, not twice.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from fixtures.realms import all_secrets_env, copy_all_regions, drop_realms, run_cli
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials


def fixed_secrets(directory: Path) -> dict[str, str]:
    """The secrets the region files reference, with values that are the same on every run."""
    return {name: f"reference-{name.lower().replace('_', '-')}" for name in all_secrets_env(directory)}


def _cli(*args: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = run_cli(*args, env=env, timeout=timeout)
    assert result.returncode == 0, f"smur-iam {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@dataclasses.dataclass
class AppliedRegions:
    prefix: str
    root: Path
    directory: Path  # root/realm: the region files, each realm renamed <prefix>-<region>
    env: dict
    realms: dict[str, str]  # shipped realm name -> realm of this run
    keycloak: object
    plan_before_apply: str  # plan --json while none of the realms existed
    plan_before_apply_verbose: str
    apply: subprocess.CompletedProcess
    export_dir: Path
    export_stderr: str
    plan_after_apply: str

    def api(self) -> KeycloakAdmin:
        return KeycloakAdmin(self.keycloak.base_url,
                             PasswordCredentials(self.keycloak.admin_username, self.keycloak.admin_password))


@pytest.fixture(scope="package")
def applied_regions(tmp_path_factory, keycloak, mock_psc):
    root = tmp_path_factory.mktemp("reference-outputs")
    prefix = f"ref{uuid.uuid4().hex[:6]}"
    realms = copy_all_regions(root, prefix)
    directory = root / "realm"
    env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_PSC_ENVIRONMENT": "mock",
           "SMUR_IAM_MOCK_PSC_ISSUER": mock_psc.issuer, "SMUR_IAM_CACHE": str(root / "cache"),
           "SMUR_IAM_KEYCLOAK_URL": keycloak.base_url, "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
           "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password, **fixed_secrets(directory)}
    before = _cli("plan", str(directory), "--json", env=env).stdout
    before_verbose = _cli("plan", str(directory), "--verbose", env=env).stdout
    applied = _cli("apply", str(directory), env=env, timeout=900)
    export_dir = root / "exported"
    exported = _cli("export", str(directory), "--out", str(export_dir), env=env)
    after = _cli("plan", str(directory), "--json", env=env).stdout
    found = AppliedRegions(prefix, root, directory, env, realms, keycloak, before, before_verbose, applied,
                           export_dir, exported.stderr, after)
    yield found
    drop_realms(keycloak, found.api(), realms.values())
