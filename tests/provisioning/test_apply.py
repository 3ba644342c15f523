"""`apply` against the real Keycloak: what it creates, idempotence, merges, credentials, errors."""
from __future__ import annotations

import pytest

from fixtures.realms import plan_and_apply, run_cli
from provisioning.keycloak_api import ClientCredentials, KeycloakAdmin, KeycloakError

NATIONAL_ID = "899700218896"


def test_apply_creates_the_region_as_stated(provisioned, oracle, mock_psc):
    kc = oracle(provisioned.realm)
    realm = kc.get_realm(provisioned.realm)
    assert realm["enabled"] and realm["registrationAllowed"] is False

    idp = kc.get_idp("psc")
    config = idp["config"]
    assert idp["providerId"] == "oidc" and idp["trustEmail"] is False
    assert idp["firstBrokerLoginFlowAlias"] == "psc-first-login-deny"
    # Endpoints come from the mock's discovery document, acr fixed on the authorize URL.
    assert config["issuer"] == mock_psc.issuer
    assert config["authorizationUrl"].endswith("?acr_values=eidas1")
    assert config["tokenUrl"].startswith(mock_psc.issuer)
    # acr is a minimum the PSC extension checks, not Keycloak's claim filter (identity_provider.py).
    assert config["smurIam.minimumAcr"] == "eidas1" and config["filteredByClaim"] == "false"
    assert "claimFilterName" not in config and "claimFilterValue" not in config
    assert (config["pkceEnabled"], config["pkceMethod"]) == ("true", "S256")
    assert config["clientAuthMethod"] == "client_secret_basic"
    assert config["validateSignature"] == "true" and config["useJwksUrl"] == "true"
    assert config["syncMode"] == "IMPORT"
    assert config["forwardParameters"] and "acr_values" not in config["forwardParameters"]
    assert config["clientSecret"] == "**********"  # stored, never shown back

    mappers = {m["name"]: m for m in kc.get_idp_mappers("psc")}
    assert mappers["broker-id-from-national-id"]["config"]["template"] == "${CLAIM.SubjectNameID}"
    assert mappers["broker-id-from-national-id"]["config"]["target"] == "BROKER_ID"
    assert mappers["national-id"]["config"]["claim"] == "SubjectNameID"

    profile = {a["name"]: a for a in kc.get_realm_users_profile()["attributes"]}
    assert {"rpps", "idnat"} <= profile.keys()
    assert "required" not in profile["email"], "PSC sends no email: it must not be required"

    client = kc.get_clients()
    smurtab = next(c for c in client if c["clientId"] == "smurtab")
    assert smurtab["publicClient"] and smurtab["attributes"]["pkce.code.challenge.method"] == "S256"
    assert smurtab["directAccessGrantsEnabled"] is False and smurtab["implicitFlowEnabled"] is False
    claims = {m["name"]: m["config"] for m in smurtab["protocolMappers"]}
    assert claims["rpps"]["user.attribute"] == "rpps" and claims["rpps"]["id.token.claim"] == "true"

    users = kc.get_users({"username": NATIONAL_ID, "exact": True})
    assert len(users) == 1
    user = users[0]
    assert user["attributes"]["rpps"] == ["99700218896"] and user["attributes"]["idnat"] == [NATIONAL_ID]
    assert kc.get_credentials(user["id"]) == []  # passwordless: PSC only
    links = kc.get_user_social_logins(user["id"])
    assert links == [{"identityProvider": "psc", "userId": NATIONAL_ID, "userName": NATIONAL_ID}]


def test_second_apply_sends_no_write_request(provisioned, admin_api):
    plan, applied = plan_and_apply(provisioned, admin_api)
    assert plan.in_sync and applied == 0
    assert admin_api.write_count == 0, dict(admin_api.requests)
    result = run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env)
    assert result.returncode == 0 and "in sync" in result.stdout


