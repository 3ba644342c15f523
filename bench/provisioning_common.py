"""What the provisioning benchmarks share: a Keycloak and a mock PSC, counted plans, a timing helper."""
from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials  # noqa: E402
from provisioning.runtime.stack import LocalStack, StackSpec  # noqa: E402


@contextlib.contextmanager
def servers(keycloak_url: str | None, heap: str | None = None):
    """(Keycloak base URL, admin user, admin password, mock PSC): an existing Keycloak, or a fresh one of our own."""
    if keycloak_url:  # admin from SMUR_IAM_ADMIN_USER / SMUR_IAM_ADMIN_PASSWORD
        spec = StackSpec(keycloak_url=keycloak_url)
    else:
        spec = StackSpec(data_dir=Path(tempfile.mkdtemp(prefix="smur-iam-bench-")) / "kc", heap=heap)
    with LocalStack(spec) as stack:
        keycloak = stack.keycloak
        if not keycloak_url:
            print(f"Keycloak {keycloak.base_url} started in {keycloak.start_seconds:.1f}s (fresh database)")
        yield keycloak.base_url, keycloak.admin_username, keycloak.admin_password, stack.psc


def admin(base_url: str, user: str, password: str) -> KeycloakAdmin:
    # Bulk set-up requests (partialImport of hundreds of objects) may take longer than an admin command's.
    return KeycloakAdmin(base_url, PasswordCredentials(user, password), timeout=300)


def timed(action, runs: int = 1):
    """Run ``action`` ``runs`` times; return (median seconds, best seconds, last result)."""
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds), result


def counts(api: KeycloakAdmin) -> str:
    return ", ".join(f"{method} {n}" for method, n in sorted(api.requests.items()))
