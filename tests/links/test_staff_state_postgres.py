"""The staff-state endpoint on PostgreSQL, production's database.

There the extension reads links, attributes, credentials, memberships and role mappings with native
queries of its own (the realm's user, group and role ids as arrays, three connections at once:
PostgresStaffTables), not the JPQL that H2 runs, so the comparisons of
test_staff_state.py with the stock users API run again here, on a Keycloak of this module backed by
a local PostgreSQL server. Its optimized build (database kind baked in) lives in the cache's
PostgreSQL tree (KeycloakDistribution variant), so the session's H2 Keycloak is never rebuilt under it.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from provisioning.links.realm_state import fetch_staff_state
from provisioning.runtime.postgres import PostgresNotFoundError, find_postgres_bin
from provisioning.runtime.stack import LocalStack, StackSpec

# Collected again in this module, where `keycloak` below is the PostgreSQL one.
from test_staff_state import (  # noqa: F401
    test_a_realm_of_several_thousand_users_is_read_whole_once,
    test_endpoint_and_stock_users_api_read_the_same_state,
)

@pytest.fixture(scope="module")
def keycloak(tmp_path_factory):
    """Overrides the session's H2 Keycloak for this module's tests."""
    try:
        find_postgres_bin()
    except PostgresNotFoundError as err:
        pytest.skip(f"no PostgreSQL server binaries: {err}")
    data = tmp_path_factory.mktemp("keycloak-postgres")
    # Outside pytest's base temp: any pytest session starting meanwhile on this machine sets
    # /tmp/pytest-of-<user> back to 0700, and the server (run as the postgres user) loses its data dir.
    postgres = Path(tempfile.mkdtemp(prefix="smur-iam-staff-state-pg-"))
    stack = LocalStack(StackSpec(data_dir=data / "keycloak", postgres_dir=postgres / "data", mock_psc=False),
                       progress=lambda line: print(f"[smur-iam postgres] {line}", file=sys.stderr))
    try:
        stack.start()
        yield stack.keycloak
    finally:
        stack.stop()
        shutil.rmtree(postgres, ignore_errors=True)


def test_on_postgresql_the_per_user_tables_are_read_by_user_ids(staff_realm, admin_api, keycloak):
    """The comparisons above would pass on the realm-filtered JPQL too: the server's log line of the read
    says which query ran."""
    lines, why_not = fetch_staff_state(admin_api, staff_realm.realm, "psc")
    assert why_not is None and lines is not None
    reads = [line for line in keycloak.log_path.read_text(errors="replace").splitlines()
             if f"staff state of realm {staff_realm.realm} read" in line]
    assert len(reads) == 1, reads
    # A realm of a few users among the server's: probed in the user-id indexes.
    assert reads[0].endswith("(per-user tables by user-id array, probed by index)"), reads[0]
