"""PSC's Acces_Regulation_Medicale (issue 12 §3): the `regulation` role and the `medical_regulation`
attribute follow it at every login, and smurtab's tokens carry it.

Real Keycloak, real mock PSC: the mock's userinfo says "VRAI" for a regulator and "FAUX" otherwise;
`update_identity(regulation=False)` is PSC changing its mind before the next login.
"""
from __future__ import annotations

from firstlogin.psc_logins import CLAIMS_OVERRIDE, new_professional, psc_login


def _tokens_say(outcome) -> list[str]:
    return [outcome.id_claims.get("medical_regulation"), outcome.access_claims.get("medical_regulation"),
            outcome.userinfo.get("medical_regulation")]


def _roles_in_token(outcome) -> set[str]:
    return set(outcome.access_claims["realm_access"]["roles"])


def test_a_regulator_gets_the_role_and_loses_it_when_psc_says_faux(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("create")
    person = new_professional(mock_psc, "REGIS", "REGULATEUR", regulation=True)

    first = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id)
    assert first.signed_in, first.page_text[:1500]
    account = kc.linked_to(person.national_id)[0]["id"]
    assert kc.user(account)["attributes"]["medical_regulation"] == ["true"]
    assert "regulation" in kc.roles_of(account)
    assert _tokens_say(first) == ["true", "true", "true"]
    assert {"regulation", "medecin", "urgentiste"} <= _roles_in_token(first)

    mock_psc.update_identity(person.national_id, regulation=False)  # PSC now says FAUX
    second = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id)
    assert second.signed_in, second.page_text[:1500]
    assert kc.user(account)["attributes"]["medical_regulation"] == ["false"]
    assert "regulation" not in kc.roles_of(account), "the role PSC no longer justifies is removed at login"
    assert {"medecin", "urgentiste"} <= kc.roles_of(account), "the other roles stay"
    assert _tokens_say(second) == ["false", "false", "false"]
    assert "regulation" not in _roles_in_token(second)


def test_a_psc_answer_without_exercices_neither_grants_nor_revokes(policy_realm, keycloak, mock_psc, mock_psc_phone):
    """When PSC's professional data cannot be read, a hiccup must not strip a regulator's role."""
    files, kc = policy_realm("create")
    person = new_professional(mock_psc, "REMI", "REGULATEUR", regulation=True)
    assert psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id).signed_in
    account = kc.linked_to(person.national_id)[0]["id"]
    assert "regulation" in kc.roles_of(account)

    # Userinfo with no SubjectRefPro and no flag: nothing says FAUX for sure.
    broken = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id,
                       claims={"SubjectRefPro": None, "Acces_Regulation_Medicale": None},
                       psc_client_id=files.psc_client_id)
    assert broken.signed_in, broken.page_text[:1500]
    assert "regulation" in kc.roles_of(account)
    assert kc.user(account)["attributes"]["medical_regulation"] == ["true"]
    applied = [e for e in mock_psc.log_entries(event="fault.applied") if e.get("client_id") == files.psc_client_id]
    assert applied and CLAIMS_OVERRIDE in applied[-1]["faults"], "PSC really answered without them"


def test_a_professional_psc_says_faux_for_gets_neither(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("create")
    person = new_professional(mock_psc, "NADIA", "NONREG")  # the mock's default: FAUX
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, person.national_id)
    assert outcome.signed_in, outcome.page_text[:1500]
    account = kc.linked_to(person.national_id)[0]["id"]
    assert kc.user(account)["attributes"]["medical_regulation"] == ["false"]
    assert "regulation" not in kc.roles_of(account)
    assert _tokens_say(outcome) == ["false", "false", "false"]
