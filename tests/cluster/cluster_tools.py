"""What the cluster tests do to the cluster: ask one node, sign professionals in through the balancer.

A brokered login here is the tablet's whole journey through the balancer's HTTPS URL (authorize →
the mock PSC's wallet → the professional's e-CPS phone approves the push → Keycloak's broker
endpoint → code exchange) with the run's CA trusted: fixtures/tablet.py's `psc_sign_in`, which
bench/login_load.py repeats too. Any failure on the way is a `SignInFailed` naming the step, so that a test can retry the
login once, as a tablet app would, and count the retries.
"""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from fixtures.realms import run_cli
from fixtures.tablet import SignInFailed, psc_sign_in
from mockpsc.testing import fresh_national_id
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
from provisioning.runtime.stack import LocalStack

STAFF_GROUP = "SMUR 67 Strasbourg"
STAFF_ROLE = "medecin"


def node_admin(stack: LocalStack, index: int) -> KeycloakAdmin:
    """The admin API of one node, on its own plain-HTTP loopback URL (not through the balancer)."""
    cluster = stack.keycloak
    return KeycloakAdmin(cluster.nodes[index].base_url,
                         PasswordCredentials(cluster.admin_username, cluster.admin_password))


def payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def admin_env(stack: LocalStack, files) -> dict:
    """What an admin's shell holds to run `smur-iam` against the cluster, through the balancer."""
    return files.env | stack.admin_env() | {
        "SMUR_IAM_MOCK_PSC_ISSUER": stack.psc.issuer,
        # Set on many machines, and obeyed by requests over a Session's own verify: --ca-bundle wins.
        "REQUESTS_CA_BUNDLE": requests.certs.where()}


def register_at_psc(stack: LocalStack, files) -> None:
    """PSC's side of the region's registration: Keycloak's broker endpoints at the public URL."""
    broker = f"{stack.keycloak.base_url}/realms/{files.realm}/broker/psc/endpoint"
    stack.psc.register_client(files.psc_client_id, files.psc_client_secret, redirect_uris=[broker],
                              post_logout_redirect_uris=[f"{broker}/logout_response"])


# -- staff ------------------------------------------------------------------------------------

def ensure_staff_group_and_role(stack: LocalStack, realm: str) -> None:
    """The SMUR base group and profession role a staff list names (made by the region's admins)."""
    admin = node_admin(stack, 0).realm(realm)
    if not admin.get("/admin/realms/{realm}/roles/{role}", role=STAFF_ROLE, allow_404=True):
        admin.post("/admin/realms/{realm}/roles", json={"name": STAFF_ROLE})
    if not admin.get("/admin/realms/{realm}/groups", params={"search": STAFF_GROUP, "exact": "true"}):
        admin.post("/admin/realms/{realm}/groups", json={"name": STAFF_GROUP})


def staff_list(path: Path, stack: LocalStack, count: int, label: str,
               keeping: Path | None = None) -> tuple[Path, list[str]]:
    """``count`` new professionals, each with an identity and an activated e-CPS (PIN 1234) at the
    mock PSC, written as a staff list after the lines of ``keeping`` (a list is the whole staff: who
    is not on it leaves); returns the file and the new professionals' national ids."""
    national_ids = [fresh_national_id() for _ in range(count)]
    lines = keeping.read_text(encoding="utf-8").splitlines() if keeping else \
        ["national_id,first_name,last_name,group,roles,email"]
    for i, national_id in enumerate(national_ids):
        stack.psc.add_identity(national_id, f"PRENOM{i}", f"{label.upper()}{i}", ecps={"pin": "1234"})
        lines.append(f"{national_id},Prenom{i},{label.upper()}{i},{STAFF_GROUP},{STAFF_ROLE},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, national_ids


def links_apply(stack: LocalStack, files, source: Path, timeout: int = 300):
    """`smur-iam links apply` through the balancer, as the region's admin runs it."""
    keycloak = stack.keycloak
    return run_cli("links", "apply", "--region", files.realm, "--from", str(source), "--server-url",
                   keycloak.base_url, "--ca-bundle", str(keycloak.ca_bundle), env=admin_env(stack, files),
                   timeout=timeout)


# -- brokered logins --------------------------------------------------------------------------

@dataclass
class LoginResult:
    national_id: str
    tokens: dict
    seconds: float
    attempts: int = 1
    failures: list[str] = field(default_factory=list)  # why the earlier attempts failed


def brokered_login(stack: LocalStack, realm: str, national_id: str) -> dict:
    """One brokered PSC login of the tablet app through the balancer; the token response."""
    return psc_sign_in(stack.keycloak.base_url, realm, national_id, stack.psc.wallet_origin,
                       ca_bundle=str(stack.keycloak.ca_bundle))


# A tablet app waits a moment before it retries: a request sent in the instant a node dies can meet
# its dying sockets; a second later HAProxy sends the retry to a live node.
RETRY_PAUSE = 1.0


def login_with_one_retry(stack: LocalStack, realm: str, national_id: str) -> LoginResult:
    """A brokered login that the tablet app retries once from the start, after RETRY_PAUSE, if it
    fails; a second failure raises SignInFailed with both reasons."""
    failures = []
    for attempt in (1, 2):
        if failures:
            time.sleep(RETRY_PAUSE)
        started = time.monotonic()
        try:
            tokens = brokered_login(stack, realm, national_id)
        except SignInFailed as exc:
            failures.append(str(exc))
            continue
        return LoginResult(national_id, tokens, time.monotonic() - started, attempt, failures)
    raise SignInFailed(f"{national_id} failed twice: {failures}")


def refresh(stack: LocalStack, realm: str, refresh_token: str) -> requests.Response:
    keycloak = stack.keycloak
    return requests.post(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/token", timeout=30,
                         verify=str(keycloak.ca_bundle), data={"grant_type": "refresh_token", "client_id": "smurtab",
                                                               "refresh_token": refresh_token})
