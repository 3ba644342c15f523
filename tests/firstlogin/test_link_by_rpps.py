"""Policy `link-by-rpps`, end to end: the real Keycloak, the mock PSC, the SMUR tablet app.

A PSC identity with no link is attached to the one account whose `rpps` attribute is the RPPS of
its `8`-type national id (the extension's PscLinkByRppsAuthenticator), then signed in. Every
other case is a page and nothing is linked or created.
"""
from __future__ import annotations

from firstlogin.psc_logins import (
    AUTHENTICATOR,
    assert_refused,
    national_id_claims,
    new_professional,
    psc_login,
)


def test_the_account_holding_the_rpps_is_linked_and_signed_in(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("link-by-rpps")
    assert kc.flow_steps(kc.first_login_flow()) == [(AUTHENTICATOR, "REQUIRED")]
    doctor = new_professional(mock_psc, "ALICE", "MOREAU")
    # Made by an admin before PSC: another username, the RPPS as an attribute, no link.
    account = kc.add_user("a.moreau", first="Alice", last="Moreau", rpps=doctor.rpps)
    other = kc.add_user("someone-else", rpps=new_professional(mock_psc, "X", "Y").rpps)
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)

    assert outcome.signed_in, outcome.page_text[:1500]
    assert outcome.id_claims["sub"] == account, "signed in as the account holding the RPPS"
    assert kc.user_ids() == before, "no account created"
    assert kc.links_of(account) == [("psc", doctor.national_id)]
    assert kc.links_of(other) == []
    # The PSC mapper ran on the linked account as on any login: attributes, roles, auth_mode.
    attributes = kc.user(account)["attributes"]
    assert attributes["idnat"] == [doctor.national_id] and attributes["idnat_type"] == ["RPPS"]
    assert attributes["profession_codes"] == ["10"] and attributes["specialty_codes"] == ["SM59"]
    assert {"medecin", "urgentiste"} <= kc.roles_of(account)
    assert outcome.id_claims["rpps"] == doctor.rpps and outcome.id_claims["auth_mode"] == "MOBILE"
    assert kc.user(account)["username"] == "a.moreau", "the account is kept as it was made"

    # Next login: found by its link now, same account.
    again = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)
    assert again.signed_in and again.id_claims["sub"] == account
    assert kc.user_ids() == before


def test_two_accounts_with_the_same_rpps_are_refused(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("link-by-rpps")
    nurse = new_professional(mock_psc, "BRUNO", "FAURE")
    first = kc.add_user("b.faure", rpps=nurse.rpps)
    second = kc.add_user("bruno.faure", rpps=nurse.rpps)
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, nurse.national_id)

    assert_refused(outcome, "plusieurs comptes de ce SMUR portent le RPPS " + nurse.rpps, "aucun n’a été relié")
    assert kc.links_of(first) == kc.links_of(second) == []
    assert kc.linked_to(nurse.national_id) == []
    assert kc.user_ids() == before
    assert kc.sessions_of(first) == kc.sessions_of(second) == []


def test_no_account_with_the_rpps_shows_the_region_message(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("link-by-rpps")
    stranger = new_professional(mock_psc, "CLARA", "ROUX")
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, stranger.national_id)

    assert_refused(outcome, "n'est pas enregistré pour ce SMUR")  # firstLoginDenyMessage of the region
    assert kc.user_ids() == before and kc.linked_to(stranger.national_id) == []


def test_a_disabled_account_is_refused(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("link-by-rpps")
    doctor = new_professional(mock_psc, "DENIS", "LEGRAND")
    account = kc.add_user("d.legrand", rpps=doctor.rpps, enabled=False)

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)

    assert_refused(outcome, "est désactivé", 'data-smur-page="account-disabled"')
    assert kc.links_of(account) == [] and kc.sessions_of(account) == []


def test_an_account_linked_to_another_psc_identity_is_not_relinked(policy_realm, keycloak, mock_psc,
                                                                    mock_psc_phone):
    files, kc = policy_realm("link-by-rpps")
    doctor, other = new_professional(mock_psc, "EVA", "PERRIN"), new_professional(mock_psc, "EVE", "PERRIN")
    account = kc.add_user("e.perrin", rpps=doctor.rpps)
    kc.link(account, other.national_id)

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)

    assert_refused(outcome, "déjà relié à une autre identité Pro Santé Connect")
    assert kc.links_of(account) == [("psc", other.national_id)]


def test_an_email_twin_is_never_used(policy_realm, keycloak, mock_psc, mock_psc_phone):
    """PSC's e-mail (here put in the ID token and userinfo) and names never choose the account."""
    files, kc = policy_realm("link-by-rpps")
    doctor = new_professional(mock_psc, "FANNY", "GIRARD")
    email = "fanny.girard@ch-fictif.fr"
    # Same e-mail, same names and even the national id as username: still not the RPPS holder.
    twin = kc.add_user(doctor.username, first="Fanny", last="Girard", email=email)
    holder = kc.add_user("f.girard", first="F", last="G", rpps=doctor.rpps)
    psc_says = {"email": email, "email_verified": True, "given_name": "Fanny", "family_name": "Girard"}

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id, claims=psc_says,
                        psc_client_id=files.psc_client_id)

    assert outcome.signed_in and outcome.id_claims["sub"] == holder, outcome.page_text[:1500]
    assert kc.links_of(twin) == [] and kc.sessions_of(twin) == []
    assert kc.user(holder).get("email") is None, "the PSC e-mail is not written onto the linked account"

    # Without an RPPS holder, the twin is still never used: refused.
    lone = new_professional(mock_psc, "GILLES", "BLANC")
    lone_twin = kc.add_user(lone.username, first="Gilles", last="Blanc", email="g.blanc@ch-fictif.fr")
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, lone.national_id,
                        claims={"email": "g.blanc@ch-fictif.fr"}, psc_client_id=files.psc_client_id)
    assert_refused(outcome, "n'est pas enregistré pour ce SMUR")
    assert kc.links_of(lone_twin) == []


def test_the_digits_of_an_adeli_id_never_match_an_rpps(policy_realm, keycloak, mock_psc, mock_psc_phone):
    """`0` + the same digits as an account's RPPS: not an RPPS, so no lookup and no link."""
    files, kc = policy_realm("link-by-rpps")
    doctor = new_professional(mock_psc, "HELENE", "MARCHAND")
    account = kc.add_user("h.marchand", rpps=doctor.rpps)
    adeli_like = "0" + doctor.rpps

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id,
                        claims=national_id_claims(adeli_like), psc_client_id=files.psc_client_id)

    assert_refused(outcome, f"l’identifiant national {adeli_like} n’est pas un numéro RPPS")
    assert kc.links_of(account) == [] and kc.linked_to(adeli_like) == []
