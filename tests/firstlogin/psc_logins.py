"""What tests/firstlogin and tests/security share: a region provisioned with a first-login policy,
professionals at the mock PSC, PSC logins as the tablet app does them, and what Keycloak holds after.

Everything runs against the real Keycloak (the session's, with the PSC extension JAR) and the
session's mock PSC. Each test gets its own realm (the `region_files` fixture) and, where it needs
to, fresh national ids, so tests never see each other's accounts or e-CPS states.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from fixtures.realms import drop_realms, run_cli
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.faults import TokenDraft, UserinfoDraft, fault
from mockpsc.testing import card_login, fresh_national_id, wallet_login
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials

PIN = "1234"
POLICIES = ("deny", "link-by-rpps", "create")
AUTHENTICATOR = "psc-link-by-rpps"
MAPPER = "psc-profile-idp-mapper"
SOPHIE = "899700245667"  # SOPHIE LEROY at the mock: two exercices (10 médecin + 60 infirmier)
MEDECIN_URGENTISTE = [{"profession": "10", "category": "C", "savoir_faire_type": "S", "specialty": "SM59",
                       "activities": [{"mode": "S", "secteur": "SA01", "finess": "679000011"}]}]
INFIRMIER = [{"profession": "60", "category": "C", "activities": [{"mode": "S", "secteur": "SA01"}]}]

# Test-only fault: PSC says other things about the person in this login's ID token and userinfo
# (an e-mail, other names, another national id...). The mock never does this by itself.
CLAIMS_OVERRIDE = "test_psc_claims_override"


def _override_userinfo(draft: UserinfoDraft, value: dict) -> None:
    draft.body.update(value)
    if "SubjectNameID" in value:
        for key in ("otherIds", "otherIDs"):
            for other in draft.body.get(key, []):
                other["identifiant"] = value["SubjectNameID"]


@fault(CLAIMS_OVERRIDE, needs_value=True, userinfo=_override_userinfo)
def _override_claims(draft: TokenDraft, value: dict) -> None:
    """Test-only: these claims replace or join PSC's in the ID token and userinfo of one login."""
    draft.id_claims.update(value)


def national_id_claims(national_id: str) -> dict:
    """Claims that make PSC announce ``national_id`` (what Keycloak links on)."""
    return {"SubjectNameID": national_id, "preferred_username": national_id}


@dataclass
class Professional:
    national_id: str
    given_name: str
    family_name: str

    @property
    def rpps(self) -> str:
        return self.national_id[1:]

    @property
    def username(self) -> str:
        return self.national_id.lower()


def new_professional(mock_psc, given: str, family: str, exercices=MEDECIN_URGENTISTE, **identity) -> Professional:
    """A professional nobody else uses, known to the mock PSC with an activated e-CPS (PIN 1234);
    ``identity``: more of add_identity's fields (``cps={"pin": PIN}`` for a CPS card, ``regulation``…)."""
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, given, family, exercices=exercices, ecps={"pin": PIN}, **identity)
    return Professional(national_id, given, family)


@dataclass
class LoginOutcome:
    """Where a PSC login through Keycloak ended: tokens for the app, or a page."""
    id_claims: dict | None = None
    access_claims: dict | None = None
    userinfo: dict | None = None
    page: requests.Response | None = None

    @property
    def signed_in(self) -> bool:
        return self.id_claims is not None

    @property
    def page_text(self) -> str:
        return html.unescape(self.page.text) if self.page is not None else ""