def test_update_writes_only_what_changed_and_keeps_hand_made_config(provisioned, admin_api, oracle):
    kc = oracle(provisioned.realm)
    idp = kc.get_idp("psc")
    idp["config"]["guiOrder"] = "7"  # set by hand in the console; not in our files
    kc.update_idp("psc", idp)

    provisioned.edit("  displayName: Pro Santé Connect", "  displayName: PSC (e-CPS)")
    provisioned.edit("description: SMUR intervention sheet, tablet app", "description: Fiche SMUR")
    plan, applied = plan_and_apply(provisioned, admin_api)
    changed = {(c.kind, c.key): [f.path for f in c.fields] for c in plan.realms[0].pending}
    assert changed == {("identity-provider", "psc"): ["displayName"], ("client", "smurtab"): ["description"]}
    # Two object writes, plus the apply lock (take, release) and the ownership record (new digests).
    assert applied == 2 and admin_api.requests["PUT"] == 3
    assert admin_api.requests["POST"] == 1 and admin_api.requests["DELETE"] == 1

    idp = kc.get_idp("psc")
    assert idp["displayName"] == "PSC (e-CPS)"
    assert idp["config"]["guiOrder"] == "7", "a config key the file does not state must survive"
    assert idp["config"]["smurIam.minimumAcr"] == "eidas1"


def test_secret_rotation_is_planned_masked_and_applied(provisioned, mock_psc):
    old = provisioned.psc_client_secret
    provisioned.env["PSC_CLIENT_SECRET_GRAND_EST"] = "rotated-" + old
    result = run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env)
    assert result.returncode == 2, result.stderr
    assert "config.clientSecret: ******** -> (new value)" in result.stdout
    assert old not in result.stdout + result.stderr and "rotated-" not in result.stdout + result.stderr
    result = run_cli("plan", str(provisioned.directory), "--json", env=provisioned.env)
    assert old not in result.stdout and "rotated-" not in result.stdout
    assert run_cli("apply", str(provisioned.directory), env=provisioned.env).returncode == 0
    assert run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env).returncode == 0


def test_service_account_with_create_realm_only_can_provision(region_files, keycloak, oracle):
    """Deployments need no admin password: a client with the `create-realm` role is enough."""
    master = oracle("master")
    client_id = f"provisioner-{region_files.realm}"
    master.create_client({"clientId": client_id, "publicClient": False, "serviceAccountsEnabled": True,
                          "standardFlowEnabled": False, "secret": "provisioner-secret"})
    internal = master.get_client_id(client_id)
    account = master.get_client_service_account_user(internal)
    master.assign_realm_roles(account["id"], [master.get_realm_role("create-realm")])

    api = KeycloakAdmin(keycloak.base_url, ClientCredentials(client_id, "provisioner-secret"))
    plan, applied = plan_and_apply(region_files, api)
    assert applied == len(plan.realms[0].changes) > 10
    plan, applied = plan_and_apply(region_files, api)
    assert plan.in_sync and applied == 0

    env = {k: v for k, v in region_files.env.items() if not k.startswith("SMUR_IAM_ADMIN")}
    env |= {"SMUR_IAM_CLIENT_ID": client_id, "SMUR_IAM_CLIENT_SECRET": "provisioner-secret"}
    result = run_cli("plan", str(region_files.directory), "--detailed-exitcode", env=env)
    assert result.returncode == 0, result.stderr


def test_unreachable_or_refused_keycloak_exits_3(region_files):
    env = region_files.env | {"SMUR_IAM_ADMIN_PASSWORD": "wrong"}
    result = run_cli("plan", str(region_files.directory), env=env)
    assert result.returncode == 3
    assert "refused the admin credentials of user 'admin'" in result.stderr
    assert "wrong" not in result.stderr

    env = region_files.env | {"SMUR_IAM_KEYCLOAK_URL": "http://127.0.0.1:9"}
    result = run_cli("apply", str(region_files.directory), env=env)
    assert result.returncode == 3 and "cannot reach Keycloak" in result.stderr


def test_keycloak_refusal_names_realm_and_object(provisioned, oracle, admin_api):
    kc = oracle(provisioned.realm)
    kc.create_user({"username": "someone-else", "email": "camille.durand@chru-strasbourg.fr", "enabled": True})
    provisioned.edit("    lastName: Durand", "    lastName: Durand\n    email: camille.durand@chru-strasbourg.fr")
    with pytest.raises(KeycloakError) as caught:
        plan_and_apply(provisioned, admin_api)
    message = str(caught.value)
    assert f"realm '{provisioned.realm}'" in message and f"user '{NATIONAL_ID}'" in message
    assert "HTTP 409" in message and "same email" in message

    result = run_cli("apply", str(provisioned.directory), env=provisioned.env)
    assert result.returncode == 1 and f"user '{NATIONAL_ID}'" in result.stderr
