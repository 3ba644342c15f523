"""`apply` killed at several points (a real process, SIGKILL or SIGTERM) then re-run: it converges.

After the re-run the realm holds each object once, nothing smur-iam made is
left unowned, the ownership record names exactly what the files state, and a
further apply sends no write request.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from fixtures.realms import REPO, plan_and_apply, run_cli
from provisioning.ownership import RECORD_ATTRIBUTE
from provisioning.resources.realm_roles import builtin_roles

BUILTIN_CLIENTS = {"account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console"}


def apply_and_kill(files, after_changes: int, sig: int) -> str:
    """Start `smur-iam apply`, kill it once it has announced ``after_changes`` changes; return its stderr."""
    process = subprocess.Popen([sys.executable, "-m", "provisioning.cli", "apply", str(files.directory)],
                               env=files.env, cwd=REPO, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, announced = [], 0
    for line in process.stderr:
        seen.append(line)
        announced += line.startswith("[")
        if announced >= after_changes:
            process.send_signal(sig)
            break
    seen += process.stderr.readlines()
    process.wait(timeout=60)
    assert announced >= after_changes, "".join(seen)
    return "".join(seen)


def assert_converged(files, oracle, admin_api):
    config = files.load()
    [region] = config.regions
    kc = oracle(files.realm)
    clients = [c["clientId"] for c in kc.get_clients() if c["clientId"] not in BUILTIN_CLIENTS]
    assert sorted(clients) == sorted(c.clientId for c in region.clients), "no duplicate, no orphan client"
    roles = [r["name"] for r in kc.get_realm_roles() if r["name"] not in builtin_roles(files.realm)]
    assert sorted(roles) == sorted(r.name for r in region.roles)
    groups = [g["name"] for g in kc.get_groups()]
    assert sorted(groups) == sorted(g.name for g in region.groups)
    mappers = [m["name"] for m in kc.get_idp_mappers("psc")]
    assert sorted(mappers) == sorted(m.name for m in config.identity_provider_mappers), "each mapper once"
    flows = [f["alias"] for f in kc.get_authentication_flows() if not f["builtIn"]]
    assert sorted(flows) == ["psc-first-login-deny", "smur-browser-psc-only", "smur-refuse-credentials"]
    for flow, steps in (("psc-first-login-deny", 1), ("smur-browser-psc-only", 2), ("smur-refuse-credentials", 1)):
        assert len(kc.get_authentication_flow_executions(flow)) == steps, flow
    assert [i["alias"] for i in kc.get_idps()] == ["psc"]
    users = kc.get_users({})
    assert [u["username"] for u in users] == ["899700218896"]
    assert len(kc.get_user_social_logins(users[0]["id"])) == 1
    for client in region.clients:
        names = [m["name"] for m in kc.get_client(kc.get_client_id(client.clientId)).get("protocolMappers", [])]
        assert len(names) == len(set(names)) == len(client.tokenClaims) + len(client.audiences) + len(client.sessionClaims)
    record = json.loads(kc.get_realm(files.realm)["attributes"][RECORD_ATTRIBUTE])
    assert sorted(record["objects"]["client"]) == sorted(clients)
    assert sorted(record["objects"]["realm-role"]) == sorted(roles)
    plan, applied = plan_and_apply(files, admin_api)
    assert plan.in_sync and applied == 0 and admin_api.write_count == 0


@pytest.mark.parametrize("kill_points", [[1], [6], [20], [2, 10, 8]], ids=["at-realm-creation", "early", "midway",
                                                                             "three-times"])
def test_killed_apply_converges_on_rerun(region_files, oracle, admin_api, kill_points):
    for point in kill_points:
        apply_and_kill(region_files, point, signal.SIGKILL)
    result = run_cli("apply", str(region_files.directory), "--lock-timeout", "5", env=region_files.env)
    assert result.returncode == 0, result.stderr
    if len(kill_points) == 1 and kill_points[0] > 1:
        # The killed run held the realm's lock: its pid is gone, so the re-run takes it over at once.
        assert "took over the apply lock" in result.stderr and "on this machine is gone" in result.stderr
    assert_converged(region_files, oracle, admin_api)


def test_terminated_apply_releases_its_lock_and_says_how_to_finish(region_files, oracle, admin_api):
    stderr = apply_and_kill(region_files, 10, signal.SIGTERM)
    assert "interrupted after" in stderr and "re-run `smur-iam apply`" in stderr
    result = run_cli("apply", str(region_files.directory), "--lock-timeout", "0", env=region_files.env)
    assert result.returncode == 0, result.stderr
    assert "took over" not in result.stderr, "SIGTERM released the lock on the way out"
    assert_converged(region_files, oracle, admin_api)
