"""`smur-iam report` against the real Keycloak and the mock PSC: one realm, two professionals signing in three
times and one refusal of each kind a professional can meet, each triggered by its cause as
test_sign_in_pages.py does; the report counts exactly that, from the events the realm stored. Also: the
refusal at PSC (wrong PIN) is an event (the extension stores it; Keycloak would not), Keycloak's /metrics on the
management port counts the realm's logins, the report needs only view-events, and a bad --since is refused.
"""
from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from firstlogin.psc_logins import PIN, national_id_claims, new_professional, psc_login
from fixtures.realms import copy_region, drop_realms, run_cli, unique_realm
from fixtures.tablet import follow_to_app, start_login
from mockpsc.testing import Phone, wallet_login
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
from provisioning.login_report import RealmReport, build_report

LUHN_FAILING = "810003111463"  # 8 + an RPPS whose check digit is wrong
EXPECTED_REFUSALS = {"not_registered": 1, "level_too_low": 1, "rpps_invalid": 1, "refused_at_psc": 1,
                     "psc_unreachable": 1, "account_disabled": 1, "other": 0}


class Scenario:
    def __init__(self, files, linked, other_linked):
        self.files, self.linked, self.other_linked = files, linked, other_linked

    @property
    def realm(self) -> str:
        return self.files.realm

    def report(self, *args: str, env: dict | None = None):
        return run_cli("report", str(self.files.directory), "--realm", self.realm, *args,
                       env=env or self.files.env)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, keycloak, mock_psc) -> Scenario:
    files = copy_region(tmp_path_factory.mktemp("report"), unique_realm("login-report"), keycloak, mock_psc)
    claire, marc = new_professional(mock_psc, "CLAIRE", "MOREAU"), new_professional(mock_psc, "MARC", "FAURE")
    disabled = new_professional(mock_psc, "PAUL", "BLANC")
    files.edit("\nusers:\n", "\nusers:\n" + "".join(
        f'  - nationalId: "{p.national_id}"\n    firstName: {p.given_name.title()}\n    lastName: {p.family_name.title()}\n'
        for p in (claire, marc)) + f'  - nationalId: "{disabled.national_id}"\n    firstName: Paul\n'
        "    lastName: Blanc\n    enabled: false\n")
    applied = run_cli("apply", str(files.directory), "--yes", env=files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    phone, realm = Phone(mock_psc), files.realm

    # Three PSC logins by two professionals.
    for someone in (claire, marc, claire):
        assert psc_login(keycloak, realm, mock_psc, phone, someone.national_id).signed_in
    # One refusal of each kind, each by its cause.
    stranger = new_professional(mock_psc, "ANNE", "LEGRAND")
    refusals = {
        "not registered": psc_login(keycloak, realm, mock_psc, phone, stranger.national_id),
        "level too low": psc_login(keycloak, realm, mock_psc, phone, claire.national_id, claims={"acr": "eidas0"},
                                   psc_client_id=files.psc_client_id),
        "RPPS invalid": psc_login(keycloak, realm, mock_psc, phone, stranger.national_id,
                                  claims=national_id_claims(LUHN_FAILING), psc_client_id=files.psc_client_id),
        "account disabled": psc_login(keycloak, realm, mock_psc, phone, disabled.national_id),
    }
    login = start_login(keycloak, realm, mock_psc.wallet_origin)  # refused at PSC: a wrong PIN
    refused_at_psc = follow_to_app(login.session, wallet_login(login.session, login.page, marc.national_id,
                                                                phone=phone, pin="0000"))
    assert 'data-smur-page="psc-refused"' in refused_at_psc.text
    mock_psc.inject_fault("token_server_error", client_id=files.psc_client_id)
    refusals["PSC unreachable"] = psc_login(keycloak, realm, mock_psc, phone, claire.national_id)
    for cause, outcome in refusals.items():
        assert not outcome.signed_in, cause
    yield Scenario(files, claire, marc)
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [realm])


