"""The PSC-only sign-in surface is provisioned like every other object (issue 11): plan shows it, apply
sets it, drift reports a hand change to any part of it, apply puts it back, export says what it cannot keep.

The attacks themselves (a password grant, kc_action, the account API...) are in tests/security.
"""
from __future__ import annotations

import json

from fixtures.realms import run_cli

HAND_EDITS = {  # (kind, key, field path) drift must name
    ("realm-sign-in", "browserFlow"),
    ("required-actions", "enabled"),
    ("builtin-client", "directAccessGrantsEnabled"),
    ("client", "authenticationFlowBindingOverrides.direct_grant"),
    ("offline-access", "defaultRole"),
    ("user-profile", "editableByUsers"),
    ("realm", "eventsEnabled"),
    ("realm", "bruteForceProtected"),
    ("identity-provider", "config.prompt"),
    ("identity-provider", "config.forwardParameters"),
}


def test_a_new_realm_plan_shows_the_sign_in_surface(region_files):
    result = run_cli("plan", str(region_files.directory), env=region_files.env)

    assert result.returncode == 0, result.stderr
    for line in ("+ create authentication-flow 'smur-browser-psc-only'",
                 "+ create authentication-flow 'smur-refuse-credentials'",
                 f"+ create realm-sign-in '{region_files.realm}'",
                 "+ create required-actions 'required-actions'",
                 f"+ create offline-access '{region_files.realm}'",
                 "+ create builtin-client 'admin-cli'"):
        assert line in result.stdout, result.stdout
    assert "builtin-client 'realm-management'" not in result.stdout, "Keycloak refuses any change to it"


def test_drift_names_every_hand_change_to_the_sign_in_surface_and_apply_closes_it_again(provisioned, oracle):
    realm = provisioned.realm
    kc = oracle(realm)
    kc.update_realm(realm, {"browserFlow": "browser", "eventsEnabled": False, "bruteForceProtected": False})
    action = next(a for a in kc.get_required_actions() if a["alias"] == "UPDATE_PASSWORD")
    kc.update_required_action("UPDATE_PASSWORD", {**action, "enabled": True})
    admin_cli = kc.get_client(kc.get_client_id("admin-cli"))
    kc.update_client(admin_cli["id"], {**admin_cli, "directAccessGrantsEnabled": True})
    stock_direct_grant = next(f["id"] for f in kc.get_authentication_flows() if f["alias"] == "direct grant")
    smurtab = kc.get_client(kc.get_client_id("smurtab"))
    kc.update_client(smurtab["id"], {**smurtab, "authenticationFlowBindingOverrides": {"direct_grant": stock_direct_grant}})
    kc.add_composite_realm_roles_to_role(f"default-roles-{realm}", [kc.get_realm_role("offline_access")])
    profile = kc.get_realm_users_profile()
    for attribute in profile["attributes"]:
        if attribute["name"] == "firstName":
            attribute["permissions"]["edit"] = ["admin", "user"]
    kc.update_realm_users_profile(profile)
    idp = kc.get_idp("psc")
    idp["config"] |= {"prompt": "", "forwardParameters": ""}
    kc.update_idp("psc", idp)

    result = run_cli("drift", str(provisioned.directory), "--json", env=provisioned.env)

    assert result.returncode == 2, result.stdout + result.stderr
    [report] = json.loads(result.stdout)["realms"]
    found = {(item["kind"], field["path"]) for item in report["drift"] for field in item["fields"]}
    assert HAND_EDITS <= found, sorted(HAND_EDITS - found)
    assert all(item["what"] == "changed by hand" for item in report["drift"]), report["drift"]

    applied = run_cli("apply", str(provisioned.directory), "--yes", env=provisioned.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert run_cli("drift", str(provisioned.directory), env=provisioned.env).returncode == 0
    rep = kc.get_realm(realm)
    assert rep["browserFlow"] == "smur-browser-psc-only" and rep["eventsEnabled"] and rep["bruteForceProtected"]
    assert not next(a for a in kc.get_required_actions() if a["alias"] == "UPDATE_PASSWORD")["enabled"]
    assert kc.get_client(admin_cli["id"])["directAccessGrantsEnabled"] is False
    assert kc.get_client(smurtab["id"])["authenticationFlowBindingOverrides"] == {}
    assert "offline_access" not in {r["name"] for r in kc.get_composite_realm_roles_of_role(f"default-roles-{realm}")}
    first_name = next(a for a in kc.get_realm_users_profile()["attributes"] if a["name"] == "firstName")
    assert first_name["permissions"]["edit"] == ["admin"]
    assert kc.get_idp("psc")["config"]["prompt"] == "login"


def test_export_warns_that_apply_would_close_a_realm_opened_by_hand(provisioned, oracle, tmp_path):
    realm = provisioned.realm
    kc = oracle(realm)
    clean = run_cli("export", str(provisioned.directory), "--realm", realm, "--out", str(tmp_path), env=provisioned.env)
    assert clean.returncode == 0, clean.stderr
    assert "not PSC-only" not in clean.stderr and "required action" not in clean.stderr, clean.stderr

    kc.update_realm(realm, {"browserFlow": "browser", "resetPasswordAllowed": True})
    action = next(a for a in kc.get_required_actions() if a["alias"] == "CONFIGURE_TOTP")
    kc.update_required_action("CONFIGURE_TOTP", {**action, "enabled": True})
    opened = run_cli("export", str(provisioned.directory), "--realm", realm, "--out", str(tmp_path), "--force",
                     env=provisioned.env)

    assert opened.returncode == 0, opened.stderr
    assert "is not PSC-only (browserFlow, resetPasswordAllowed)" in opened.stderr, opened.stderr
    assert "required action(s) CONFIGURE_TOTP enabled: apply would disable them" in opened.stderr, opened.stderr
