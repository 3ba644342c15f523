"""End to end: the tablet app signs in at Keycloak, Keycloak brokers the mock PSC.

The test plays the SMUR tablet app (plain OIDC code + PKCE against Keycloak,
`kc_idp_hint=psc`) and the professional (national id on the PSC page, push
approved on the e-CPS phone with PIN and number). Keycloak is the real server,
provisioned by `smur-iam apply` from the shipped `realm/` files.
"""
from __future__ import annotations

import html
from urllib.parse import urljoin

import pytest

from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import read_error, read_form, read_match_number, wallet_login

LINKED = "899700218896"  # pre-linked in realm/smur-grand-est.yaml
UNLINKED = "899700366240"  # a real PSC identity at the mock, never linked in Keycloak
PIN = "1234"


def users_of(oracle, realm):
    return oracle(realm).get_users({})


def test_prelinked_professional_signs_in_through_psc(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    realm = provisioned.realm
    before = users_of(oracle, realm)
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict), f"no redirect to the app: {result.status_code} {result.text[:500]}"
    assert result["state"] == login.state and "code" in result

    tokens = exchange_code(keycloak, realm, login, result["code"])
    claims = verified_claims(keycloak, realm, tokens["id_token"])
    assert claims["iss"] == f"{keycloak.base_url}/realms/{realm}"
    assert claims["aud"] == "smurtab" and claims["nonce"] == login.nonce
    assert claims["rpps"] == "99700218896" and claims["idnat"] == LINKED
    assert (claims["given_name"], claims["family_name"]) == ("CAMILLE", "DURAND")  # PSC's, not the region file's
    access = verified_claims(keycloak, realm, tokens["access_token"])
    assert access["rpps"] == "99700218896"

    after = users_of(oracle, realm)
    assert [u["id"] for u in after] == [u["id"] for u in before], "no second user may be created"
    assert claims["sub"] == before[0]["id"], "the pre-provisioned account is the one signed in"
    sessions = oracle(realm).get_sessions(before[0]["id"])
    assert len(sessions) == 1


def test_unlinked_psc_identity_is_refused_and_nothing_is_created(provisioned, keycloak, mock_psc,
                                                                 mock_psc_phone, oracle):
    realm = provisioned.realm
    before = users_of(oracle, realm)
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, UNLINKED, phone=mock_psc_phone, pin=PIN)
    page = follow_to_app(login.session, back)
    assert not isinstance(page, dict), f"an unlinked identity reached the app: {page}"
    assert 'id="kc-error-message"' in page.text
    assert "n'est pas enregistré pour ce SMUR" in html.unescape(page.text), page.text[:1000]
    after = users_of(oracle, realm)
    assert [u["id"] for u in after] == [u["id"] for u in before]
    assert oracle(realm).get_users({"username": UNLINKED, "exact": True}) == []


def test_a_login_psc_rates_eidas2_is_accepted(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    """acr is a minimum: eidas2 (a CPS card, or an e-CPS login PSC rates higher) is above eidas1."""
    realm = provisioned.realm
    before = users_of(oracle, realm)
    mock_psc.set_next_login_acr(LINKED, "eidas2")
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict) and "code" in result, f"an eidas2 login was refused: {result}"
    opened = [e for e in mock_psc.log_entries(event="session.opened") if e.get("national_id") == LINKED]
    assert opened[-1]["acr"] == "eidas2", opened[-1:]
    claims = verified_claims(keycloak, realm, exchange_code(keycloak, realm, login, result["code"])["id_token"])
    assert claims["sub"] == before[0]["id"] and claims["idnat"] == LINKED
    assert [u["id"] for u in users_of(oracle, realm)] == [u["id"] for u in before]


def test_wrong_pin_gets_no_code(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    realm = provisioned.realm
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin="0000")
    assert "error=access_denied" in back.headers["Location"]
    result = follow_to_app(login.session, back)
    assert not (isinstance(result, dict) and "code" in result), result
    mock_psc.unlock_ecps(LINKED)  # one wrong PIN counts towards the lock; keep the shared mock clean


def test_bare_rpps_is_refused_at_psc_with_the_8_guidance(provisioned, keycloak, mock_psc):
    login = start_login(keycloak, provisioned.realm, mock_psc.wallet_origin)
    action, fields = read_form(login.page.text)
    fields["national_id"] = LINKED[1:]
    page = login.session.post(urljoin(login.page.url, action), data=fields, timeout=10)
    error = read_error(page.text)
    assert error and "8" in error["message"] and LINKED in error["message"], error
    with pytest.raises(AssertionError):
        read_match_number(page.text)  # no push was started


@pytest.mark.parametrize("fault,value", [
    ("id_token_bad_signature", None),
    ("acr", "eidas0"),
    ("acr", None),
], ids=["wrongly-signed-id-token", "acr-eidas0", "acr-missing"])
def test_broker_rejects_untrustworthy_id_tokens(provisioned, keycloak, mock_psc, mock_psc_phone, oracle, fault, value):
    realm = provisioned.realm
    before = users_of(oracle, realm)
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    if fault == "acr":
        mock_psc.inject_fault("acr", value, client_id=provisioned.psc_client_id)
    else:
        mock_psc.inject_fault(fault, client_id=provisioned.psc_client_id)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert not isinstance(result, dict), f"Keycloak accepted a bad ID token ({fault}={value}): {result}"
    assert result.status_code >= 400 or "error" in result.text.lower()
    assert [u["id"] for u in users_of(oracle, realm)] == [u["id"] for u in before]
    assert oracle(realm).get_sessions(before[0]["id"]) == [], "no Keycloak session may exist for the user"
