"""Policy `create`, end to end: the account is made from PSC's claims, with the profession roles.

The flow is Keycloak's create-user-if-unique then a deny-access alternative: no review-profile
form, and an account that already has the username (national id) or the e-mail is never linked.
"""
from __future__ import annotations

from firstlogin.psc_logins import SOPHIE, assert_refused, new_professional, psc_login
from provisioning.resources.first_login_flow import NEVER_IN_A_FLOW

SOPHIE_RPPS = SOPHIE[1:]


def test_account_created_from_psc_claims_with_both_professions(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("create")
    steps = kc.flow_steps(kc.first_login_flow())
    assert steps == [("idp-create-user-if-unique", "ALTERNATIVE"), ("deny-access-authenticator", "ALTERNATIVE")]
    assert not {provider for provider, _ in steps} & NEVER_IN_A_FLOW
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, SOPHIE)

    assert outcome.signed_in, f"no form may stand between PSC and the app: {outcome.page_text[:1500]}"
    created = kc.user_ids() - before
    assert len(created) == 1
    account = created.pop()
    user = kc.user(account)
    assert outcome.id_claims["sub"] == account
    assert user["username"] == SOPHIE
    assert (user["firstName"], user["lastName"]) == ("SOPHIE", "LEROY")  # as PSC sends them
    assert "email" not in user, "PSC sends no e-mail"
    attributes = user["attributes"]
    assert attributes["rpps"] == [SOPHIE_RPPS] and attributes["idnat"] == [SOPHIE]
    assert attributes["idnat_type"] == ["RPPS"]
    assert attributes["profession_codes"] == ["10", "60"], "both exercices"
    assert {"medecin", "infirmier"} <= kc.roles_of(account)
    assert not {"urgentiste", "interne", "ambulancier"} & kc.roles_of(account)
    assert kc.links_of(account) == [("psc", SOPHIE)]
    assert {"medecin", "infirmier"} <= set(outcome.access_claims["realm_access"]["roles"])

    again = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, SOPHIE)
    assert again.signed_in and again.id_claims["sub"] == account
    assert kc.user_ids() - before == {account}, "the second login finds the link"


def test_an_account_with_the_same_username_is_not_linked(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("create")
    nurse = new_professional(mock_psc, "IRENE", "NOEL")
    # An account an admin made with the national id as username, never linked.
    existing = kc.add_user(nurse.username, first="Irene", last="Noel")
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, nurse.national_id)

    assert_refused(outcome, "porte déjà votre identifiant ou votre adresse e-mail", "it was not linked")
    assert kc.links_of(existing) == [] and kc.sessions_of(existing) == []
    assert kc.user_ids() == before


def test_an_account_with_the_same_email_is_not_linked(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("create")
    doctor = new_professional(mock_psc, "JULES", "ROCHE")
    email = "jules.roche@ch-fictif.fr"
    existing = kc.add_user("j.roche", first="Jules", last="Roche", email=email)
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id,
                        claims={"email": email, "email_verified": True}, psc_client_id=files.psc_client_id)

    assert_refused(outcome, "porte déjà votre identifiant ou votre adresse e-mail")
    assert kc.links_of(existing) == [] and kc.sessions_of(existing) == []
    assert kc.user_ids() == before

    # The same person with an e-mail nobody has: created, the e-mail kept unverified (trustEmail off).
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id,
                        claims={"email": "j.roche@autre-ch.fr", "email_verified": True},
                        psc_client_id=files.psc_client_id)
    assert outcome.signed_in, outcome.page_text[:1500]
    user = kc.user(outcome.id_claims["sub"])
    assert user["email"] == "j.roche@autre-ch.fr" and user["emailVerified"] is False
    assert outcome.id_claims["sub"] != existing
