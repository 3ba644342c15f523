"""The staff-state endpoint of our extension: the same answer as the stock users API, only in one call."""
from __future__ import annotations

import requests

from fixtures.realms import run_cli
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
from provisioning.links.realm_state import (NEEDED_ATTRIBUTES, READ_BY_ENDPOINT, READ_BY_USERS_API,
                                            read_realm_state)
from staff_files import staff_rows, write_csv

GROUPS = {"/SMUR 67 Strasbourg", "/SMUR 68 Mulhouse", "/SMUR 67 Strasbourg/Nuit"}
ROLES = {"medecin", "infirmier", "interne"}


def links(files, command, source, *extra):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def comparable(state) -> dict:
    """What the plan reads of a state, in plain sets and dicts."""
    users = {name: ({k: u.get(k) for k in ("firstName", "lastName", "email", "enabled")}
                    | {"attributes": {a: sorted(v) for a, v in u.get("attributes", {}).items()
                                      if a in NEEDED_ATTRIBUTES}})
             for name, u in state.users_by_username.items()}
    ids = {u["id"]: name for name, u in state.users_by_username.items()}
    return {
        "users": users,
        "links": {ids[i]: psc for i, psc in state.link_of.items()},
        "linked": {ids[i] for i in state.linked_user_ids},
        "groups": {p: {ids[i] for i in members} for p, members in state.group_members.items()},
        "roles": {r: {ids[i] for i in members} for r, members in state.role_members.items()},
        "idnat": {n: sorted(u["username"] for u in owners) for n, owners in state.users_by_idnat.items()},
    }


def make_variety(kc, rows) -> None:
    """Accounts of every kind the tool meets: made by hand, linked by hand, disabled, nested group, client role."""
    strasbourg = kc.get_group_by_path("/SMUR 67 Strasbourg")
    night = kc.create_group({"name": "Nuit"}, parent=strasbourg["id"])
    hand = kc.create_user({"username": "hand-made", "enabled": True, "firstName": "Main", "lastName": "Faite",
                           "email": "main.faite@chu.example", "attributes": {"idnat": [rows[0]["national_id"]]}})
    kc.add_user_social_login(hand, "psc", "899999999990", "899999999990")
    kc.group_user_add(hand, night)
    kc.assign_realm_roles(hand, [kc.get_realm_role("interne")])
    account = kc.get_client_id("account")
    kc.assign_client_role(hand, account, [kc.get_client_role(account, "manage-account")])
    off = kc.create_user({"username": "disabled-one", "enabled": False, "lastName": "Parti"})
    kc.assign_realm_roles(off, [kc.get_realm_role("medecin")])
    # A confidential client with a service account: a user in the database, not staff.
    kc.create_client({"clientId": "state-probe", "serviceAccountsEnabled": True, "publicClient": False})


def test_endpoint_and_stock_users_api_read_the_same_state(staff_realm, tmp_path, oracle, admin_api):
    rows = staff_rows(8) + staff_rows(3, group="SMUR 68 Mulhouse", roles="infirmier")
    assert links(staff_realm, "apply", write_csv(tmp_path / "staff.csv", rows)).returncode == 0
    kc = oracle(staff_realm.realm)
    make_variety(kc, rows)

    by_endpoint = read_realm_state(admin_api, staff_realm.realm, "psc", GROUPS, ROLES)
    before = sum(admin_api.requests.values())
    by_users_api = read_realm_state(admin_api, staff_realm.realm, "psc", GROUPS, ROLES,
                                    verify_all_links=True, use_endpoint=False)
    assert by_endpoint.read_by == READ_BY_ENDPOINT and by_users_api.read_by == READ_BY_USERS_API

    expected = comparable(by_users_api)
    assert comparable(by_endpoint) == expected
    # The state really holds the variety (so that the equality above means something).
    assert expected["links"]["hand-made"] == "899999999990"
    assert expected["groups"]["/SMUR 67 Strasbourg/Nuit"] == {"hand-made"}
    assert expected["roles"]["medecin"] >= {"disabled-one", rows[0]["national_id"]}
    assert expected["users"]["disabled-one"]["enabled"] is False
    assert sorted(expected["idnat"][rows[0]["national_id"]]) == sorted(["hand-made", rows[0]["national_id"]])
    assert not any(name.startswith("service-account-") for name in expected["users"])
    assert {r["national_id"] for r in rows} | {"hand-made", "disabled-one"} <= expected["users"].keys()
    # One request for every user and link (plus a handful of realm reads), against one per listing page
    # and per hand-made link.
    assert by_endpoint.requests < by_users_api.requests == sum(admin_api.requests.values()) - before


