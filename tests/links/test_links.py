"""`smur-iam links`: staff lists reconciled with a real Keycloak realm, diff not delete-all."""
from __future__ import annotations

import json

from fixtures.realms import run_cli
from mockpsc.testing import fresh_national_id
from staff_files import directory_line, staff_rows, write_csv, write_directory


def links(files, command, source, *extra):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def plan_json(files, source, *extra) -> dict:
    result = links(files, "plan", source, "--json", *extra)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_apply_creates_linked_passwordless_accounts_then_is_idempotent(staff_realm, tmp_path, oracle):
    rows = staff_rows(25) + staff_rows(5, group="SMUR 68 Mulhouse", roles="infirmier")
    source = write_csv(tmp_path / "staff.csv", rows)
    plan = plan_json(staff_realm, source)
    assert len(plan["create"]) == 30 and plan["conflicts"] == [] and plan["update"] == []

    result = links(staff_realm, "apply", source, "--batch-size", "7")
    assert result.returncode == 0, result.stderr
    assert "Created 30, updated 0, unlinked 0 (5 write request(s))" in result.stdout  # 30 users in 5 batches

    kc = oracle(staff_realm.realm)
    nurse = rows[-1]
    user = kc.get_users({"username": nurse["national_id"], "exact": True})[0]
    assert user["attributes"]["idnat"] == [nurse["national_id"]]
    assert user["attributes"]["rpps"] == [nurse["national_id"][1:]]
    assert kc.get_user_social_logins(user["id"]) == [
        {"identityProvider": "psc", "userId": nurse["national_id"], "userName": nurse["national_id"]}]
    assert [g["path"] for g in kc.get_user_groups(user["id"])] == ["/SMUR 68 Mulhouse"]
    assert "infirmier" in {r["name"] for r in kc.get_realm_roles_of_user(user["id"])}
    assert kc.get_credentials(user["id"]) == []

    again = links(staff_realm, "apply", source)
    assert again.returncode == 0 and "Nothing to do." in again.stdout
    assert "= 30 unchanged" in again.stdout
    assert links(staff_realm, "plan", source, "--detailed-exitcode").returncode == 0


def test_resync_updates_moves_and_unlinks_leavers(staff_realm, tmp_path, oracle):
    rows = staff_rows(6)
    source = write_csv(tmp_path / "staff.csv", rows)
    assert links(staff_realm, "apply", source).returncode == 0
    kc = oracle(staff_realm.realm)
    ids = {r["national_id"]: kc.get_user_id(r["national_id"]) for r in rows}

    # A new name in the list is not written: the list only seeded it, PSC owns it now (its mapper rewrites
    # the names at every login).
    rows[0]["last_name"] = "NOM-MARIEE"
    rows[1]["group"], rows[1]["roles"] = "SMUR 68 Mulhouse", "medecin|interne"
    leaver = rows.pop()
    source = write_csv(tmp_path / "staff-v2.csv", rows)
    plan = plan_json(staff_realm, source, "--disable-leavers")
    assert plan["create"] == []
    updates = {u["nationalId"]: u for u in plan["update"]}
    assert rows[0]["national_id"] not in updates
    moved = updates[rows[1]["national_id"]]
    assert moved["groupsAdd"] == ["/SMUR 68 Mulhouse"] and moved["groupsRemove"] == ["/SMUR 67 Strasbourg"]
    assert moved["rolesAdd"] == ["interne"]
    assert plan["remove"] == [{"username": leaver["national_id"], "unlink": True, "disable": True,
                               "endSessions": True, "credentialsRemove": []}]

    result = links(staff_realm, "apply", source, "--disable-leavers")
    assert result.returncode == 0, result.stderr
    assert kc.get_user(ids[rows[0]["national_id"]])["lastName"] == "NOM0"
    assert [g["path"] for g in kc.get_user_groups(ids[rows[1]["national_id"]])] == ["/SMUR 68 Mulhouse"]
    gone = kc.get_user(ids[leaver["national_id"]])
    assert gone["enabled"] is False and kc.get_user_social_logins(gone["id"]) == []
    # The other accounts kept their ids: nothing was deleted and re-created.
    assert {r["national_id"]: kc.get_user_id(r["national_id"]) for r in rows} == \
        {n: i for n, i in ids.items() if n != leaver["national_id"]}

    # The leaver comes back: link restored and account enabled again, same id.
    rows.append(leaver)
    source = write_csv(tmp_path / "staff-v3.csv", rows)
    assert links(staff_realm, "apply", source).returncode == 0
    back = kc.get_user(ids[leaver["national_id"]])
    assert back["enabled"] is True and len(kc.get_user_social_logins(back["id"])) == 1


