"""PSC rotates its signing key while professionals are signed in, and PSC's
tokens expire before Keycloak uses them (real Keycloak, a private mock PSC so
the shared one keeps its keys and lifetimes).

What a relying party must survive, and what Keycloak's broker does: tokens of
the new ``kid`` are verified after Keycloak refetches PSC's JWKS (it refetches on
an unknown kid, at most once every 10 s by default), and a session opened before
the rotation still logs out at PSC, because PSC keeps the old key published for
a grace period (the logout's ``id_token_hint`` is signed with it).
"""
from __future__ import annotations

import time

import pytest

from fixtures.realms import copy_region, run_cli, unique_realm
from fixtures.tablet import exchange_code, follow_to_app, start_login
from mockpsc.server import MockPSC
from mockpsc.testing import Phone, wallet_login

LINKED = "899700218896"
KEYCLOAK_JWKS_MIN_INTERVAL = 10  # seconds; Keycloak's public-key-storage minTimeBetweenRequests default


@pytest.fixture
def private_psc():
    with MockPSC() as psc:
        yield psc


@pytest.fixture
def realm_on_private_psc(request, tmp_path, keycloak, private_psc):
    files = copy_region(tmp_path, unique_realm(request.node.name), keycloak, private_psc)
    result = run_cli("apply", str(files.directory), env=files.env)
    assert result.returncode == 0, f"apply failed:\n{result.stdout}\n{result.stderr}"
    return files


def _login(keycloak, realm, psc):
    login = start_login(keycloak, realm, psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=Phone(psc))
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict) and "code" in result, f"login refused: {getattr(result, 'text', result)[:500]}"
    return login, exchange_code(keycloak, realm, login, result["code"])


def _jwks_fetches(psc) -> list[dict]:
    return [e for e in psc.log_entries() if e["kind"] == "http" and e["path"].endswith("/certs")]


def test_key_rotation_mid_session(realm_on_private_psc, keycloak, private_psc, oracle):
    realm, psc = realm_on_private_psc.realm, private_psc
    first_login, first_tokens = _login(keycloak, realm, psc)
    old_kid = psc.state.keys.active.kid
    assert _jwks_fetches(psc), "Keycloak verified the first ID token against the JWKS"

    rotation = psc.rotate_keys()  # default grace: the old key stays published
    assert rotation["old_kid"] == old_kid and old_kid in psc.state.keys.published_kids()
    # Let Keycloak's JWKS cache accept a refetch, as it would in real life between two logins.
    wait = _jwks_fetches(psc)[-1]["time"] + KEYCLOAK_JWKS_MIN_INTERVAL + 1 - psc.clock.now()
    time.sleep(max(wait, 0))
    fetches_before = len(_jwks_fetches(psc))

    _login(keycloak, realm, psc)  # signed with the new kid: Keycloak must refetch the JWKS
    issued = psc.log_entries(event="tokens.issued")[-1]
    assert issued["kid"] == rotation["new_kid"]
    assert len(_jwks_fetches(psc)) > fetches_before, "Keycloak refetched PSC's keys for the unknown kid"
    [user] = oracle(realm).get_users({"idpAlias": "psc", "idpUserId": LINKED})
    assert len(oracle(realm).get_sessions(user["id"])) == 2

    # The session opened before the rotation logs out at PSC with an ID token of the old key.
    to_psc = first_login.session.get(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/logout", params={
        "id_token_hint": first_tokens["id_token"], "client_id": "smurtab"}, allow_redirects=False, timeout=30)
    assert to_psc.status_code == 302 and to_psc.headers["Location"].startswith(psc.endpoint("logout"))
    back = first_login.session.get(to_psc.headers["Location"], allow_redirects=False, timeout=30)
    assert back.status_code == 302, "PSC accepted the old-key id_token_hint during the grace period"
    ended = first_login.session.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert ended.status_code in (200, 302), ended.text[:500]
    assert len(oracle(realm).get_sessions(user["id"])) == 1, "only the session opened after the rotation is left"


@pytest.mark.parametrize("setting", ["code_lifetime", "access_token_lifetime"])
def test_tokens_expired_before_keycloak_uses_them_refuse_the_login(realm_on_private_psc, keycloak, private_psc,
                                                                   oracle, setting):
    """A code redeemed too late (invalid_grant) or an access token already expired at the
    userinfo call (401): Keycloak refuses the login and creates nothing. (An ID token that
    is already expired is the ``id_token_expired`` fault of test_psc_broker_faults.py.)"""
    realm, psc = realm_on_private_psc.realm, private_psc
    psc.settings.update({setting: 0})
    before = sorted(u["id"] for u in oracle(realm).get_users({}))
    login = start_login(keycloak, realm, psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=Phone(psc))
    result = follow_to_app(login.session, back)
    assert not isinstance(result, dict), f"Keycloak accepted expired PSC tokens ({setting}=0): {result}"
    refused = psc.log_entries(event="token.refused") if setting == "code_lifetime" else [
        e for e in psc.log_entries() if e["kind"] == "http" and e["path"].endswith("/userinfo")]
    assert refused and (setting != "access_token_lifetime" or refused[-1]["status"] == 401)
    assert sorted(u["id"] for u in oracle(realm).get_users({})) == before
    [user] = oracle(realm).get_users({"idpAlias": "psc", "idpUserId": LINKED})
    assert oracle(realm).get_sessions(user["id"]) == []
