"""The PSC profile mapper (mappers/psc-extension) inside the real Keycloak, fed by the mock PSC.

The session Keycloak loads the extension JAR (tests/fixtures/keycloak.py); each test provisions
a region with `smur-iam apply` (the `provisioned` fixture), which installs the mapper from
mappers/catalogue.yaml, then signs a professional in as the SMUR tablet app does and reads the
user back with python-keycloak (`oracle`).

Test setup through the admin API, for what provisioning does not (yet) do:
* the table's realm roles come from realm/national-defaults.yaml; any the provisioning did not
  create is created here (skip_exists), so the test does not depend on that file's role list;
* the `create` first-login policy (only `deny` exists): where a test needs Keycloak to create the
  account, the broker's firstBrokerLoginFlowAlias is switched to Keycloak's built-in
  "first broker login" flow, standing in until the policy is provisioned;
* a client protocol mapper putting the `auth_mode` session note in smurtab's tokens (client
  mappers are provisioning's job; the admin API has no view of session notes).
"""
from __future__ import annotations

import html
from typing import Any

import pytest

from fixtures.realms import run_cli
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.faults import TokenDraft, UserinfoDraft, fault
from mockpsc.identities import IdentityError
from mockpsc.testing import wallet_login

MAPPER_TYPE = "psc-profile-idp-mapper"
TABLE_ROLES = ("medecin", "infirmier", "ambulancier", "urgentiste", "interne")
CAMILLE = "899700218896"  # CAMILLE DURAND, urgentiste, pre-linked by the shipped realm files
SOPHIE = "899700245667"  # SOPHIE LEROY: two exercices (10 + 60), three activities (mockpsc/data/identities.yaml)
LUCAS = "899700366240"  # LUCAS BERNARD: one exercice (60)
LUHN_FAILING = "810003111463"  # the seed's illustrative "8 10003111463": its RPPS fails Luhn
PIN = "1234"
SOPHIE_STRUCTURES = ["FINESS:679000011", "ID_STRUCTURE:R10000000000011", "SIRET:11122233300014",
                     "ID_STRUCTURE:R10000000000029"]
FAULT_NAME = "test_psc_mapper_national_id"


def _userinfo_national_id(draft: UserinfoDraft, value: Any) -> None:
    draft.body["SubjectNameID"] = draft.body["preferred_username"] = value
    for other in draft.body.get("otherIds", []):
        other["identifiant"] = value


@fault(FAULT_NAME, needs_value=True, userinfo=_userinfo_national_id)
def _national_id(draft: TokenDraft, value: Any) -> None:
    """Test-only: PSC announces another national id (SubjectNameID, preferred_username, otherIds)."""
    draft.id_claims["SubjectNameID"] = draft.id_claims["preferred_username"] = value


@pytest.fixture
def psc_realm(provisioned, keycloak, oracle):
    """The provisioned region, with the table's realm roles and a client mapper showing auth_mode."""
    admin = oracle(provisioned.realm)
    mapper_types = admin.get_server_info()["providers"]["identity-provider-mapper"]["providers"]
    if MAPPER_TYPE not in mapper_types:
        pytest.skip(f"the Keycloak at {keycloak.base_url} was started without the PSC mapper JAR "
                    f"(mappers/psc-extension); run without SMUR_IAM_KEYCLOAK_URL, or restart that server "
                    f"with the JAR in its providers/")
    for role in TABLE_ROLES:
        admin.create_realm_role({"name": role, "description": "granted by the PSC profile mapper"},
                                skip_exists=True)
    admin.create_realm_role({"name": "regulateur", "description": "not the mapper's: must be kept"},
                            skip_exists=True)
    # Client protocol mappers are provisioning's job; this one only makes the session note visible.
    admin.add_mapper_to_client(admin.get_client_id("smurtab"), {
        "name": "auth-mode", "protocol": "openid-connect", "protocolMapper": "oidc-usersessionmodel-note-mapper",
        "config": {"user.session.note": "auth_mode", "claim.name": "auth_mode", "jsonType.label": "String",
                   "id.token.claim": "true", "access.token.claim": "true", "userinfo.token.claim": "true"},
    })
    return provisioned


