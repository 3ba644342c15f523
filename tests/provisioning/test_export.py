"""`smur-iam export` brings a realm made by hand under management, without recreating anything."""
from __future__ import annotations

import shutil

import yaml

from fixtures.realms import REPO, run_cli, unique_realm


def test_hand_made_realm_is_exported_then_adopted(tmp_path, keycloak, oracle, admin_api, mock_psc):
    realm = unique_realm("hand-made")
    admin_api.post("/admin/realms", {"realm": realm, "enabled": True, "displayName": "SMUR fait main"})
    kc = oracle(realm)
    kc.create_realm_role({"name": "medecin", "description": "Médecin"})
    kc.create_realm_role({"name": "regulateur", "description": "Régulation", "attributes": {"professionCode": ["10"]}})
    kc.create_group({"name": "SMUR 67 Strasbourg", "attributes": {"departement": ["67"]}})
    group = kc.get_group_by_path("/SMUR 67 Strasbourg")
    kc.assign_group_realm_roles(group["id"], [kc.get_realm_role("medecin")])
    kc.create_client({"clientId": "legacy-tablet", "publicClient": True, "redirectUris": ["https://tab.example/cb"],
                      "directAccessGrantsEnabled": True})
    tablet_id = kc.get_client_id("legacy-tablet")
    kc.create_client({"clientId": "legacy-api", "publicClient": False, "standardFlowEnabled": False,
                      "directAccessGrantsEnabled": False})
    try:
        directory = tmp_path / "realm"
        directory.mkdir()
        shutil.copy(REPO / "realm" / "deployment.yaml", directory)
        (tmp_path / "mappers").mkdir()
        shutil.copy(REPO / "mappers" / "catalogue.yaml", tmp_path / "mappers")
        env = {"SMUR_IAM_KEYCLOAK_URL": keycloak.base_url, "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
               "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password, "SMUR_IAM_MOCK_PSC_ISSUER": mock_psc.issuer,
               "SMUR_IAM_CACHE": str(tmp_path / "cache"), "SMUR_IAM_PSC_ENVIRONMENT": "mock"}
        result = run_cli("export", str(directory), "--realm", realm, "--out", str(directory), env=env)
        assert result.returncode == 0, result.stderr
        # What the format cannot keep is said, since the next apply changes it.
        assert "client 'legacy-tablet' has directAccessGrantsEnabled on" in result.stderr
        exported = yaml.safe_load((directory / f"{realm}.yaml").read_text())
        assert exported["displayName"] == "SMUR fait main"
        clients = {c["clientId"]: c for c in exported["clients"]}
        assert clients["legacy-api"] == {"clientId": "legacy-api", "type": "bearer-only"}
        assert clients["legacy-tablet"]["redirectUris"] == ["https://tab.example/cb"]
        assert "type" not in clients["legacy-tablet"] and "pkce" not in clients["legacy-tablet"], "defaults stripped"
        assert {"name": "SMUR 67 Strasbourg", "attributes": {"departement": "67"}, "realmRoles": ["medecin"]} \
            in exported["groups"]
        assert {"name": "medecin", "description": "Médecin"} in exported["roles"]
        assert "identityProvider" not in exported and "users" not in exported

        assert run_cli("validate", str(directory), env=env).returncode == 0
        plan = run_cli("plan", str(directory), env=env)
        assert "  ~ update client 'legacy-tablet'\n      directAccessGrantsEnabled: True -> False" in plan.stdout
        assert "create client" not in plan.stdout and "create realm-role" not in plan.stdout
        result = run_cli("apply", str(directory), env=env)
        assert result.returncode == 0, result.stderr
        assert kc.get_client_id("legacy-tablet") == tablet_id, "adopted, not recreated"
        assert run_cli("plan", str(directory), "--detailed-exitcode", env=env).returncode == 0

        # Now managed: an object that leaves the files is deleted, since smur-iam owns it.
        region = directory / f"{realm}.yaml"
        data = yaml.safe_load(region.read_text())
        data["roles"] = [r for r in data["roles"] if r["name"] != "regulateur"]
        region.write_text(yaml.safe_dump(data, allow_unicode=True))
        plan = run_cli("plan", str(directory), env=env)
        assert "  - delete realm-role 'regulateur'  (created by smur-iam, no longer in the files)" in plan.stdout
    finally:
        admin_api.delete(f"/admin/realms/{realm}", allow_404=True)


def test_export_of_an_unknown_realm_names_it(tmp_path, keycloak):
    env = {"SMUR_IAM_KEYCLOAK_URL": keycloak.base_url, "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
           "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password}
    result = run_cli("export", str(tmp_path), "--realm", "t-no-such-realm", env=env)
    assert result.returncode == 1 and "realm 't-no-such-realm' does not exist" in result.stderr
