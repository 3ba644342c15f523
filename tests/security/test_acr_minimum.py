"""PSC's `acr` is a minimum (issue 12 §1): accepted at or above the region's `minimumAcr`, refused
otherwise before any account lookup, with one event that says why and a page that says the level
was not sufficient.

Real Keycloak, real mock PSC. Two realms for the module, both with the first-login policy `create`,
so that any login Keycloak accepted WOULD create an account: "nothing created" proves the refusal
came before the account lookup. One realm inherits `minimumAcr: eidas1` (the national default), the
other states `eidas2`. Every test signs in a professional nobody else uses.
"""
from __future__ import annotations

import pytest
from keycloak import KeycloakAdmin as OracleAdmin
from keycloak import KeycloakOpenIDConnection

from firstlogin.psc_logins import (
    RealmView,
    apply,
    assert_refused,
    new_professional,
    psc_login,
    require_psc_extension,
    set_policy,
)
from fixtures.realms import copy_region, drop_realms, unique_realm
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials

PIN = {"pin": "1234"}  # each professional also holds a CPS card
REFUSED = "IDENTITY_PROVIDER_LOGIN_ERROR"
LEVEL_TOO_LOW = ("niveau d’authentification", "insuffisant", 'data-smur-page="acr-insufficient"')

# (value the mock puts in the ID token's acr; None removes it) -> (event reason, acr as the event shows it)
BAD_ACR = {
    "eidas0": ("eidas0", "acr_unknown", "eidas0"),
    "missing": (None, "acr_missing", "(absent)"),
    "empty": ("", "acr_unknown", "(empty)"),
    "substantial": ("substantial", "acr_unknown", "substantial"),
    "list-eidas1": (["eidas1"], "acr_not_a_string", '["eidas1"]'),
    "list-eidas0-eidas2": (["eidas0", "eidas2"], "acr_not_a_string", '["eidas0","eidas2"]'),
    "number": (2, "acr_not_a_string", "2"),
}


class AcrRealm:
    """A realm of this module: its files, an admin view, and the state a refusal must not change."""

    def __init__(self, files, oracle: OracleAdmin, minimum: str):
        self.files, self.oracle, self.minimum = files, oracle, minimum
        self.view = RealmView(oracle)

    @property
    def realm(self) -> str:
        return self.files.realm

    def error_events(self) -> list[dict]:
        """Every stored event with an error, newest first (all types: a second event would show)."""
        return [e for e in self.oracle.get_events({"max": 500}) if e.get("error")]

    def smurtab_sessions(self) -> int:
        return sum(int(s.get("active", 0)) for s in self.oracle.get_client_sessions_stats()
                   if s.get("clientId") == "smurtab")


def _oracle(keycloak, realm: str) -> OracleAdmin:
    return OracleAdmin(connection=KeycloakOpenIDConnection(
        server_url=keycloak.base_url, username=keycloak.admin_username, password=keycloak.admin_password,
        realm_name=realm, user_realm_name="master", client_id="admin-cli"))


def _acr_realm(tmp_path_factory, keycloak, mock_psc, minimum: str | None):
    files = copy_region(tmp_path_factory.mktemp("acr"), unique_realm(f"acr-{minimum or 'default'}"), keycloak,
                        mock_psc)
    set_policy(files, "create")
    if minimum:
        secret = "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n"
        files.edit(secret, secret + f"  minimumAcr: {minimum}\n")
    apply(files)
    return AcrRealm(files, _oracle(keycloak, files.realm), minimum or "eidas1")


def _drop(keycloak, realm: AcrRealm) -> None:
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [realm.realm])


@pytest.fixture(scope="module")
def default_realm(tmp_path_factory, keycloak, mock_psc):
    require_psc_extension(keycloak, lambda realm: _oracle(keycloak, realm))
    realm = _acr_realm(tmp_path_factory, keycloak, mock_psc, None)
    yield realm
    _drop(keycloak, realm)


@pytest.fixture(scope="module")
def eidas2_realm(tmp_path_factory, keycloak, mock_psc):
    require_psc_extension(keycloak, lambda realm: _oracle(keycloak, realm))
    realm = _acr_realm(tmp_path_factory, keycloak, mock_psc, "eidas2")
    yield realm
    _drop(keycloak, realm)


def _login(keycloak, realm: AcrRealm, mock_psc, phone, national_id: str, **how):
    return psc_login(keycloak, realm.realm, mock_psc, phone, national_id, acr=realm.minimum, **how)


def _assert_signed_in(outcome, realm: AcrRealm, person, auth_mode: str) -> None:
    assert outcome.signed_in, outcome.page_text[:1500]
    assert outcome.id_claims["idnat"] == person.national_id
    for where, claims in (("ID token", outcome.id_claims), ("access token", outcome.access_claims),
                          ("userinfo", outcome.userinfo)):
        assert claims["auth_mode"] == auth_mode, f"{where}: {claims.get('auth_mode')!r}"
    assert len(realm.view.linked_to(person.national_id)) == 1, "the create policy made the account"


def _assert_refused_with_event(realm: AcrRealm, outcome, person, before_users, before_events, before_sessions,
                               reason: str, acr_shown: str) -> None:
    assert_refused(outcome, *LEVEL_TOO_LOW)
    assert realm.view.user_ids() == before_users, "a refused login creates nothing"
    assert realm.view.linked_to(person.national_id) == []
    assert realm.oracle.get_users({"username": person.username, "exact": True}) == []
    assert realm.smurtab_sessions() == before_sessions, "no Keycloak session"
    new = [e for e in realm.error_events() if e["id"] not in before_events]
    assert len(new) == 1, f"exactly one error event, got {[(e['type'], e.get('error')) for e in new]}"
    event = new[0]
    assert (event["type"], event["error"]) == (REFUSED, "psc_acr_insufficient"), event
    details = event["details"]
    assert details["reason"] == reason, details
    assert details["acr"] == acr_shown and details["minimum_acr"] == realm.minimum, details
    assert details["identity_provider"] == "psc", details
    assert details["identity_provider_identity"] == person.national_id, details
    assert event.get("clientId") == "smurtab", event