def use_builtin_first_broker_login(admin) -> None:
    """Stand-in for the `create` first-login policy: Keycloak's own flow creates the account."""
    idp = admin.get_idp("psc")
    idp["firstBrokerLoginFlowAlias"] = "first broker login"
    admin.update_idp("psc", idp)


def psc_login(keycloak, realm: str, mock_psc, phone, national_id: str):
    """The tablet app's login through PSC; returns (query at the app's redirect URI, or the page shown)."""
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, national_id, phone=phone, pin=PIN)
    return login, follow_to_app(login.session, back)


def signed_in_claims(keycloak, realm: str, mock_psc, phone, national_id: str) -> tuple[dict, dict]:
    login, result = psc_login(keycloak, realm, mock_psc, phone, national_id)
    assert isinstance(result, dict) and "code" in result, \
        f"no code for {national_id}: {getattr(result, 'status_code', '')} {getattr(result, 'text', '')[:800]}"
    tokens = exchange_code(keycloak, realm, login, result["code"])
    return (verified_claims(keycloak, realm, tokens["id_token"]),
            verified_claims(keycloak, realm, tokens["access_token"]))


def user_by_link(admin, national_id: str) -> dict:
    users = admin.get_users({"idpAlias": "psc", "idpUserId": national_id})
    assert len(users) == 1, f"expected one user linked to {national_id}, got {users}"
    return admin.get_user(users[0]["id"])


def realm_roles(admin, user_id: str) -> set[str]:
    return {r["name"] for r in admin.get_realm_roles_of_user(user_id)}


def assert_sophie_mapped(admin, user: dict) -> None:
    attributes = user.get("attributes", {})
    assert attributes.get("rpps") == [SOPHIE[1:]]
    assert attributes.get("idnat") == [SOPHIE]
    assert attributes.get("idnat_type") == ["RPPS"]
    assert attributes.get("profession_codes") == ["10", "60"], "both exercices"
    assert attributes.get("specialty_codes") == ["SM02", "SI07"]
    assert attributes.get("structure_ids") == SOPHIE_STRUCTURES, "all three activities, deduplicated"
    assert {"medecin", "infirmier"} <= realm_roles(admin, user["id"])


def test_prelinked_user_gets_every_exercice_and_stale_values_are_replaced(psc_realm, keycloak, mock_psc,
                                                                          mock_psc_phone, oracle):
    realm = psc_realm.realm
    admin = oracle(realm)
    # Pre-linked as smur-iam links staff, with what an older login left: wrong codes, a role
    # PSC no longer justifies (interne), and a role that is not the mapper's (regulateur).
    user_id = admin.create_user({"username": SOPHIE, "enabled": True, "firstName": "Sophie", "lastName": "Leroy",
                                 "attributes": {"idnat": [SOPHIE], "profession_codes": ["70"],
                                                "structure_ids": ["FINESS:000000000"]}})
    admin.add_user_social_login(user_id, "psc", SOPHIE, SOPHIE)
    admin.assign_realm_roles(user_id, [admin.get_realm_role("interne"), admin.get_realm_role("regulateur")])

    id_claims, access_claims = signed_in_claims(keycloak, realm, mock_psc, mock_psc_phone, SOPHIE)

    user = admin.get_user(user_id)
    assert_sophie_mapped(admin, user)
    roles = realm_roles(admin, user_id)
    assert "interne" not in roles, "a table role PSC no longer justifies is removed at login"
    assert "regulateur" in roles, "roles outside the table are left alone"
    # What the apps receive: the provisioned claims, the roles, and the session note.
    assert id_claims["sub"] == user_id
    assert id_claims["rpps"] == SOPHIE[1:] and id_claims["idnat"] == SOPHIE
    assert id_claims["auth_mode"] == "MOBILE" and access_claims["auth_mode"] == "MOBILE"
    assert {"medecin", "infirmier", "regulateur"} <= set(access_claims["realm_access"]["roles"])
    assert "interne" not in access_claims["realm_access"]["roles"]


