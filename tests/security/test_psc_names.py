"""Names come from PSC: a name changed in Keycloak does not outlive the next PSC login (issue 11, §3).

An intervention sheet shows the name smurtab's tokens carry; a staff member who renamed herself
(through the account API where the profile allowed it, or any hand edit: an admin edit stands in
for all of them here) could sign as a colleague. The PSC mapper rewrites the names at every login
from PSC (the exercice's names, else given_name/family_name). Names in a staff list or a region
file only seed a new account, so the names PSC set are never reported as a difference by
`links plan`, `plan` or `drift` (no ping-pong between the files and PSC).
"""
from __future__ import annotations

from fixtures.realms import run_cli
from firstlogin.psc_logins import MEDECIN_URGENTISTE, PIN, Professional, psc_login
from mockpsc.testing import fresh_national_id

CAMILLE = "899700218896"  # stated in the shipped region file as "Camille Durand"; PSC says CAMILLE DURAND


def links(files, command: str, source, *extra: str):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def cli(files, *args: str):
    return run_cli(*args, str(files.directory), env=files.env)


def token_names(outcome) -> list[tuple[str, str]]:
    return [(claims["given_name"], claims["family_name"])
            for claims in (outcome.id_claims, outcome.access_claims, outcome.userinfo)]


def test_names_changed_by_hand_are_replaced_with_psc_names_at_the_next_login(policy_realm, keycloak, mock_psc,
                                                                           mock_psc_phone, tmp_path):
    files, kc = policy_realm("deny")
    # PSC knows her as SOPHIE LEROY, and she practises as Sophie-Anne LEROY-MARTIN (exercice names win).
    person = Professional(fresh_national_id(), "SOPHIE", "LEROY")
    exercice = MEDECIN_URGENTISTE[0] | {"prenom_exercice": "Sophie-Anne", "nom_exercice": "LEROY-MARTIN"}
    mock_psc.add_identity(person.national_id, person.given_name, person.family_name, exercices=[exercice],
                          ecps={"pin": PIN})
    source = tmp_path / "staff.csv"
    source.write_text("national_id,first_name,last_name,group,roles\n"
                      f"{person.national_id},Sophie,Leroy,SMUR 67 Strasbourg,medecin\n", encoding="utf-8")
    assert links(files, "apply", source).returncode == 0
    [account] = kc.linked_to(person.national_id)
    assert (account["firstName"], account["lastName"]) == ("Sophie", "Leroy"), "the list seeds the names"

    first = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id)
    assert first.signed_in
    psc_names = ("Sophie-Anne", "LEROY-MARTIN")
    assert token_names(first) == [psc_names] * 3
    user = kc.user(account["id"])
    assert (user["firstName"], user["lastName"]) == psc_names
    # The staff list's own names are no difference to undo: nothing to do.
    assert links(files, "plan", source, "--detailed-exitcode").returncode == 0

    # A hand change of her names (an admin edit standing in for any of them) ...
    kc.admin.update_user(account["id"], {"firstName": "Camille", "lastName": "DURAND"})
    assert (kc.user(account["id"])["firstName"], kc.user(account["id"])["lastName"]) == ("Camille", "DURAND")

    # ... lasts until her next PSC login only.
    again = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id)
    assert again.signed_in
    assert token_names(again) == [psc_names] * 3
    user = kc.user(account["id"])
    assert (user["firstName"], user["lastName"]) == psc_names


def test_names_psc_set_on_a_region_file_user_are_neither_a_plan_change_nor_drift(policy_realm, keycloak, mock_psc,
                                                                                mock_psc_phone):
    files, kc = policy_realm("deny")
    [account] = kc.linked_to(CAMILLE)
    assert (account["firstName"], account["lastName"]) == ("Camille", "Durand"), "the region file seeds them"

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, CAMILLE)
    assert outcome.signed_in
    assert token_names(outcome) == [("CAMILLE", "DURAND")] * 3  # as PSC sends them
    user = kc.user(account["id"])
    assert (user["firstName"], user["lastName"]) == ("CAMILLE", "DURAND")

    plan = cli(files, "plan", "--detailed-exitcode")
    assert plan.returncode == 0, f"PSC's names reported as a change:\n{plan.stdout}"
    drift = cli(files, "drift")
    assert drift.returncode == 0, f"PSC's names reported as drift:\n{drift.stdout}"
    assert "No drift" in drift.stdout
    applied = cli(files, "apply", "--yes")
    assert applied.returncode == 0 and "Nothing to apply." in applied.stdout, applied.stdout
    user = kc.user(account["id"])
    assert (user["firstName"], user["lastName"]) == ("CAMILLE", "DURAND"), "apply never writes the seed back"