def _psc_answered(mock_psc, person) -> tuple[str, str]:
    """(authMode, acr) of the person's last PSC authentication, as the mock logged it."""
    opened = [e for e in mock_psc.log_entries(event="session.opened") if e.get("national_id") == person.national_id]
    assert opened, f"PSC authenticated nobody as {person.national_id}"
    return opened[-1]["auth_mode"], opened[-1]["acr"]


def _state(realm: AcrRealm):
    return realm.view.user_ids(), {e["id"] for e in realm.error_events()}, realm.smurtab_sessions()


# ---------------------------------------------------------------- minimum eidas1 (national default)

def test_the_broker_asks_for_the_minimum_and_keycloaks_claim_filter_is_off(default_realm, eidas2_realm):
    for realm, level in ((default_realm, "eidas1"), (eidas2_realm, "eidas2")):
        config = realm.oracle.get_idp("psc")["config"]
        assert config["authorizationUrl"].endswith(f"?acr_values={level}")
        assert config["smurIam.minimumAcr"] == level and config["filteredByClaim"] == "false"


def test_ecps_login_at_eidas1_signs_in(default_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "ELODIE", "ECPS", cps=PIN)
    outcome = _login(keycloak, default_realm, mock_psc, mock_psc_phone, person.national_id)
    _assert_signed_in(outcome, default_realm, person, "MOBILE")
    assert _psc_answered(mock_psc, person) == ("MOBILE", "eidas1")


def test_cps_card_login_at_eidas2_signs_in_with_auth_mode_card(default_realm, keycloak, mock_psc, mock_psc_phone):
    """The real 2026 card login: PSC answers eidas2 with authMode CARD (refused before issue 12)."""
    person = new_professional(mock_psc, "CAROLE", "CARTE", cps=PIN)
    outcome = _login(keycloak, default_realm, mock_psc, mock_psc_phone, person.national_id, card=True)
    _assert_signed_in(outcome, default_realm, person, "CARD")
    assert _psc_answered(mock_psc, person) == ("CARD", "eidas2")


def test_ecps_login_that_psc_rates_eidas2_signs_in(default_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "EMILE", "ECPSDEUX", cps=PIN)
    mock_psc.set_next_login_acr(person.national_id, "eidas2")
    outcome = _login(keycloak, default_realm, mock_psc, mock_psc_phone, person.national_id)
    _assert_signed_in(outcome, default_realm, person, "MOBILE")
    assert _psc_answered(mock_psc, person) == ("MOBILE", "eidas2")


def test_eidas3_signs_in(default_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "TROY", "TROIS", cps=PIN)
    mock_psc.set_next_login_acr(person.national_id, "eidas3")
    outcome = _login(keycloak, default_realm, mock_psc, mock_psc_phone, person.national_id)
    _assert_signed_in(outcome, default_realm, person, "MOBILE")
    assert _psc_answered(mock_psc, person) == ("MOBILE", "eidas3")


@pytest.mark.parametrize("case", list(BAD_ACR))
def test_an_acr_that_is_not_a_level_is_refused_before_anything_is_created(case, default_realm, keycloak, mock_psc,
                                                                           mock_psc_phone):
    value, reason, shown = BAD_ACR[case]
    person = new_professional(mock_psc, "BRUNO", f"ACR{case.upper()}", cps=PIN)
    before = _state(default_realm)
    mock_psc.inject_fault("acr", value, client_id=default_realm.files.psc_client_id)
    outcome = _login(keycloak, default_realm, mock_psc, mock_psc_phone, person.national_id)
    _assert_refused_with_event(default_realm, outcome, person, *before, reason=reason, acr_shown=shown)


# ---------------------------------------------------------------- a region that states eidas2

def test_eidas2_region_asks_psc_for_eidas2(eidas2_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "ALAIN", "DEMANDE", cps=PIN)
    seen = len(mock_psc.log_entries(event="authorize.accepted"))
    outcome = _login(keycloak, eidas2_realm, mock_psc, mock_psc_phone, person.national_id, card=True)
    assert outcome.signed_in, outcome.page_text[:1500]
    asked = mock_psc.log_entries(event="authorize.accepted")[seen:]
    assert [e.get("acr_values") for e in asked] == ["eidas2"], asked


def test_eidas2_region_refuses_an_ecps_login_at_eidas1(eidas2_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "ERIC", "UNSEUL", cps=PIN)
    before = _state(eidas2_realm)
    outcome = _login(keycloak, eidas2_realm, mock_psc, mock_psc_phone, person.national_id)
    assert _psc_answered(mock_psc, person) == ("MOBILE", "eidas1")
    _assert_refused_with_event(eidas2_realm, outcome, person, *before, reason="acr_insufficient", acr_shown="eidas1")
    assert "carte CPS" in outcome.page_text and "eidas2" in outcome.page_text, outcome.page_text[:1500]


def test_eidas2_region_accepts_a_card_login(eidas2_realm, keycloak, mock_psc, mock_psc_phone):
    person = new_professional(mock_psc, "CLAIRE", "CARTEDEUX", cps=PIN)
    outcome = _login(keycloak, eidas2_realm, mock_psc, mock_psc_phone, person.national_id, card=True)
    _assert_signed_in(outcome, eidas2_realm, person, "CARD")
    assert _psc_answered(mock_psc, person) == ("CARD", "eidas2")
