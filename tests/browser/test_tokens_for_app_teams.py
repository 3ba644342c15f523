"""What the README's section for app teams promises, checked on real tokens of the shipped realm.

HTTP level (no browser needed): a PSC login through the real Keycloak as the tablet app does it,
then the ID token, the access token and userinfo are read. If a claim moves, appears or
disappears, this test fails and the README section must follow.
"""
from __future__ import annotations

import re

import requests

from fixtures.realms import REPO
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import wallet_login

CAMILLE = "899700218896"  # pre-linked in realm/smur-grand-est.yaml; médecin urgentiste and regulator at the mock
# Names as PSC gives them (the region file's "Camille Durand" only seeded the account).
PERSON_CLAIMS = {"rpps": "99700218896", "idnat": CAMILLE, "given_name": "CAMILLE", "family_name": "DURAND",
                 "name": "CAMILLE DURAND", "preferred_username": CAMILLE}


def _app_team_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## For app teams")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_tokens_carry_what_the_readme_promises_app_teams(provisioned, keycloak, mock_psc, mock_psc_phone):
    realm = provisioned.realm
    discovery = requests.get(f"{keycloak.base_url}/realms/{realm}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == f"{keycloak.base_url}/realms/{realm}"
    assert "S256" in discovery["code_challenge_methods_supported"]

    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, CAMILLE, phone=mock_psc_phone)
    tokens = exchange_code(keycloak, realm, login, follow_to_app(login.session, back)["code"])
    id_token = verified_claims(keycloak, realm, tokens["id_token"])
    access = verified_claims(keycloak, realm, tokens["access_token"])
    userinfo = requests.get(discovery["userinfo_endpoint"], timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()

    for where, claims in (("ID token", id_token), ("access token", access), ("userinfo", userinfo)):
        assert {k: claims.get(k) for k in PERSON_CLAIMS} == PERSON_CLAIMS, where
        assert claims.get("auth_mode") == "MOBILE", f"{where}: auth_mode {claims.get('auth_mode')!r}"  # e-CPS
        assert "email" not in claims, where  # PSC sends none; never a linking key
        assert claims.get("medical_regulation") == "true", where  # Acces_Regulation_Medicale: VRAI
    assert {"medecin", "urgentiste", "regulation"} <= set(access["realm_access"]["roles"])
    assert "realm_access" not in id_token and "realm_access" not in userinfo
    assert "smur-api" in access["aud"] and id_token["aud"] == "smurtab"
    assert id_token["sub"] == access["sub"] == userinfo["sub"] != CAMILLE  # Keycloak's user id, not PSC's

    section = _app_team_section()
    for name in [*PERSON_CLAIMS, "realm_access.roles", "medecin", "infirmier", "ambulancier", "interne",
                 "urgentiste", "regulation", "medical_regulation", "auth_mode", "kc_idp_hint=psc", ".well-known/openid-configuration"]:
        assert re.search(rf"`[^`]*{re.escape(name)}[^`]*`", section), f"README's app-team section lacks `{name}`"
