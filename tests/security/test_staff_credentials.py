"""A staff account holds no credential: PSC is the only way in (issue 11, Credentials).

A password (or OTP, passkey) on a staff account is a second way in beside PSC: set by the staff
member through an app's kc_action=UPDATE_PASSWORD, or by a helpful admin. Whoever set it, the
tools that own the accounts report it as a change and remove it: `plan`/`drift`/`apply` for the
users stated in region files, `links plan`/`links apply` for the accounts of the staff lists
(listed members, accounts the list adopts, and leavers).
"""
from __future__ import annotations

import json

from fixtures.realms import run_cli
from firstlogin.psc_logins import MEDECIN_URGENTISTE, PIN, Professional
from mockpsc.testing import fresh_national_id

CAMILLE = "899700218896"  # a staff member stated in the shipped region file
# An OTP credential as Keycloak exports it: what an enrolled authenticator app leaves on the account.
STORED_OTP = {"type": "otp", "userLabel": "téléphone",
              "secretData": '{"value":"JBSWY3DPEHPK3PXPJBSWY3DP"}',
              "credentialData": '{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}'}


def cli(files, *args: str):
    return run_cli(*args, str(files.directory), env=files.env)


def links(files, command: str, source, *extra: str):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def credential_types(kc, user_id: str) -> list[str]:
    return sorted(c["type"] for c in kc.admin.get_credentials(user_id))


def test_a_password_on_a_region_file_staff_account_is_drift_and_apply_removes_it(policy_realm):
    files, kc = policy_realm("deny")
    [account] = kc.linked_to(CAMILLE)
    kc.admin.set_user_password(account["id"], "Mon-mot-de-passe-2026", temporary=False)

    plan = cli(files, "plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout
    assert f"~ update user '{CAMILLE}'" in plan.stdout
    assert "credentials: ['password'] -> []" in plan.stdout, plan.stdout
    planned = json.loads(cli(files, "plan", "--json").stdout)
    [change] = [c for r in planned["realms"] for c in r["changes"] if c["key"] == CAMILLE]
    assert change["fields"] == [{"path": "credentials", "before": ["password"], "after": []}]

    drift = cli(files, "drift")
    assert drift.returncode == 2, drift.stdout
    assert f"! changed by hand: user '{CAMILLE}'" in drift.stdout
    assert "credentials: ['password'] in Keycloak, [] in the files" in drift.stdout

    applied = cli(files, "apply", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert f"removed the password credential(s) of user '{CAMILLE}'" in applied.stderr, applied.stderr
    assert credential_types(kc, account["id"]) == []
    assert kc.links_of(account["id"]) == [("psc", CAMILLE)], "the account and its link stay"
    assert cli(files, "plan", "--detailed-exitcode").returncode == 0
    assert cli(files, "drift").returncode == 0


def test_credentials_on_staff_list_accounts_are_reported_and_removed(policy_realm, mock_psc, tmp_path):
    files, kc = policy_realm("deny")
    listed, leaver, adopted = (Professional(fresh_national_id(), given, family) for given, family in
                               (("ANNE", "MOREL"), ("JULES", "PERRIN"), ("INES", "GARNIER")))
    for person in (listed, leaver, adopted):
        mock_psc.add_identity(person.national_id, person.given_name, person.family_name,
                              exercices=MEDECIN_URGENTISTE, ecps={"pin": PIN})

    def staff_file(name: str, people: list[Professional]):
        path = tmp_path / name
        path.write_text("national_id,first_name,last_name,group,roles\n" + "".join(
            f"{p.national_id},{p.given_name},{p.family_name},SMUR 67 Strasbourg,medecin\n" for p in people),
            encoding="utf-8")
        return path

    assert links(files, "apply", staff_file("staff.csv", [listed, leaver])).returncode == 0
    [listed_account], [leaver_account] = kc.linked_to(listed.national_id), kc.linked_to(leaver.national_id)
    kc.admin.set_user_password(listed_account["id"], "Mon-mot-de-passe-2026", temporary=False)
    kc.admin.set_user_password(leaver_account["id"], "Mon-mot-de-passe-2026", temporary=False)
    # Made by hand with a password and an OTP, under the username the list gives her: the list adopts it.
    adopted_id = kc.admin.create_user({
        "username": adopted.username, "enabled": True, "firstName": "Ines", "lastName": "Garnier",
        "credentials": [{"type": "password", "value": "Mon-mot-de-passe-2026", "temporary": False}, STORED_OTP]})
    assert credential_types(kc, adopted_id) == ["otp", "password"]

    source = staff_file("staff-v2.csv", [listed, adopted])
    plan = links(files, "plan", source, "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert f"{listed.national_id}: -credentials password" in plan.stdout, plan.stdout
    assert f"{adopted.national_id}: attributes.idnat" in plan.stdout
    assert "adopt, -credentials otp, password" in plan.stdout
    assert f"{leaver.username} (unlink) (end online and offline sessions) (-credentials password)" in plan.stdout
    planned = json.loads(links(files, "plan", source, "--json").stdout)
    removals = {u["nationalId"]: u["credentialsRemove"] for u in planned["update"]}
    assert removals == {listed.national_id: ["password"], adopted.national_id: ["otp", "password"]}
    assert planned["remove"][0]["credentialsRemove"] == ["password"]

    applied = links(files, "apply", source, "--yes")
    assert applied.returncode == 0, applied.stderr
    assert ("Removed 4 credential(s) from staff accounts (PSC is the only way in): otp x1, password x3."
            in applied.stdout), applied.stdout
    for user_id in (listed_account["id"], leaver_account["id"], adopted_id):
        assert credential_types(kc, user_id) == []
    assert links(files, "plan", source, "--detailed-exitcode").returncode == 0