def test_user_created_by_the_broker_gets_every_exercice(psc_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    realm = psc_realm.realm
    admin = oracle(realm)
    use_builtin_first_broker_login(admin)
    assert admin.get_users({"idpAlias": "psc", "idpUserId": SOPHIE}) == []

    id_claims, access_claims = signed_in_claims(keycloak, realm, mock_psc, mock_psc_phone, SOPHIE)

    user = user_by_link(admin, SOPHIE)
    assert_sophie_mapped(admin, user)
    assert id_claims["sub"] == user["id"] and id_claims["auth_mode"] == "MOBILE"
    assert {"medecin", "infirmier"} <= set(access_claims["realm_access"]["roles"])
    assert not {"interne", "urgentiste", "ambulancier"} & realm_roles(admin, user["id"])


def test_roles_missing_from_the_realm_do_not_block_the_login(psc_realm, keycloak, mock_psc, mock_psc_phone,
                                                               oracle):
    realm = psc_realm.realm
    admin = oracle(realm)
    admin.delete_realm_role("infirmier")
    use_builtin_first_broker_login(admin)

    signed_in_claims(keycloak, realm, mock_psc, mock_psc_phone, LUCAS)  # a nurse: her only role is missing

    user = user_by_link(admin, LUCAS)
    assert user["attributes"]["profession_codes"] == ["60"]
    assert not set(TABLE_ROLES) & realm_roles(admin, user["id"])


def test_rpps_failing_luhn_is_refused_with_a_clear_page(psc_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    # The mock, like PSC, never issues such an id itself, so a test fault makes it announce one.
    with pytest.raises(IdentityError, match="Luhn"):
        mock_psc.add_identity(LUHN_FAILING, "RPPS", "FAUX")
    realm = psc_realm.realm
    admin = oracle(realm)
    use_builtin_first_broker_login(admin)  # without the mapper's check, this flow would create the account
    before = [u["id"] for u in admin.get_users({})]
    events_before = {e["id"] for e in admin.get_events({"max": 500})}

    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    mock_psc.inject_fault(FAULT_NAME, LUHN_FAILING, client_id=psc_realm.psc_client_id)
    back = wallet_login(login.session, login.page, LUCAS, phone=mock_psc_phone, pin=PIN)
    page = follow_to_app(login.session, back)

    assert not isinstance(page, dict), f"a Luhn-failing RPPS reached the app: {page}"
    text = html.unescape(page.text)
    assert 'id="kc-error-message"' in page.text, text[:1000]
    assert f"l’identifiant national {LUHN_FAILING}" in text and "Luhn" in text, text[:2000]
    assert [u["id"] for u in admin.get_users({})] == before, "no account may be created"
    assert admin.get_users({"idpAlias": "psc", "idpUserId": LUHN_FAILING}) == []
    # One event that says why (issue 15's refusal report counts them by reason), not Keycloak's generic one too.
    errors = [e for e in admin.get_events({"max": 500}) if e["id"] not in events_before and e.get("error")]
    assert [(e["type"], e["error"], e["details"].get("reason")) for e in errors] == [
        ("IDENTITY_PROVIDER_LOGIN_ERROR", "psc_rpps_invalid", "rpps_invalid")], errors
    assert errors[0]["details"]["identity_provider_identity"] == LUHN_FAILING


def test_provisioning_sees_no_drift_after_a_mapped_login(psc_realm, keycloak, mock_psc, mock_psc_phone, oracle):
    """What the mapper writes (attributes, roles) never fights what `smur-iam` manages."""
    admin = oracle(psc_realm.realm)
    signed_in_claims(keycloak, psc_realm.realm, mock_psc, mock_psc_phone, CAMILLE)
    user = user_by_link(admin, CAMILLE)
    assert user["attributes"]["specialty_codes"] == ["SM59"]
    assert {"medecin", "urgentiste"} <= realm_roles(admin, user["id"])

    plan = run_cli("plan", str(psc_realm.directory), "--detailed-exitcode", env=psc_realm.env)
    assert plan.returncode == 0, f"plan wants changes after a login:\n{plan.stdout}\n{plan.stderr}"