def test_the_json_report_counts_each_login_and_each_refusal_once(scenario):
    result = scenario.report("--json", "--since", "1h")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "smur-iam-login-report/1" and report["since"] == "1h"
    assert report["categories"] == list(EXPECTED_REFUSALS)
    [realm] = report["realms"]
    assert realm == {"realm": scenario.realm, "broker": "psc", "psc_logins": 3, "professionals": 2, "refused": 6,
                     "refusals": EXPECTED_REFUSALS, "other_errors": {}}, realm
    assert report["totals"] == {"realms": 1, "psc_logins": 3, "professionals": 2, "refused": 6,
                                "refusals": EXPECTED_REFUSALS, "other_errors": {}}
    assert report["missing_realms"] == []


def test_a_refusal_at_psc_is_stored_as_an_event_with_its_reason(scenario, oracle):
    """Keycloak stores nothing when PSC answers access_denied; the extension stores one event (CallbackPages)."""
    events = oracle(scenario.realm).get_events({"type": "IDENTITY_PROVIDER_LOGIN_ERROR", "max": 100})
    refused = [e for e in events if e.get("error") == "psc_refused"]
    assert [(e["details"]["reason"], e["details"]["identity_provider"], e["clientId"]) for e in refused] == [
        ("psc_access_denied", "psc", "smurtab")], refused
    assert refused[0]["details"].get("psc_error_description"), "PSC's own words are kept"


def test_the_text_report_has_one_line_per_realm_and_the_totals(scenario):
    result = scenario.report("--since", "30m")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "(--since 30m)" in lines[0]
    assert lines[1].split()[:4] == ["realm", "PSC", "logins", "professionals"], lines[1]
    expected = ["3", "2", "6", "1", "1", "1", "1", "1", "1", "0"]
    assert lines[2].split() == [scenario.realm, *expected], lines
    assert lines[3].split() == ["total", *expected], lines
    assert len(lines) == 4, lines


def test_the_window_is_applied_by_keycloak(scenario, keycloak):
    """Read through the same code with the window's end moved: two hours ago, 30 minutes long, sees nothing;
    the last 7 days see what the last hour saw."""
    api = KeycloakAdmin(keycloak.base_url, PasswordCredentials(keycloak.admin_username, keycloak.admin_password))
    before = build_report(api, scenario.files.directory, [scenario.realm], "30m",
                          now=datetime.now(UTC) - timedelta(hours=2)).realms[0]
    assert (before.psc_logins, before.refused) == (0, 0)
    week = build_report(api, scenario.files.directory, [scenario.realm], "7d").realms[0]
    assert (week.psc_logins, len(week.professionals), week.refused) == (3, 2, 6)


@pytest.mark.parametrize("since", ["2w", "0h", "24", "1.5h", "-1d"])
def test_a_bad_since_is_a_clear_error_before_any_request(since, scenario):
    env = {**scenario.files.env, "SMUR_IAM_KEYCLOAK_URL": "http://127.0.0.1:9"}  # nothing listens there
    result = scenario.report("--since", since, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Invalid value for '--since': '{since}' is not a duration such as 30m, 24h or 7d" in result.stderr


def test_the_report_needs_only_view_events_and_names_the_realm_without_it(scenario, keycloak, oracle):
    master = oracle("master")
    username, password = f"report-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    user_id = master.create_user({"username": username, "enabled": True, "firstName": "Report", "lastName": "Reader",
                                  "email": f"{username}@example.org", "emailVerified": True,
                                  "credentials": [{"type": "password", "value": password, "temporary": False}]})
    env = {**scenario.files.env, "SMUR_IAM_ADMIN_USER": username, "SMUR_IAM_ADMIN_PASSWORD": password}
    try:
        forbidden = scenario.report("--since", "1h", env=env)
        assert forbidden.returncode == 3, forbidden.stdout + forbidden.stderr
        assert (f"realm '{scenario.realm}': not allowed to read its events (HTTP 403): the admin credentials need "
                "the role view-events of that realm") in forbidden.stderr

        realm_client = master.get_client_id(f"{scenario.realm}-realm")  # the realm's admin roles, in master
        master.assign_client_role(user_id, realm_client, [master.get_client_role(realm_client, "view-events")])
        allowed = scenario.report("--json", "--since", "1h", env=env)
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
        assert json.loads(allowed.stdout)["realms"][0]["refused"] == 6
    finally:
        master.delete_user(user_id)