def psc_login(keycloak, realm: str, mock_psc, phone, national_id: str, *, claims: dict | None = None,
              psc_client_id: str | None = None, card: bool = False, acr: str = "eidas1") -> LoginOutcome:
    """SMUR-T@b's login: Keycloak, then PSC (national id, push, PIN, number), back to the app.

    ``claims``: what PSC says differently in this login (the test-only override above); ``card``: the
    "Carte CPS" tab instead of the e-CPS (card PIN 1234); ``acr``: the level Keycloak asks PSC for."""
    login = start_login(keycloak, realm, mock_psc.wallet_origin, acr=acr)
    if claims:
        mock_psc.inject_fault(CLAIMS_OVERRIDE, claims, client_id=psc_client_id)
    if card:
        back = card_login(login.session, login.page, national_id, pin=PIN)
    else:
        back = wallet_login(login.session, login.page, national_id, phone=phone, pin=PIN)
    result = follow_to_app(login.session, back)
    if not isinstance(result, dict):
        return LoginOutcome(page=result)
    assert "code" in result, f"the app got no code: {result}"
    tokens = exchange_code(keycloak, realm, login, result["code"])
    userinfo = requests.get(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/userinfo",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30)
    assert userinfo.status_code == 200, userinfo.text
    return LoginOutcome(verified_claims(keycloak, realm, tokens["id_token"]),
                        verified_claims(keycloak, realm, tokens["access_token"]), userinfo.json())


def assert_refused(outcome: LoginOutcome, *expected: str) -> None:
    """Keycloak's error page, with each expected text; the app got nothing."""
    assert not outcome.signed_in, f"signed in, expected a refusal: {outcome.id_claims}"
    assert 'id="kc-error-message"' in outcome.page.text, outcome.page_text[:1500]
    for text in expected:
        assert text in outcome.page_text, f"{text!r} not on the page: {outcome.page_text[:1500]}"


class RealmView:
    """The realm read back with the admin API (python-keycloak, independent of the provisioning code)."""

    def __init__(self, admin):
        self.admin = admin

    def user_ids(self) -> set[str]:
        return {u["id"] for u in self.admin.get_users({})}

    def user(self, user_id: str) -> dict:
        return self.admin.get_user(user_id)

    def linked_to(self, national_id: str) -> list[dict]:
        """Accounts whose PSC link is ``national_id``."""
        return self.admin.get_users({"idpAlias": "psc", "idpUserId": national_id})

    def links_of(self, user_id: str) -> list[tuple[str, str]]:
        return [(link["identityProvider"], link["userId"]) for link in self.admin.get_user_social_logins(user_id)]

    def roles_of(self, user_id: str) -> set[str]:
        return {r["name"] for r in self.admin.get_realm_roles_of_user(user_id)}

    def sessions_of(self, user_id: str) -> list:
        return self.admin.get_sessions(user_id)

    def add_user(self, username: str, *, first: str = "Jean", last: str = "Dupont", email: str | None = None,
                 enabled: bool = True, **attributes: Any) -> str:
        """An account made by an admin (no PSC link), with the given attributes."""
        rep = {"username": username, "enabled": enabled, "firstName": first, "lastName": last,
               "attributes": {k: [v] if isinstance(v, str) else v for k, v in attributes.items()}}
        if email:
            rep |= {"email": email, "emailVerified": True}
        user_id = self.admin.create_user(rep)
        stored = self.admin.get_user(user_id).get("attributes", {})
        for name in attributes:
            assert name in stored, f"Keycloak dropped attribute {name!r} (not in the user profile?)"
        return user_id

    def link(self, user_id: str, national_id: str) -> None:
        self.admin.add_user_social_login(user_id, "psc", national_id, national_id.lower())

    def flow_steps(self, alias: str) -> list[tuple[str, str]]:
        return [(e.get("providerId"), e.get("requirement"))
                for e in self.admin.get_authentication_flow_executions(alias)]

    def first_login_flow(self) -> str:
        return self.admin.get_idp("psc")["firstBrokerLoginFlowAlias"]


def staff_csv(path, people: list[Professional]):
    """A staff list (our CSV) naming ``people``, all in one SMUR base as médecins."""
    lines = ["national_id,first_name,last_name,group,roles,email"]
    lines += [f"{p.national_id},{p.given_name.title()},{p.family_name},SMUR 67 Strasbourg,medecin," for p in people]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def links_apply(files, source, *extra: str) -> str:
    """`smur-iam links apply` of ``source`` to the region's realm, as an admin runs it; returns its output."""
    result = run_cli("links", "apply", "--region", files.realm, "--from", str(source), *extra, env=files.env)
    assert result.returncode == 0, f"links apply failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def set_policy(region_files, policy: str) -> None:
    """Write ``firstLoginPolicy`` into the region's files (inherited from the national defaults)."""
    for path in (region_files.region_file, region_files.defaults_file):
        text = path.read_text(encoding="utf-8")
        for current in POLICIES:
            if f"firstLoginPolicy: {current}\n" in text:
                path.write_text(text.replace(f"firstLoginPolicy: {current}\n", f"firstLoginPolicy: {policy}\n", 1),
                                encoding="utf-8")
                return
    raise AssertionError("no firstLoginPolicy in the region files")


def apply(region_files) -> str:
    result = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert result.returncode == 0, f"apply failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def require_psc_extension(keycloak, oracle, realm: str = "master") -> None:
    """The server must run the PSC extension (the session fixture's always does)."""
    providers = oracle(realm).get_server_info()["providers"]
    if (MAPPER not in providers["identity-provider-mapper"]["providers"]
            or AUTHENTICATOR not in providers["authenticator"]["providers"]):
        pytest.skip(f"the Keycloak at {keycloak.base_url} runs without the current PSC extension JAR "
                    "(mappers/psc-extension): run without SMUR_IAM_KEYCLOAK_URL, or restart that server with "
                    "the JAR in its providers/")


@pytest.fixture
def policy_realm(region_files, keycloak, oracle):
    """``policy_realm(policy, *edits)``: the shipped region, applied with that first-login policy
    (and ``(old, new)`` text edits of its files); returns (region files, RealmView). In a borrowed
    Keycloak the realm is deleted afterwards."""
    require_psc_extension(keycloak, oracle)

    def make(policy: str, *edits: tuple[str, str]):
        set_policy(region_files, policy)
        for old, new in edits:
            region_files.edit(old, new)
        apply(region_files)
        return region_files, RealmView(oracle(region_files.realm))

    yield make
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [region_files.realm])