def test_bad_rows_are_named_with_file_and_line_and_nothing_is_written(staff_realm, tmp_path, oracle):
    good = staff_rows(2)
    duplicate = dict(good[0], first_name="Autre")
    bad = [
        dict(good[0], national_id="8997002188"),  # wrong length
        dict(good[0], national_id="899700218897"),  # Luhn
        dict(good[0], national_id="999700218896"),  # unknown prefix
        dict(good[0], national_id="99700218896"),  # bare RPPS
        duplicate,
        dict(staff_rows(1)[0], group="SMUR 99 Nulle Part"),
        dict(staff_rows(1)[0], roles="chef"),
        dict(good[0], national_id="\ufeff" + good[0]["national_id"]),  # a BOM mid-file (exports pasted together)
    ]
    source = write_csv(tmp_path / "staff.csv", good + bad, delimiter=";")
    result = links(staff_realm, "plan", source)
    assert result.returncode == 1
    out = result.stdout
    expectations = [
        ("staff.csv:4:", "'8' followed by 11 digits"),
        ("staff.csv:5:", "fails its Luhn check digit"),
        ("staff.csv:6:", "unknown type prefix '9'"),
        ("staff.csv:7:", "'8' in front"),
        ("staff.csv:8:", f"national id {good[0]['national_id']} already given at"),
        ("staff.csv:9:", "group '/SMUR 99 Nulle Part' does not exist"),
        ("staff.csv:10:", "realm role 'chef' does not exist"),
        ("staff.csv:11:", "national_id (column 1) holds U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: a byte order "
                          f"mark, BOM) at character 1 of '\\uFEFF{good[0]['national_id']}': remove it"),
    ]
    for where, what in expectations:
        assert any(where in line and what in line for line in out.splitlines()), f"{where} {what}\n{out}"

    before = len(oracle(staff_realm.realm).get_users({}))
    refused = links(staff_realm, "apply", source)
    assert refused.returncode == 1 and "nothing was written" in refused.stderr
    assert len(oracle(staff_realm.realm).get_users({})) == before

    skipped = links(staff_realm, "apply", source, "--skip-conflicts")
    assert skipped.returncode == 0, skipped.stderr
    assert len(oracle(staff_realm.realm).get_users({})) == before + 2


def test_a_file_that_is_not_utf8_is_named_with_its_line_and_nothing_is_written(staff_realm, tmp_path, oracle):
    rows = staff_rows(2)
    source = tmp_path / "staff-latin1.csv"
    text = write_csv(tmp_path / "staff.csv", rows).read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[2] = lines[2].replace("Prenom1", "Ren\u00e9")  # line 3 saved by a spreadsheet in Latin-1
    source.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    before = len(oracle(staff_realm.realm).get_users({}))
    result = links(staff_realm, "apply", source)
    assert result.returncode == 1
    assert f"{source}:3: not UTF-8" in result.stderr, result.stderr
    assert len(oracle(staff_realm.realm).get_users({})) == before


def test_conflicts_with_what_keycloak_already_holds(staff_realm, tmp_path, oracle):
    kc = oracle(staff_realm.realm)
    taken_idnat, linked_elsewhere, wrong_link = fresh_national_id(), fresh_national_id(), fresh_national_id()
    # Made by hand: an account that carries someone's national id under another username...
    kc.create_user({"username": "dr.house", "enabled": True, "attributes": {"idnat": [taken_idnat]}})
    # ...an account holding the PSC link of another national id...
    other = kc.create_user({"username": "someone", "enabled": True})
    kc.add_user_social_login(other, "psc", linked_elsewhere, linked_elsewhere)
    # ...and an account named after a national id but linked to a different PSC identity.
    named = kc.create_user({"username": wrong_link, "enabled": True})
    kc.add_user_social_login(named, "psc", "899700366240", "899700366240")

    rows = [dict(r, national_id=n) for r, n in zip(staff_rows(3), (taken_idnat, linked_elsewhere, wrong_link),
                                                    strict=True)]
    source = write_csv(tmp_path / "staff.csv", rows)
    conflicts = {c["nationalId"]: c for c in plan_json(staff_realm, source)["conflicts"]}
    assert "already the idnat of Keycloak user 'dr.house'" in conflicts[taken_idnat]["message"]
    assert "linked to Keycloak user 'someone'" in conflicts[linked_elsewhere]["message"]
    assert "is linked to PSC identity 899700366240" in conflicts[wrong_link]["message"]
    assert all(c["where"].endswith(f"staff.csv:{i + 2}") for i, c in enumerate(conflicts.values()))


def test_directory_extraction_filtered_to_the_region(staff_realm, tmp_path, oracle):
    doctor, nurse, paris = fresh_national_id(), fresh_national_id(), fresh_national_id()
    source = write_directory(tmp_path / "PS_LibreAcces_Personne_activite_202611270000.txt", [
        directory_line(doctor, "MARTIN", "ALICE", "10", "67"),
        directory_line(doctor, "MARTIN", "ALICE", "10", "68"),  # a second activity, same person
        directory_line(nurse, "PETIT", "BRUNO", "60", "57"),
        directory_line(paris, "DUPONT", "CLARA", "10", "75"),  # Île-de-France: not this region
    ])
    plan = plan_json(staff_realm, source, "--region-code", "44")
    assert sorted(plan["create"]) == sorted([doctor, nurse]) and plan["conflicts"] == []
    assert links(staff_realm, "apply", source, "--region-code", "44").returncode == 0
    kc = oracle(staff_realm.realm)
    user = kc.get_users({"username": doctor, "exact": True})[0]
    assert (user["firstName"], user["lastName"]) == ("ALICE", "MARTIN")
    assert {r["name"] for r in kc.get_realm_roles_of_user(user["id"])} >= {"medecin"}

    unfiltered = links(staff_realm, "plan", source)
    assert unfiltered.returncode == 1 and "must be filtered to the region" in unfiltered.stderr


def test_realm_without_declared_attributes_is_refused(region_files, tmp_path, oracle):
    assert run_cli("apply", str(region_files.directory), env=region_files.env).returncode == 0
    kc = oracle(region_files.realm)
    profile = kc.get_realm_users_profile()
    profile["attributes"] = [a for a in profile["attributes"] if a["name"] != "provisioned_by"]
    kc.update_realm_users_profile(profile)  # as a hand-edited realm would be
    source = write_csv(tmp_path / "staff.csv", staff_rows(1))
    result = links(region_files, "plan", source)
    assert result.returncode == 1
    assert "does not declare provisioned_by" in result.stderr and "silently drop" in result.stderr