def test_an_unknown_realm_is_named(scenario):
    result = run_cli("report", str(scenario.files.directory), "--realm", "no-such-realm", env=scenario.files.env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "realm 'no-such-realm' does not exist on http://127.0.0.1:" in result.stderr


def test_every_region_of_the_directory_by_default_and_a_region_not_applied_yet_is_skipped(scenario, tmp_path):
    directory = tmp_path / "realm"
    shutil.copytree(scenario.files.directory, directory)
    absent = unique_realm("not-applied")
    (directory / "smur-absent.yaml").write_text(f"realm: {absent}\n", encoding="utf-8")
    result = run_cli("report", str(directory), "--json", "--since", "1h", env=scenario.files.env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [r["realm"] for r in report["realms"]] == [scenario.realm] and report["missing_realms"] == [absent]
    assert f"warning: realm '{absent}' (region file in {directory}) does not exist on http://127.0.0.1:" in result.stderr


def test_keycloak_metrics_count_the_realms_logins_on_the_management_port(scenario, keycloak):
    if not getattr(keycloak, "management_url", None):
        pytest.skip("a borrowed Keycloak (SMUR_IAM_KEYCLOAK_URL): its management port is not known here")
    metrics = requests.get(f"{keycloak.management_url}/metrics", timeout=30)
    assert metrics.status_code == 200, metrics.text[:500]
    counted = {}
    for line in metrics.text.splitlines():
        if line.startswith("keycloak_user_events_total{") and f'realm="{scenario.realm}"' in line:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            counted[(labels.get("event"), labels.get("error"))] = float(line.rsplit(" ", 1)[1])
    assert counted.get(("login", "")) == 3.0, counted
    assert counted.get(("identity_provider_login", "psc_refused")) == 1.0, counted


def _first_login_refusal(time_ms: int, event_id: str) -> dict:
    """The event Keycloak 26.7.3's deny-access step stores (twice per refusal, as the scenario's realm shows)."""
    return {"id": event_id, "time": time_ms, "type": "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR", "error": "access_denied",
            "clientId": "smurtab", "details": {"identity_provider": "psc", "code_id": "c1",
                                               "identity_provider_identity": "899000000036"}}


def test_a_refusal_stored_twice_counts_once_but_a_retry_counts_again():
    item = RealmReport("r", "psc")
    item.count([_first_login_refusal(1_000, "a"), _first_login_refusal(1_004, "b"),  # one refusal, two events
                _first_login_refusal(31_000, "c")])  # the same person again, through PSC, 30 s later
    assert dict(item.refusals) == {"not_registered": 2}


def test_an_error_the_table_does_not_know_is_other_with_its_raw_error():
    item = RealmReport("r", "psc")
    item.count([{"id": "x", "time": 1, "type": "LOGIN_ERROR", "error": "expired_code", "details": {}},
                {"id": "y", "time": 2, "type": "IDENTITY_PROVIDER_LOGIN_ERROR", "error": "identity_provider_login_failure",
                 "details": {"reason": "psc_response_unusable"}},
                {"id": "z", "time": 3, "type": "CODE_TO_TOKEN_ERROR", "error": "invalid_code", "details": {}}])
    assert dict(item.refusals) == {"other": 2}, "token errors are the app's, not a sign-in refusal"
    assert dict(item.other_errors) == {"LOGIN_ERROR: expired_code": 1,
                                       "IDENTITY_PROVIDER_LOGIN_ERROR: identity_provider_login_failure "
                                       "(psc_response_unusable)": 1}
