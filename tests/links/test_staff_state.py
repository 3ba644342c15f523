"""The staff-state endpoint of our extension: the same answer as the stock users API, only in one call."""
from __future__ import annotations

import json

import requests

from fixtures.realms import run_cli
from mockpsc.testing import fresh_national_id
from provisioning.keycloak_api import ClientCredentials, KeycloakAdmin
from provisioning.links.apply import import_batches
from provisioning.links.cli import as_json
from provisioning.links.csv_source import read_csv
from provisioning.links.in_sync import InSyncLines
from provisioning.links.plan import build_links_plan
from provisioning.links.realm_state import (NEEDED_ATTRIBUTES, READ_BY_ENDPOINT, READ_BY_USERS_API,
                                            STAFF_STATE_FORMAT, read_realm_state, record_of)
from provisioning.links.staff import StaffMember
from provisioning.resources.staff_account import from_staff_row, is_managed
from staff_files import staff_rows, write_csv

GROUPS = {"/SMUR 67 Strasbourg", "/SMUR 68 Mulhouse", "/SMUR 67 Strasbourg/Nuit"}
ROLES = {"medecin", "infirmier", "interne"}


def links(files, command, source, *extra):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def comparable(state) -> dict:
    """What the plan reads of a state, in plain sets and dicts. Credentials: the stock users API reads them
    for the accounts the tool manages only (the endpoint has everyone's)."""
    users = {name: ({k: u.get(k) for k in ("firstName", "lastName", "email", "enabled")}
                    | {"attributes": {a: sorted(v) for a, v in u.get("attributes", {}).items()
                                      if a in NEEDED_ATTRIBUTES}}
                    | ({"credentials": u.get("credentials")} if is_managed(u) else {}))
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
    kc.set_user_password(kc.get_user_id(rows[1]["national_id"]), "Un-mot-de-passe-2026", temporary=False)

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
    assert expected["users"][rows[1]["national_id"]]["credentials"] == ["password"]
    assert expected["users"][rows[2]["national_id"]]["credentials"] == []
    assert sorted(expected["idnat"][rows[0]["national_id"]]) == sorted(["hand-made", rows[0]["national_id"]])
    assert not any(name.startswith("service-account-") for name in expected["users"])
    assert {r["national_id"] for r in rows} | {"hand-made", "disabled-one"} <= expected["users"].keys()
    # One request for every user and link (plus a handful of realm reads), against one per listing page
    # and per hand-made link.
    assert by_endpoint.requests < by_users_api.requests == sum(admin_api.requests.values()) - before


def test_endpoint_requires_the_view_users_right(staff_realm, keycloak, oracle):
    kc = oracle(staff_realm.realm)
    # A helpdesk tool's service account (the realm issues no token for a password: PSC is the only way in).
    client_uuid = kc.create_client({"clientId": "helpdesk", "publicClient": False, "serviceAccountsEnabled": True,
                                    "standardFlowEnabled": False, "directAccessGrantsEnabled": False})
    secret = kc.get_client_secrets(client_uuid)["value"]
    helper = kc.get_client_service_account_user(client_uuid)["id"]
    management = kc.get_client_id("realm-management")
    kc.assign_client_role(helper, management, [kc.get_client_role(management, "query-users")])
    endpoint = f"{keycloak.base_url}/admin/realms/{staff_realm.realm}/smur-staff-state/users"

    def token() -> dict:
        api = KeycloakAdmin(keycloak.base_url, ClientCredentials("helpdesk", secret), auth_realm=staff_realm.realm)
        return api.bearer_header()

    assert requests.get(endpoint, params={"idp": "psc"}, timeout=30).status_code == 401
    assert requests.get(endpoint, params={"idp": "psc"}, headers=token(), timeout=30).status_code == 403
    kc.assign_client_role(helper, management, [kc.get_client_role(management, "view-users")])
    answer = requests.get(endpoint, params={"idp": "psc", "attribute": "idnat"}, headers=token(), timeout=30)
    assert answer.status_code == 200, answer.text
    header, *lines = answer.text.splitlines()
    assert json.loads(header)["format"] == STAFF_STATE_FORMAT
    usernames = {record_of(line)["username"] for line in lines}
    assert "899700218896" in usernames  # the region file's staff member
    assert not any(name.startswith("service-account-") for name in usernames), "clients are not staff"
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

    rows[0]["roles"] = "medecin|interne"
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
    # What the PSC mapper writes at login (names too): the staff tool must leave it alone. An rpps changed by
    # hand makes the tool write our attributes back, merged into the user's current map.
    kc.update_user(user_id, {"email": "prenom0.nom0@chu.example", "firstName": "PRENOM-PSC", "lastName": "NOM-PSC",
                             "attributes": user["attributes"] | {"profession_codes": ["10"], "rpps": ["00000000000"],
                                                                 "structure_ids": ["1670000000"]}})
    rows[0]["last_name"] = "NOUVEAU-NOM"  # the list only seeds names: not written to an existing account
    result = links(staff_realm, "apply", write_csv(tmp_path / "staff-v2.csv", rows))
    assert result.returncode == 0, result.stderr
    after = kc.get_user(user_id)
    assert after["attributes"]["rpps"] == [rows[0]["national_id"][1:]]
    assert (after["firstName"], after["lastName"]) == ("PRENOM-PSC", "NOM-PSC")
    assert after["email"] == "prenom0.nom0@chu.example"  # the list states no email: not ours to change
    assert after["attributes"]["profession_codes"] == ["10"]
    assert after["attributes"]["structure_ids"] == ["1670000000"]


def test_users_in_sync_are_recognised_by_text_and_plan_exactly_as_a_full_comparison(staff_realm, tmp_path,
                                                                                     oracle, admin_api):
    """The re-sync shortcut (a user whose state line is what the list expects is not parsed) must never
    change a plan: every case a full comparison catches is planned the same, conflicts included."""
    rows = staff_rows(10) + staff_rows(1, roles="infirmier")
    accented = rows[10] | {"first_name": "Éloïse", "last_name": "D'ARTAGNAN-ÉTÉ"}
    mailed = rows[9] | {"email": "Marie.Curie@CHU.example"}  # Keycloak keeps it lower-cased
    rows[9], rows[10] = mailed, accented
    assert links(staff_realm, "apply", write_csv(tmp_path / "staff.csv", rows)).returncode == 0
    kc = oracle(staff_realm.realm)
    user_of = {r["national_id"]: kc.get_user_id(r["national_id"]) for r in rows}
    nid = [r["national_id"] for r in rows]
    # Someone else claims the national ids of rows 1 and 2: their own lines are in sync, the plan still
    # has to see the conflict.
    kc.create_user({"username": "twin-by-idnat", "enabled": True, "lastName": "Twin",
                    "attributes": {"idnat": [nid[1]]}})
    twin = kc.create_user({"username": "twin-by-link", "enabled": True, "lastName": "Twin"})
    kc.add_user_social_login(twin, "psc", nid[2], nid[2])
    other = kc.create_group({"name": "Autre service"})
    kc.group_user_add(user_of[nid[3]], other)  # a group the list does not manage: still in sync
    kc.update_user(user_of[nid[4]], {"enabled": False})
    kc.group_user_remove(user_of[nid[5]], kc.get_group_by_path("/SMUR 67 Strasbourg")["id"])
    kc.assign_realm_roles(user_of[nid[8]], [kc.get_realm_role("infirmier")])
    kc.update_user(user_of[nid[0]], {"firstName": "PRENOM-PSC", "lastName": "NOM-PSC"})  # as PSC's mapper does
    kc.set_user_password(user_of[nid[7]], "Un-mot-de-passe-2026", temporary=False)
    # A new name in the list changes nothing (names only seed an account); the password is a change.
    changed = [r | {"last_name": "NOUVEAU"} if r is rows[7] else r for r in rows if r is not rows[6]]

    staff = read_csv(write_csv(tmp_path / "staff-v2.csv", changed))
    groups, roles = staff.mentioned()
    full = read_realm_state(admin_api, staff_realm.realm, "psc", groups, roles)
    fast = read_realm_state(admin_api, staff_realm.realm, "psc", groups, roles,
                            expected=InSyncLines(staff, groups, roles))
    assert not full.in_sync
    assert set(fast.in_sync) == {nid[0], nid[1], nid[2], nid[3], nid[9], nid[10]}

    by_text, in_full = build_links_plan(staff, fast), build_links_plan(staff, full)
    assert json.loads(as_json(by_text)) == json.loads(as_json(in_full))
    assert set(fast.in_sync) == {nid[0], nid[3], nid[9], nid[10]}, "rows 1 and 2 were compared in full"
    planned = json.loads(as_json(by_text))
    assert {c["nationalId"] for c in planned["conflicts"]} == {nid[1], nid[2]}
    assert {u["nationalId"] for u in planned["update"]} == {nid[4], nid[5], nid[7], nid[8]}
    assert [u["fields"] for u in planned["update"] if u["nationalId"] == nid[7]] == [["credentials"]]
    assert [u["credentialsRemove"] for u in planned["update"] if u["nationalId"] == nid[7]] == [["password"]]
    assert [r["username"] for r in planned["remove"]] == [nid[6]]
    assert planned["unchanged"] == 4


def test_an_attribute_comes_back_only_if_the_user_profile_shows_it_to_administrators(staff_realm, keycloak, oracle,
                                                                                    admin_api, tmp_path):
    """The endpoint reads attribute rows below the user profile: it must not hand a view-users admin what the
    admin API itself would hide. Hidden or undeclared names are refused (403) naming the attribute and why."""
    kc = oracle(staff_realm.realm)
    realm = staff_realm.realm
    profile = kc.get_realm_users_profile()
    profile["attributes"].append({"name": "note_privee", "displayName": "Note privée", "multivalued": False,
                                  "permissions": {"view": ["user"], "edit": ["user"]}})
    kc.update_realm_users_profile(profile)
    endpoint = f"{keycloak.base_url}/admin/realms/{realm}/smur-staff-state/users"

    def ask(*names):
        return requests.get(endpoint, params={"idp": "psc", "attribute": list(names)},
                            headers=admin_api.bearer_header(), timeout=30)

    assert ask(*NEEDED_ATTRIBUTES).status_code == 200
    hidden = ask("idnat", "note_privee")
    assert hidden.status_code == 403
    assert hidden.json()["error_description"] == (
        f"realm '{realm}': the user profile does not let administrators view attribute 'note_privee' "
        "(its permissions.view and permissions.edit leave out 'admin')")
    undeclared = ask("hors_profil")
    assert undeclared.status_code == 403
    assert undeclared.json()["error_description"] == (
        f"realm '{realm}': attribute 'hors_profil' is not declared in the user profile and the realm's "
        "unmanaged-attribute policy does not show undeclared attributes to administrators")
    field = ask("lastName")
    assert field.status_code == 400 and "'lastName' is a field of the user" in field.json()["error_description"]

    # Undeclared attributes shown to admins by the realm's policy: returned, as the admin API would.
    profile["unmanagedAttributePolicy"] = "ADMIN_EDIT"
    kc.update_realm_users_profile(profile)
    holder = kc.create_user({"username": "porteuse", "enabled": True, "lastName": "Attribut",
                             "attributes": {"hors_profil": ["visible"]}})
    profile["unmanagedAttributePolicy"] = "ADMIN_VIEW"
    kc.update_realm_users_profile(profile)
    shown = ask("hors_profil")
    assert shown.status_code == 200, shown.text
    records = {r["id"]: r for r in map(record_of, shown.text.splitlines()[1:])}
    assert records[holder]["attributes"] == {"hors_profil": ["visible"]}

    # The links tool asks for provisioned_by: hidden from admins, the tool stops and says why.
    profile["attributes"] = [a | {"permissions": {"view": ["user"], "edit": ["user"]}}
                             if a["name"] == "provisioned_by" else a for a in profile["attributes"]]
    kc.update_realm_users_profile(profile)
    result = links(staff_realm, "plan", write_csv(tmp_path / "staff.csv", staff_rows(1)))
    assert result.returncode == 1, result.stdout
    assert "does not let administrators view attribute 'provisioned_by'" in result.stderr, result.stderr


def test_a_realm_of_several_thousand_users_is_read_whole_once(staff_realm, oracle, admin_api):
    """More users than one page of the stock users API (1,000), some with usernames a database may order its
    own way (dots, dashes, digits, accents): both paths read every user, link, attribute value and credential
    exactly once."""
    realm = staff_realm.realm
    ids = [fresh_national_id() for _ in range(1_150)]  # two pages of the users API
    members = [StaffMember(nid, "RPPS", f"Prenom{i}", f"NOM{i}", rpps=nid[1:],
                           groups=frozenset({"/SMUR 67 Strasbourg"}), roles=frozenset({"medecin"}))
               for i, nid in enumerate(ids)]
    reps = [from_staff_row(member, "psc") for member in members]
    added, skipped = import_batches(admin_api, realm, reps, batch=100, workers=2)
    assert (added, skipped) == (len(members), [])
    kc = oracle(realm)
    odd = ["a.dupont", "a-dupont", "a_dupont", "adupont", "a0dupont", "élodie.martin", "zoé", "0-first"]
    for name in odd:
        user = kc.create_user({"username": name, "enabled": True, "lastName": "Collation",
                               "attributes": {"idnat": [name]}})
        kc.add_user_social_login(user, "psc", f"psc-{name}", name)
    kc.set_user_password(kc.get_user_id("zoé"), "Un-mot-de-passe-2026", temporary=False)

    by_endpoint = read_realm_state(admin_api, realm, "psc", GROUPS, ROLES)
    by_users_api = read_realm_state(admin_api, realm, "psc", GROUPS, ROLES, verify_all_links=True,
                                    use_endpoint=False, listed=set(odd))
    found = comparable(by_endpoint)
    assert found == comparable(by_users_api)
    assert {m.national_id for m in members} | set(odd) <= found["users"].keys()
    assert all(found["idnat"][m.national_id] == [m.national_id] for m in members), "each attribute once"
    assert found["links"]["élodie.martin"] == "psc-élodie.martin"
    assert found["groups"]["/SMUR 67 Strasbourg"] >= {m.national_id for m in members}
    [zoe] = [record for record in by_endpoint.users_by_username.values() if record["username"] == "zoé"]
    assert zoe["credentials"] == ["password"]
