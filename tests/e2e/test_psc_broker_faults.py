"""Keycloak's PSC broker against a misbehaving PSC: every fault switch of the mock
makes the real Keycloak refuse the login, and nothing is created.

Each test provisions its own realm (`provisioned`), arms one fault for that
realm's PSC client only, and plays the tablet app and the professional as
tests/e2e/test_psc_login.py does. "Nothing created": the realm's users are the
same before and after, the pre-linked user has no Keycloak session, and the
tablet app never receives a code.
"""
from __future__ import annotations

import pytest

from fixtures.tablet import follow_to_app, start_login
from mockpsc.testing import wallet_login

LINKED = "899700218896"  # pre-linked in realm/smur-grand-est.yaml
PIN = "1234"

# fault name, value (None = the fault's default), what the mock log must show Keycloak got
FAULTS = [
    ("id_token_unknown_kid", None),
    ("wrong_issuer", None),
    ("wrong_audience", None),
    ("id_token_expired", None),
    ("nonce", "not-the-nonce-keycloak-sent"),
    ("missing_subject_name_id", None),
    ("userinfo_sub_mismatch", None),
    ("token_server_error", None),
    ("userinfo_server_error", None),
]


def _users(oracle, realm):
    return sorted(u["id"] for u in oracle(realm).get_users({}))


def _login_through_faulty_psc(provisioned, keycloak, mock_psc, mock_psc_phone, oracle, fault, value):
    realm = provisioned.realm
    before = _users(oracle, realm)
    [linked_user] = oracle(realm).get_users({"idpAlias": "psc", "idpUserId": LINKED})
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    since = mock_psc.log_entries()[-1]["seq"]
    if value is None:
        mock_psc.inject_fault(fault, client_id=provisioned.psc_client_id)
    else:
        mock_psc.inject_fault(fault, value, client_id=provisioned.psc_client_id)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin=PIN)
    result = follow_to_app(login.session, back)
    applied = [e for e in mock_psc.log_entries(since, event="fault.applied") if fault in e["faults"]]
    assert applied, f"the mock never applied {fault}: Keycloak did not reach the faulty step"
    assert not isinstance(result, dict), f"Keycloak accepted a login from a PSC with {fault}: {result}"
    assert result.status_code >= 400 or 'id="kc-error-message"' in result.text, result.text[:500]
    assert _users(oracle, realm) == before, "the failed login must create no user"
    assert oracle(realm).get_sessions(linked_user["id"]) == [], "no Keycloak session may exist for the user"
    return result


@pytest.mark.parametrize("fault,value", FAULTS, ids=[f for f, _ in FAULTS])
def test_broker_refuses_a_login_when_psc_misbehaves(provisioned, keycloak, mock_psc, mock_psc_phone, oracle,
                                                    fault, value):
    _login_through_faulty_psc(provisioned, keycloak, mock_psc, mock_psc_phone, oracle, fault, value)


def test_broker_gives_up_on_a_token_endpoint_slower_than_its_socket_timeout(provisioned, keycloak, mock_psc,
                                                                            mock_psc_phone, oracle):
    # The runtime sets Keycloak's outgoing read timeout to 10 s (socket-timeout-millis, runtime/keycloak.py).
    result = _login_through_faulty_psc(provisioned, keycloak, mock_psc, mock_psc_phone, oracle, "token_slow", 12)
    assert result.status_code == 502, "the smur page, never Keycloak's 500"


def test_a_slow_but_timely_psc_still_logs_in(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    """Control for the test above: 6.5 s of delay is within the runtime's 10 s (Keycloak's own default, 5 s,
    would have given up: this is what shows the runtime's option is the one Keycloak reads)."""
    realm = provisioned.realm
    mock_psc.inject_fault("token_slow", 6.5, client_id=provisioned.psc_client_id)
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict) and "code" in result, result
