"""A region realm ready for staff links: provisioned, with SMUR base groups and profession roles."""
from __future__ import annotations

import pytest

from fixtures.realms import run_cli

GROUPS = ["SMUR 67 Strasbourg", "SMUR 68 Mulhouse"]
ROLES = ["medecin", "infirmier", "ambulancier", "interne"]


@pytest.fixture
def staff_realm(region_files, oracle):
    result = run_cli("apply", str(region_files.directory), env=region_files.env)
    assert result.returncode == 0, result.stderr
    kc = oracle(region_files.realm)
    for role in ROLES:
        kc.create_realm_role({"name": role}, skip_exists=True)
    for group in GROUPS:
        kc.create_group({"name": group}, skip_exists=True)
    return region_files
