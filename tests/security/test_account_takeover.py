"""Account takeover attempts through PSC, under every first-login policy (issue 5, §4).

A PSC identity that says it has another staff member's e-mail or names must never reach that
member's account, and a national id of another type whose digits are an RPPS (`0` + the same
digits) must never be taken for that RPPS. Real Keycloak, mock PSC; the e-mail and names are put
in the ID token and userinfo by a test-only override at the mock (PSC itself sends no e-mail).
"""
from __future__ import annotations

import pytest

from firstlogin.psc_logins import POLICIES, national_id_claims, new_professional, psc_login

REFUSAL = {  # what the page says when a policy refuses
    "deny": "n'est pas enregistré pour ce SMUR",
    "link-by-rpps": "n'est pas enregistré pour ce SMUR",
    "create": "porte déjà votre identifiant ou votre adresse e-mail",
}


@pytest.mark.parametrize("twin", ["email-and-names", "names-only"])
@pytest.mark.parametrize("policy", POLICIES)
def test_a_psc_identity_claiming_a_staff_members_email_or_names_never_gets_that_account(
        policy, twin, policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm(policy)
    staff = new_professional(mock_psc, "NATHALIE", "COLIN")
    email = "nathalie.colin@ch-fictif.fr"
    # A staff member as `smur-iam links` leaves her: her national id as username, her RPPS, her link.
    member = kc.add_user(staff.username, first="Nathalie", last="Colin", email=email, rpps=staff.rpps,
                         idnat=staff.national_id)
    kc.link(member, staff.national_id)
    # Another professional, whose PSC login claims to be her.
    impostor = new_professional(mock_psc, "OSCAR", "DIDIER")
    claims = {"given_name": "NATHALIE", "family_name": "COLIN"}
    if twin == "email-and-names":
        claims |= {"email": email, "email_verified": True}
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, impostor.national_id, claims=claims,
                        psc_client_id=files.psc_client_id)

    assert kc.links_of(member) == [("psc", staff.national_id)], "her link is untouched"
    assert kc.sessions_of(member) == [], "nobody signed in as her"
    assert kc.user(member)["attributes"]["rpps"] == [staff.rpps]
    if policy == "create" and twin == "names-only":
        # Names are no key: a separate account for the other professional, with his own ids.
        assert outcome.signed_in and outcome.id_claims["sub"] != member
        assert outcome.id_claims["rpps"] == impostor.rpps and outcome.id_claims["idnat"] == impostor.national_id
        assert kc.user_ids() - before == {outcome.id_claims["sub"]}
    else:
        assert not outcome.signed_in, outcome.id_claims
        assert REFUSAL[policy] in outcome.page_text, outcome.page_text[:1500]
        assert kc.user_ids() == before and kc.linked_to(impostor.national_id) == []


@pytest.mark.parametrize("policy", POLICIES)
def test_an_adeli_type_id_with_the_digits_of_an_rpps_is_never_that_rpps(policy, policy_realm, keycloak, mock_psc,
                                                                        mock_psc_phone):
    files, kc = policy_realm(policy)
    doctor = new_professional(mock_psc, "PAULINE", "RENARD")
    # Her account holds her RPPS, not yet linked (link-by-rpps would link it to an 8-type id).
    account = kc.add_user("p.renard", first="Pauline", last="Renard", rpps=doctor.rpps)
    lookalike = "0" + doctor.rpps  # type 0 (ADELI) + the same 11 digits
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id,
                        claims=national_id_claims(lookalike), psc_client_id=files.psc_client_id)

    assert kc.links_of(account) == [] and kc.sessions_of(account) == []
    assert kc.user(account)["attributes"]["rpps"] == [doctor.rpps]
    if policy == "create":
        # A separate account for the 0-type identity, which holds no RPPS at all.
        assert outcome.signed_in and outcome.id_claims["sub"] != account, outcome.page_text[:1500]
        created = kc.user(outcome.id_claims["sub"])
        assert created["attributes"]["idnat"] == [lookalike]
        assert created["attributes"]["idnat_type"] == ["ADELI"]
        assert "rpps" not in created["attributes"]
        assert "rpps" not in outcome.id_claims and "rpps" not in outcome.access_claims
        assert outcome.id_claims["idnat"] == lookalike
        assert kc.links_of(created["id"]) == [("psc", lookalike)]
    else:
        assert not outcome.signed_in, outcome.id_claims
        expected = "n’est pas un numéro RPPS" if policy == "link-by-rpps" else REFUSAL[policy]
        assert expected in outcome.page_text, outcome.page_text[:1500]
        assert kc.user_ids() == before and kc.linked_to(lookalike) == []


def test_control_keycloaks_own_email_linking_would_hand_the_account_over(policy_realm, keycloak, mock_psc,
                                                                           mock_psc_phone):
    """The attack above is real: with Keycloak's stock "detect existing user" + "automatically set
    existing user" steps (the ones no smur-iam policy may hold), the same login gets her account."""
    files, kc = policy_realm("deny")
    staff = new_professional(mock_psc, "URSULA", "MEYER")
    email = "ursula.meyer@ch-fictif.fr"
    member = kc.add_user("u.meyer", first="Ursula", last="Meyer", email=email, rpps=staff.rpps)
    kc.admin.create_authentication_flow({"alias": "stock-email-linking", "providerId": "basic-flow",
                                         "topLevel": True, "builtIn": False})
    for provider in ("idp-detect-existing-broker-user", "idp-auto-link"):
        kc.admin.create_authentication_flow_execution({"provider": provider}, "stock-email-linking")
    for execution in kc.admin.get_authentication_flow_executions("stock-email-linking"):
        kc.admin.update_authentication_flow_executions({**execution, "requirement": "REQUIRED"},
                                                       "stock-email-linking")
    idp = kc.admin.get_idp("psc")
    kc.admin.update_idp("psc", {**idp, "firstBrokerLoginFlowAlias": "stock-email-linking"})
    impostor = new_professional(mock_psc, "VICTOR", "HUET")

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, impostor.national_id,
                        claims={"email": email}, psc_client_id=files.psc_client_id)

    assert outcome.signed_in and outcome.id_claims["sub"] == member, "stock Keycloak links by e-mail"
    assert kc.links_of(member) == [("psc", impostor.national_id)]
