"""`smur-iam plan` and `apply` as an admin runs them: readable diff, JSON, exit codes, saved plans, offline PSC."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

from fixtures.realms import run_cli
from provisioning.psc_discovery import cache_file

NATIONAL_ID = "899700218896"


def test_plan_of_a_new_realm_lists_creates_and_exits_2(region_files):
    result = run_cli("plan", str(region_files.directory), "--detailed-exitcode", env=region_files.env)
    assert result.returncode == 2, result.stderr
    out = result.stdout
    assert f"realm {region_files.realm} (" in out
    assert f"  + create realm '{region_files.realm}'" in out
    assert "  + create client 'smur-backoffice'" in out and "  + create group 'SMUR 67 Strasbourg'" in out
    assert "Plan: " in out and " to create, 0 to update, 0 to delete in 1 of 1 realm(s)" in out
    verbose = run_cli("plan", str(region_files.directory), "-v", env=region_files.env).stdout
    assert "      redirectUris: " in verbose and "      secret: ********" in verbose
    assert region_files.env["SMUR_BACKOFFICE_SECRET_GRAND_EST"] not in verbose


def test_update_shows_field_before_and_after_and_unchanged_count(provisioned):
    provisioned.edit("description: SMUR intervention sheet, tablet app", "description: Fiche SMUR")
    result = run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env)
    assert result.returncode == 2
    assert "  ~ update client 'smurtab'\n      description: 'SMUR intervention sheet, tablet app' -> 'Fiche SMUR'" \
        in result.stdout
    assert ": 1 to update, " in result.stdout and " unchanged" in result.stdout

    plan = json.loads(run_cli("plan", str(provisioned.directory), "--json", env=provisioned.env).stdout)
    [realm] = plan["realms"]
    assert realm["inSync"] is False and realm["unchanged"] > 30
    assert realm["changes"] == [{"kind": "client", "key": "smurtab", "action": "update", "reason": None,
                                 "handMade": False, "fields": [{"path": "description",
                                                                "before": "SMUR intervention sheet, tablet app",
                                                                "after": "Fiche SMUR"}]}]
    assert plan["summary"]["update"] == 1 and plan["pending"] == 1


def test_hand_made_objects_are_reported_kept_and_pruned_only_when_asked(provisioned, oracle):
    kc = oracle(provisioned.realm)
    kc.create_client({"clientId": "legacy-portal", "publicClient": True, "redirectUris": ["https://legacy.example/"]})
    kc.create_realm_role({"name": "chef-de-garde"})
    result = run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env)
    assert result.returncode == 0, "hand-made objects alone leave nothing to apply"
    assert "  ? 2 object(s) made by hand, kept (--prune-unmanaged would delete them):" in result.stdout
    assert "      client 'legacy-portal'" in result.stdout and "      realm-role 'chef-de-garde'" in result.stdout

    result = run_cli("plan", str(provisioned.directory), "--prune-unmanaged", "--detailed-exitcode", env=provisioned.env)
    assert result.returncode == 2
    assert "  - delete client 'legacy-portal'  (made by hand (--prune-unmanaged))" in result.stdout
    assert "Plan: 0 to create, 0 to update, 2 to delete" in result.stdout

    assert run_cli("apply", str(provisioned.directory), env=provisioned.env).returncode == 0
    assert kc.get_client_id("legacy-portal"), "apply without --prune-unmanaged deletes nothing made by hand"
    result = run_cli("apply", str(provisioned.directory), "--prune-unmanaged", env=provisioned.env)
    assert result.returncode == 0, result.stderr
    assert "2 deleted" in result.stdout
    assert kc.get_client_id("legacy-portal") is None


def test_apply_prints_progress_and_a_summary(region_files):
    result = run_cli("apply", str(region_files.directory), env=region_files.env)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    total = len(progress)
    assert progress[0] == f"[1/{total}] create {region_files.realm}: realm '{region_files.realm}'"
    assert progress[-1].startswith(f"[{total}/{total}] ")
    assert f"Applied {total} change(s) in 1 realm(s): {total} created, 0 updated, 0 deleted (" in result.stdout
    again = run_cli("apply", str(region_files.directory), env=region_files.env)
    assert again.returncode == 0 and "Nothing to apply." in again.stdout


def test_dependency_order_is_computed(region_files):
    """Flow before the provider bound to it, profile attributes before users, provider before its mappers and links."""
    result = run_cli("apply", str(region_files.directory), env=region_files.env)
    order = [line.split(": ", 1)[1].split(" '")[0] for line in result.stderr.splitlines() if line.startswith("[")]
    position = {kind: order.index(kind) for kind in set(order)}
    assert position["realm"] == 0
    assert position["authentication-flow"] < position["identity-provider"] < position["identity-provider-mapper"]
    assert position["user-profile-attribute"] < position["user"] < position["user-link"]
    assert position["identity-provider"] < position["user-link"]
    assert position["realm-role"] < position["group"] and position["client"] < position["client-protocol-mapper"]


def test_saved_plan_is_applied_exactly_or_refused(provisioned, oracle, tmp_path):
    plan_file = tmp_path / "reviewed.plan.json"
    provisioned.edit("description: SMUR intervention sheet, tablet app", "description: Fiche SMUR")
    result = run_cli("plan", str(provisioned.directory), "--out", str(plan_file), env=provisioned.env)
    assert result.returncode == 0 and plan_file.exists()
    saved = plan_file.read_text()
    for secret in (provisioned.psc_client_secret, provisioned.env["SMUR_BACKOFFICE_SECRET_GRAND_EST"]):
        assert secret not in saved, "a saved plan holds no secret"

    kc = oracle(provisioned.realm)
    internal = kc.get_client_id("smurtab")
    kc.update_client(internal, {"name": "renamed by hand meanwhile"})
    result = run_cli("apply", str(provisioned.directory), "--plan-file", str(plan_file), env=provisioned.env)
    assert result.returncode == 1
    assert f"realm '{provisioned.realm}': Keycloak changed since the plan was saved" in result.stderr
    assert kc.get_client(internal)["description"] == "SMUR intervention sheet, tablet app", "nothing written"

    run_cli("plan", str(provisioned.directory), "--out", str(plan_file), env=provisioned.env)
    provisioned.edit("description: Fiche SMUR", "description: Fiche SMUR (tablette)")
    result = run_cli("apply", str(provisioned.directory), "--plan-file", str(plan_file), env=provisioned.env)
    assert result.returncode == 1 and "the files changed since the plan was saved" in result.stderr

    run_cli("plan", str(provisioned.directory), "--out", str(plan_file), env=provisioned.env)
    result = run_cli("apply", str(provisioned.directory), "--plan-file", str(plan_file), env=provisioned.env)
    assert result.returncode == 0, result.stderr
    assert kc.get_client(internal)["description"] == "Fiche SMUR (tablette)"
    assert kc.get_client(internal)["name"] == "SMUR-T@b", "the hand edit of a stated field is put back"


def test_plan_works_offline_from_the_cached_psc_discovery(provisioned):
    env = provisioned.env
    unreachable = env | {"SMUR_IAM_MOCK_PSC_ISSUER": "http://127.0.0.1:9/auth/realms/esante-wallet"}
    # The files now name a PSC that does not answer: its document was never cached, so nothing to fall back on.
    result = run_cli("plan", str(provisioned.directory), env=unreachable)
    assert result.returncode == 3 and "cannot read PSC discovery" in result.stderr

    # The real mock's document was cached by the apply: plan works with --offline, and when PSC is down.
    result = run_cli("plan", str(provisioned.directory), "--offline", "--detailed-exitcode", env=env)
    assert result.returncode == 0, result.stderr
    assert "offline: PSC endpoints from the discovery document cached on" in result.stderr
    cached = cache_file_for(env)
    assert json.loads(cached.read_text())["document"]["issuer"] == env["SMUR_IAM_MOCK_PSC_ISSUER"]

    moved = provisioned.directory.parent / "cache-copy"
    shutil.copytree(cached.parent.parent, moved)
    result = run_cli("plan", str(provisioned.directory), "--offline", env=env | {"SMUR_IAM_CACHE": str(moved / "x")})
    assert result.returncode == 3 and "no cached PSC discovery" in result.stderr


def cache_file_for(env):
    environment = SimpleNamespace(issuer=env["SMUR_IAM_MOCK_PSC_ISSUER"],
                                  discoveryPath="/.well-known/wallet-openid-configuration")
    return cache_file(environment, root=Path(env["SMUR_IAM_CACHE"]))


def test_unknown_realm_and_unreadable_ownership_record_are_clear_errors(provisioned, admin_api):
    result = run_cli("plan", str(provisioned.directory), "--realm", "smur-atlantide", env=provisioned.env)
    assert result.returncode == 1 and "not in the files: smur-atlantide" in result.stderr
    realm = admin_api.get(f"/admin/realms/{provisioned.realm}")
    attributes = {**realm["attributes"], "smurIam.ownership": "edited by hand"}
    admin_api.put(f"/admin/realms/{provisioned.realm}", {"attributes": attributes})
    result = run_cli("plan", str(provisioned.directory), env=provisioned.env)
    assert result.returncode == 1
    assert f"realm '{provisioned.realm}': the realm attribute smurIam.ownership is not a smur-iam ownership record" \
        in result.stderr
