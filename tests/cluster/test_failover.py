"""Failover on the production topology (issue 15): a node killed, a node restarted, PostgreSQL restarted.

The folder's one cluster (conftest.py). Each test starts and ends with both nodes UP behind the
balancer (`both_nodes_up`). Every loop is bounded in count and in time; the figures (retries,
seconds to recover) are printed, for the README and the closing notes.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from cluster_tools import (SignInFailed, admin_env, brokered_login, ensure_staff_group_and_role, links_apply,
                           login_with_one_retry, node_admin, payload, refresh, register_at_psc, staff_list)
from fixtures.realms import REPO, copy_realm_files, run_cli, unique_realm

pytestmark = pytest.mark.keycloak  # starts Keycloak nodes of its own

WORKERS = 3


@pytest.fixture(scope="module")
def staff(cluster, applied_realm, tmp_path_factory):
    """30 professionals linked to the applied region by a staff list, each with an e-CPS."""
    files, _ = applied_realm
    ensure_staff_group_and_role(cluster, files.realm)
    source, national_ids = staff_list(tmp_path_factory.mktemp("staff") / "staff.csv", cluster, 30, "failover")
    result = links_apply(cluster, files, source)
    assert result.returncode == 0, f"links apply failed:\n{result.stdout}\n{result.stderr}"
    return Staff(source, national_ids)


@dataclass
class Staff:
    source: Path  # the staff list as applied
    national_ids: list[str]


def report(line: str) -> None:
    print(f"[failover] {line}", file=sys.stderr)


def test_logins_go_on_while_node_a_is_killed_then_a_rejoins_and_takes_traffic(both_nodes_up, applied_realm, staff):
    cluster = both_nodes_up
    files, _ = applied_realm
    keycloak, balancer = cluster.keycloak, cluster.keycloak.balancer

    # A session made on node A alone: B out of the rotation for that one login.
    balancer.set_node_state("node-b", "maint")
    try:
        made_on_a = brokered_login(cluster, files.realm, staff.national_ids[0])
    finally:
        balancer.set_node_state("node-b", "ready")
    balancer.wait_for_state("node-b", "UP")

    # 18 professionals sign in, 3 at a time; node A is SIGKILLed once 4 of them are in.
    done, killed_at = [], threading.Event()
    lock = threading.Lock()

    def sign_in(national_id):
        result = login_with_one_retry(cluster, files.realm, national_id)
        with lock:
            done.append((result, killed_at.is_set()))
        return result

    def kill_node_a_after_four():
        deadline = time.monotonic() + 120
        while len(done) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        keycloak.node("node-a").kill()
        killed_at.set()

    killer = threading.Thread(target=kill_node_a_after_four, daemon=True)
    killer.start()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(sign_in, staff.national_ids[1:19]))  # a SignInFailed here: a login failed twice
    killer.join(timeout=130)
    assert killed_at.is_set(), "node A was never killed"
    retried = [r for r in results if r.attempts > 1]
    after_kill = sum(1 for _, after in done if after)
    report(f"18 logins, node A killed after {18 - after_kill}; {len(retried)} needed the one retry: "
           f"{[r.failures for r in retried]}")
    assert len(results) == 18 and after_kill >= 8, f"only {after_kill} logins ran after the kill"
    assert all(r.attempts <= 2 for r in results)
    balancer.wait_for_state("node-a", "DOWN", timeout=10)

    # The session made on A refreshes on B, A being dead: the session lives in the cluster, not in A.
    refreshed = refresh(cluster, files.realm, made_on_a["refresh_token"])
    assert refreshed.status_code == 200, f"the session made on node A died with it: {refreshed.text}"
    assert payload(refreshed.json()["access_token"])["sid"] == payload(made_on_a["access_token"])["sid"]

    # While A is down, a client is made through B; a cached client then changes once A is back.
    client_id, secret = f"failover-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    node_admin(cluster, 1).realm(files.realm).post("/admin/realms/{realm}/clients", json={
        "clientId": client_id, "secret": secret, "publicClient": False, "serviceAccountsEnabled": True,
        "standardFlowEnabled": False, "directAccessGrantsEnabled": False})

    seconds = keycloak.restart_node("node-a")
    report(f"node A restarted and UP in HAProxy after {seconds:.1f}s")
    node_a_url = f"{keycloak.node('node-a').base_url}/realms/{files.realm}/protocol/openid-connect/token"

    def client_token(secret_value):
        return requests.post(node_a_url, timeout=10, data={"grant_type": "client_credentials", "client_id": client_id,
                                                            "client_secret": secret_value})

    assert client_token(secret).status_code == 200, "node A does not know the client made while it was down"
    # A rejoined the cluster, not just the database: B's change of the secret reaches A's cache (an
    # invalidation message) and A refuses the old secret within seconds.
    admin_b = node_admin(cluster, 1).realm(files.realm)
    [client] = admin_b.get("/admin/realms/{realm}/clients", params={"clientId": client_id})
    admin_b.put("/admin/realms/{realm}/clients/{id}", id=client["id"], json={**client, "secret": uuid.uuid4().hex})
    deadline = time.monotonic() + 10
    while (answer := client_token(secret).status_code) == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer == 401, "node A still accepts the old secret: it gets no invalidation from B"

    # A takes traffic again: logins through the balancer reach it.
    sent_before = balancer.requests_sent()["node-a"]
    with ThreadPoolExecutor(WORKERS) as pool:
        after = list(pool.map(lambda n: login_with_one_retry(cluster, files.realm, n), staff.national_ids[19:25]))
    assert all(r.attempts == 1 for r in after), [r.failures for r in after]
    assert balancer.requests_sent()["node-a"] > sent_before, "HAProxy sends node A nothing after it rejoined"


def cut_by_a_crash(cluster, node_name: str, args: list[str], env: dict, writing, log_path: Path) -> int:
    """Run `smur-iam <args>` through the balancer, SIGKILL ``node_name`` once ``writing()`` says the run
    has begun writing to Keycloak, restart the node; the run's exit code."""
    with open(log_path, "w") as log:
        run = subprocess.Popen([sys.executable, "-m", "provisioning.cli", *args], env=env, cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 180
        while run.poll() is None and not writing() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run.poll() is None, f"`smur-iam {' '.join(args[:2])}` ended before it could be cut:\n" \
                                   f"{log_path.read_text()}"
        cluster.keycloak.node(node_name).kill()
        code = run.wait(timeout=300)
    seconds = cluster.keycloak.restart_node(node_name)
    report(f"`smur-iam {' '.join(args[:2])}` cut by killing {node_name}: exited {code}; {node_name} back in "
           f"{seconds:.1f}s; its output ends: {log_path.read_text().strip().splitlines()[-1:]}")
    return code


def test_apply_and_links_apply_cut_by_a_node_crash_converge_when_run_again(both_nodes_up, applied_realm, staff,
                                                                          tmp_path):
    cluster = both_nodes_up
    linked, _ = applied_realm
    region = copy_realm_files(tmp_path / "region", unique_realm("cut"))
    register_at_psc(cluster, region)
    node_b = node_admin(cluster, 1)

    # `apply` of a new region, node A killed once the realm exists (the rest is being written).
    def realm_created():
        return node_b.get(f"/admin/realms/{region.realm}", realm=region.realm, allow_404=True) is not None

    cut_by_a_crash(cluster, "node-a", ["apply", str(region.directory)], admin_env(cluster, region), realm_created,
                   tmp_path / "apply.log")
    again = run_cli("apply", str(region.directory), env=admin_env(cluster, region), timeout=300)
    assert again.returncode == 0, f"apply after the crash:\n{again.stdout}\n{again.stderr}"
    plan = run_cli("plan", str(region.directory), "--detailed-exitcode", env=admin_env(cluster, region))
    assert plan.returncode == 0, f"apply did not converge:\n{plan.stdout}\n{plan.stderr}"

    # `links apply` of 300 new professionals (12 batches), node B killed once the first batch is in.
    realm = node_b.realm(linked.realm)
    accounts_before = realm.get("/admin/realms/{realm}/users/count")
    source, national_ids = staff_list(tmp_path / "staff.csv", cluster, 300, "cut", keeping=staff.source)

    def first_batch_in():
        return realm.get("/admin/realms/{realm}/users/count") >= accounts_before + 25

    cut_by_a_crash(cluster, "node-b", ["links", "apply", "--region", linked.realm, "--from", str(source)],
                   admin_env(cluster, linked), first_batch_in, tmp_path / "links.log")
    again = links_apply(cluster, linked, source)
    assert again.returncode == 0, f"links apply after the crash:\n{again.stdout}\n{again.stderr}"

    # Converged: nothing left to do; one account per professional, linked once, with the role once.
    links_plan = run_cli("links", "plan", "--region", linked.realm, "--from", str(source), "--detailed-exitcode",
                         env=admin_env(cluster, linked))
    assert links_plan.returncode == 0, f"links apply did not converge:\n{links_plan.stdout}\n{links_plan.stderr}"
    assert realm.get("/admin/realms/{realm}/users/count") == accounts_before + 300
    for national_id in national_ids[::15]:  # 20 of them, first batch to last
        users = realm.get("/admin/realms/{realm}/users", params={"q": f"idnat:{national_id}"})
        assert len(users) == 1, f"{national_id}: {len(users)} accounts"
        links = realm.get("/admin/realms/{realm}/users/{id}/federated-identity", id=users[0]["id"])
        assert [(link["identityProvider"], link["userId"]) for link in links] == [("psc", national_id)]
        roles = realm.get("/admin/realms/{realm}/users/{id}/role-mappings/realm", id=users[0]["id"])
        assert [r["name"] for r in roles].count("medecin") == 1


def test_logins_resume_after_postgresql_restarts_under_load_without_restarting_keycloak(both_nodes_up,
                                                                                       applied_realm, staff):
    cluster = both_nodes_up
    files, _ = applied_realm
    jvms = [node.pid for node in cluster.keycloak.nodes]
    outcomes: list[tuple[float, float, str | None]] = []  # (started, ended, failure)
    stop = threading.Event()

    def keep_signing_in(mine):
        for i in range(60):  # bounded: 60 logins or until told to stop
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                brokered_login(cluster, files.realm, mine[i % len(mine)])
                outcomes.append((started, time.monotonic(), None))
            except SignInFailed as exc:
                outcomes.append((started, time.monotonic(), str(exc)))
                time.sleep(0.5)

    workers = [threading.Thread(target=keep_signing_in, args=(staff.national_ids[i::2],), daemon=True) for i in range(2)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 120
        while sum(1 for *_, failure in outcomes if failure is None) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        cut = time.monotonic()
        away = cluster.postgres.restart()
        back = time.monotonic()
        # Recovered: three logins in a row, begun after PostgreSQL came back, succeeded.
        deadline = back + 120
        while time.monotonic() < deadline:
            after = [o for o in outcomes if o[0] >= back]
            if len(after) >= 3 and all(failure is None for *_, failure in after[-3:]):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    after = [o for o in outcomes if o[0] >= back]
    first_ok = min((ended for started, ended, failure in after if failure is None), default=None)
    failed = [failure for started, ended, failure in outcomes if failure and ended >= cut]
    report(f"PostgreSQL away {away:.1f}s; {len(failed)} logins failed around it; first login begun after it "
           f"succeeded {first_ok - back if first_ok else float('nan'):.1f}s after it was back; failures: {failed[:3]}")
    assert first_ok is not None and first_ok - back <= 30, "logins did not resume within 30 s of PostgreSQL's return"
    assert all(failure is None for *_, failure in after[-3:])
    assert [node.pid for node in cluster.keycloak.nodes] == jvms and all(n.running for n in cluster.keycloak.nodes)
