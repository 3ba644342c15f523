"""Keycloak's PSC broker and PSC's userinfo: signed (application/jwt) as well as
JSON, and every observed shape drift of the claims."""
from __future__ import annotations

import pytest

from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import wallet_login

LINKED = "899700218896"


def _login(provisioned, keycloak, mock_psc, mock_psc_phone):
    login = start_login(keycloak, provisioned.realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=mock_psc_phone)
    return login, follow_to_app(login.session, back)


def test_signed_userinfo_is_accepted(provisioned, keycloak, mock_psc, mock_psc_phone):
    mock_psc.update_client(provisioned.psc_client_id, userinfo_format="jwt")
    since = mock_psc.log_entries()[-1]["seq"]
    login, result = _login(provisioned, keycloak, mock_psc, mock_psc_phone)
    assert isinstance(result, dict) and "code" in result, getattr(result, "text", result)[:500]
    [served] = [e for e in mock_psc.log_entries(since, event="userinfo.served")
                if e["client_id"] == provisioned.psc_client_id]
    assert served["format"] == "jwt", "Keycloak read PSC's userinfo as a signed JWT"
    claims = verified_claims(keycloak, provisioned.realm,
                             exchange_code(keycloak, provisioned.realm, login, result["code"])["id_token"])
    assert claims["idnat"] == LINKED and claims["rpps"] == LINKED[1:]


def test_userinfo_signed_by_an_unknown_key_is_refused(provisioned, keycloak, mock_psc, mock_psc_phone, oracle):
    realm = provisioned.realm
    mock_psc.update_client(provisioned.psc_client_id, userinfo_format="jwt")
    mock_psc.inject_fault("userinfo_bad_signature", client_id=provisioned.psc_client_id)
    before = sorted(u["id"] for u in oracle(realm).get_users({}))
    _, result = _login(provisioned, keycloak, mock_psc, mock_psc_phone)
    assert not isinstance(result, dict), f"Keycloak accepted a wrongly signed userinfo: {result}"
    assert sorted(u["id"] for u in oracle(realm).get_users({})) == before
    [user] = oracle(realm).get_users({"idpAlias": "psc", "idpUserId": LINKED})
    assert oracle(realm).get_sessions(user["id"]) == []


@pytest.mark.parametrize("variant", ["all-drift", "no-authMode", "civilite-both"])
def test_every_observed_claims_shape_logs_in(provisioned, keycloak, mock_psc, mock_psc_phone, variant):
    """A robust broker tolerates otherIds/otherIDs, codeCivilite anywhere, authMode or not."""
    mock_psc.update_client(provisioned.psc_client_id, claims_variant=variant,
                           userinfo_format="jwt" if variant == "all-drift" else "json")
    login, result = _login(provisioned, keycloak, mock_psc, mock_psc_phone)
    assert isinstance(result, dict) and "code" in result, getattr(result, "text", result)[:500]
    claims = verified_claims(keycloak, provisioned.realm,
                             exchange_code(keycloak, provisioned.realm, login, result["code"])["id_token"])
    assert claims["idnat"] == LINKED
