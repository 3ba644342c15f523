"""Who `smur-iam links apply` removes stays out, whatever the first-login policy (issue 5, §4).

tests/links/test_links_login.py proves it for the default `deny` policy (unlinked leaver refused,
disabled account refused). The other two policies could undo the staff list: `link-by-rpps`
would find the leaver's account by its RPPS, `create` would make a new one. Both must refuse.
"""
from __future__ import annotations

import pytest

from firstlogin.psc_logins import (MEDECIN_URGENTISTE, PIN, Professional, assert_refused, links_apply, new_professional,
                                   psc_login, staff_csv)
from mockpsc.testing import fresh_national_id

LEFT_MESSAGE = {
    "link-by-rpps": "est géré par la liste du personnel, qui ne le relie plus à Pro Santé Connect",
    "create": "porte déjà votre identifiant ou votre adresse e-mail",
}


@pytest.mark.parametrize("policy", ["link-by-rpps", "create"])
def test_a_leaver_unlinked_by_links_apply_cannot_sign_in_again(policy, policy_realm, keycloak, mock_psc,
                                                               mock_psc_phone, tmp_path):
    files, kc = policy_realm(policy)
    stays, leaves = (new_professional(mock_psc, given, family) for given, family in (("QUENTIN", "AUBERT"),
                                                                                       ("ROSE", "LACROIX")))
    links_apply(files, staff_csv(tmp_path / "staff.csv", [stays, leaves]))
    [leaver] = kc.linked_to(leaves.national_id)
    assert kc.user(leaver["id"])["attributes"]["rpps"] == [leaves.rpps]
    first = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, leaves.national_id)
    assert first.signed_in and first.id_claims["sub"] == leaver["id"]

    # She leaves the list: her link is removed, her account (and its RPPS) stays.
    links_apply(files, staff_csv(tmp_path / "staff-v2.csv", [stays]))
    assert kc.links_of(leaver["id"]) == []
    before = kc.user_ids()
    kc.admin.user_logout(leaver["id"])

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, leaves.national_id)

    assert_refused(outcome, LEFT_MESSAGE[policy])
    assert kc.links_of(leaver["id"]) == [] and kc.linked_to(leaves.national_id) == []
    assert kc.user_ids() == before, "no new account for her either"
    assert kc.sessions_of(leaver["id"]) == []

    # Still on the list but disabled by an admin: refused (Keycloak checks it after the link lookup).
    [colleague] = kc.linked_to(stays.national_id)
    kc.admin.update_user(colleague["id"], {"enabled": False})
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, stays.national_id)
    assert not outcome.signed_in, "a disabled account must not get a code"
    assert "disabled" in outcome.page_text.lower() or "désactivé" in outcome.page_text.lower(), \
        outcome.page_text[:1000]
    assert kc.sessions_of(colleague["id"]) == []


def test_a_leaver_disabled_by_links_apply_is_refused_by_link_by_rpps(policy_realm, keycloak, mock_psc,
                                                                     mock_psc_phone, tmp_path):
    files, kc = policy_realm("link-by-rpps")
    leaves = Professional(fresh_national_id(), "SIMON", "GAUTIER")
    mock_psc.add_identity(leaves.national_id, leaves.given_name, leaves.family_name,
                          exercices=MEDECIN_URGENTISTE, ecps={"pin": PIN})
    links_apply(files, staff_csv(tmp_path / "staff.csv", [leaves]))
    [leaver] = kc.linked_to(leaves.national_id)
    links_apply(files, staff_csv(tmp_path / "empty.csv", []), "--disable-leavers")
    assert kc.user(leaver["id"])["enabled"] is False and kc.links_of(leaver["id"]) == []

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, leaves.national_id)

    assert_refused(outcome, "est désactivé")
    assert kc.links_of(leaver["id"]) == []
