"""What Keycloak's tokens tell the SMUR apps is exactly what the PSC mapper stored (issue 5, §4).

For staff linked as `smur-iam links` links them, after a PSC login: `rpps`, `idnat`, the
table's roles (the regulation role included), `medical_regulation` and `auth_mode` in smurtab's ID token, access token and userinfo, compared with
the account Keycloak holds and with the person's exercices at the mock PSC.
"""
from __future__ import annotations

import pytest

from firstlogin.psc_logins import SOPHIE, psc_login

TABLE_ROLES = {"medecin", "infirmier", "ambulancier", "urgentiste", "interne", "regulation"}
CAMILLE = "899700218896"  # pre-linked by realm/smur-grand-est.yaml: médecin, SM59 urgentiste
KEVIN = "0670012345"  # ADELI ambulancier (profession 36): no RPPS at all
PEOPLE = {  # national id -> (rpps claim, idnat_type, table roles), from mockpsc/data/identities.yaml
    SOPHIE: (SOPHIE[1:], "RPPS", {"medecin", "infirmier"}),  # two exercices: 10 and 60
    CAMILLE: (CAMILLE[1:], "RPPS", {"medecin", "urgentiste", "regulation"}),  # the mock's one regulator
    KEVIN: (None, "ADELI", {"ambulancier"}),
}


@pytest.mark.parametrize("national_id", list(PEOPLE), ids=["two-exercices", "urgentiste", "adeli"])
def test_tokens_carry_rpps_idnat_roles_and_auth_mode_as_mapped(national_id, policy_realm, keycloak, mock_psc,
                                                               mock_psc_phone):
    files, kc = policy_realm("deny")  # only linked staff sign in
    rpps, id_type, roles = PEOPLE[national_id]
    linked = kc.linked_to(national_id)
    if linked:
        account = linked[0]["id"]
    else:  # linked by hand as the staff list does: national id as username and as link
        account = kc.add_user(national_id.lower())
        kc.link(account, national_id)

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, national_id)

    assert outcome.signed_in, outcome.page_text[:1500]
    stored = kc.user(account)["attributes"]
    assert stored["idnat"] == [national_id] and stored["idnat_type"] == [id_type]
    assert stored.get("rpps") == ([rpps] if rpps else None)
    assert kc.roles_of(account) & TABLE_ROLES == roles
    regulation = "true" if "regulation" in roles else "false"  # Acces_Regulation_Medicale VRAI / FAUX
    assert stored["medical_regulation"] == [regulation]
    for where, claims in (("ID token", outcome.id_claims), ("access token", outcome.access_claims),
                          ("userinfo", outcome.userinfo)):
        assert claims["sub"] == account, where
        assert claims["idnat"] == national_id, where
        assert claims.get("rpps") == rpps, f"{where}: rpps {claims.get('rpps')!r}"
        assert claims["auth_mode"] == "MOBILE", where  # e-CPS, the mock's default
        assert claims["medical_regulation"] == regulation, where
    assert set(outcome.access_claims["realm_access"]["roles"]) & TABLE_ROLES == roles
    assert outcome.access_claims["azp"] == "smurtab" and "smur-api" in outcome.access_claims["aud"]


def test_auth_mode_follows_each_login(policy_realm, keycloak, mock_psc, mock_psc_phone):
    """A CPS-card login says CARD, the next e-CPS login MOBILE: the claim is per session, not per account."""
    files, kc = policy_realm("deny")
    account = kc.add_user(SOPHIE)
    kc.link(account, SOPHIE)

    card = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, SOPHIE, claims={"authMode": "CARD"},
                     psc_client_id=files.psc_client_id)
    mobile = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, SOPHIE)

    assert card.id_claims["auth_mode"] == card.access_claims["auth_mode"] == card.userinfo["auth_mode"] == "CARD"
    assert mobile.id_claims["auth_mode"] == mobile.access_claims["auth_mode"] == "MOBILE"
    assert card.id_claims["sid"] != mobile.id_claims["sid"]
    assert "auth_mode" not in kc.user(account)["attributes"], "a session note, never an account attribute"
    [mapper] = [m for m in kc.admin.get_mappers_from_client(kc.admin.get_client_id("smurtab"))
                if m["config"].get("user.session.note") == "auth_mode"]
    assert mapper["protocolMapper"] == "oidc-usersessionmodel-note-mapper"  # from sessionClaims