def test_endpoint_requires_the_view_users_right(staff_realm, keycloak, oracle):
    kc = oracle(staff_realm.realm)
    helper = kc.create_user({"username": "helpdesk", "enabled": True, "firstName": "Help", "lastName": "Desk",
                             "email": "helpdesk@chu.example", "emailVerified": True,
                             "credentials": [{"type": "password", "value": "Helpdesk-2026!", "temporary": False}]})
    management = kc.get_client_id("realm-management")
    kc.assign_client_role(helper, management, [kc.get_client_role(management, "query-users")])
    endpoint = f"{keycloak.base_url}/admin/realms/{staff_realm.realm}/smur-staff-state/users"

    def token() -> dict:
        api = KeycloakAdmin(keycloak.base_url, PasswordCredentials("helpdesk", "Helpdesk-2026!"),
                            auth_realm=staff_realm.realm)
        return api.bearer_header()

    assert requests.get(endpoint, params={"idp": "psc"}, timeout=30).status_code == 401
    assert requests.get(endpoint, params={"idp": "psc"}, headers=token(), timeout=30).status_code == 403
    kc.assign_client_role(helper, management, [kc.get_client_role(management, "view-users")])
    answer = requests.get(endpoint, params={"idp": "psc", "attribute": "idnat"}, headers=token(), timeout=30)
    assert answer.status_code == 200, answer.text
    assert "helpdesk" in {u["username"] for u in answer.json()["users"]}
    missing = requests.get(endpoint, params={"idp": "nope"}, headers=token(), timeout=30)
    assert missing.status_code == 404 and "no identity provider 'nope'" in missing.json()["error_description"]
    no_alias = requests.get(endpoint, headers=token(), timeout=30)
    assert no_alias.status_code == 400 and "'idp'" in no_alias.json()["error_description"]
    too_many = requests.get(endpoint, params={"idp": "psc", "attribute": [f"a{i}" for i in range(21)]},
                            headers=token(), timeout=30)
    assert too_many.status_code == 400 and "at most 20 attribute names" in too_many.json()["error_description"]


def test_realm_with_user_federation_falls_back_to_the_users_api(staff_realm, tmp_path, oracle):
    rows = staff_rows(3)
    source = write_csv(tmp_path / "staff.csv", rows)
    assert links(staff_realm, "apply", source).returncode == 0
    kc = oracle(staff_realm.realm)
    realm_id = kc.get_realm(staff_realm.realm)["id"]
    kc.create_component({
        "name": "annuaire-chu", "providerId": "ldap", "providerType": "org.keycloak.storage.UserStorageProvider",
        "parentId": realm_id,
        "config": {"enabled": ["false"], "vendor": ["other"], "editMode": ["READ_ONLY"],
                   "connectionUrl": ["ldap://127.0.0.1:1"], "usersDn": ["ou=people,dc=chu,dc=example"],
                   "usernameLDAPAttribute": ["uid"], "rdnLDAPAttribute": ["uid"], "uuidLDAPAttribute": ["entryUUID"],
                   "userObjectClasses": ["inetOrgPerson"], "authType": ["none"], "importEnabled": ["true"]}})

    rows[0]["last_name"] = "CHANGE"
    result = links(staff_realm, "plan", write_csv(tmp_path / "staff-v2.csv", rows))
    assert result.returncode == 0, result.stderr
    assert "stock users API" in result.stdout and "user federation provider" in result.stderr
    assert "1 account(s) to update" in result.stdout and "= 2 unchanged" in result.stdout


def test_resync_keeps_the_attributes_it_does_not_manage(staff_realm, tmp_path, oracle):
    rows = staff_rows(2)
    assert links(staff_realm, "apply", write_csv(tmp_path / "staff.csv", rows)).returncode == 0
    kc = oracle(staff_realm.realm)
    user_id = kc.get_user_id(rows[0]["national_id"])
    user = kc.get_user(user_id)
    # What the PSC mapper writes at login: the staff tool must leave it alone.
    kc.update_user(user_id, {"email": "prenom0.nom0@chu.example",
                             "attributes": user["attributes"] | {"profession_codes": ["10"],
                                                                 "structure_ids": ["1670000000"]}})
    rows[0]["last_name"] = "NOUVEAU-NOM"
    result = links(staff_realm, "apply", write_csv(tmp_path / "staff-v2.csv", rows))
    assert result.returncode == 0, result.stderr
    after = kc.get_user(user_id)
    assert after["lastName"] == "NOUVEAU-NOM"
    assert after["email"] == "prenom0.nom0@chu.example"  # the list states no email: not ours to change
    assert after["attributes"]["profession_codes"] == ["10"]
    assert after["attributes"]["structure_ids"] == ["1670000000"]
