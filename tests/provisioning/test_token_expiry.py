"""A long apply outlives its access token: smur-iam renews it (before expiry, or once on a 401)."""
from __future__ import annotations

import time

import pytest

from fixtures.realms import plan_and_apply
from provisioning.apply import apply_plan
from provisioning.keycloak_api import ClientCredentials, KeycloakAdmin
from provisioning.plan import build_plan
from provisioning.psc_discovery import fetch_discovery

LIFESPAN = 3  # seconds: Keycloak's tokens for this service account expire fast


@pytest.fixture
def short_lived_api(region_files, keycloak, oracle):
    """A provisioning service account (create-realm only) whose tokens live LIFESPAN seconds."""
    master = oracle("master")
    client_id = f"short-{region_files.realm}"
    master.create_client({"clientId": client_id, "publicClient": False, "serviceAccountsEnabled": True,
                          "standardFlowEnabled": False, "secret": "short-secret",
                          "attributes": {"access.token.lifespan": str(LIFESPAN)}})
    internal = master.get_client_id(client_id)
    account = master.get_client_service_account_user(internal)
    master.assign_realm_roles(account["id"], [master.get_realm_role("create-realm")])
    yield KeycloakAdmin(keycloak.base_url, ClientCredentials(client_id, "short-secret"))
    master.delete_client(internal)


def test_apply_spanning_several_token_lifetimes_succeeds(region_files, short_lived_api):
    api = short_lived_api
    config = region_files.load()
    plan = build_plan(api, config, fetch_discovery(config.deployment.psc.selected))
    started = time.monotonic()

    def slow(done, total, realm, change):
        if done in (2, 12, 22):
            time.sleep(LIFESPAN + 0.5)  # each pause alone outlives a token

    applied = apply_plan(plan, slow)
    assert applied == len(plan.realms[0].pending) and time.monotonic() - started > 3 * LIFESPAN
    seconds = time.monotonic() - started
    # A new token for each lifetime the run spanned, and no more (not one per request).
    assert 4 <= api.token_requests <= seconds / (LIFESPAN * 2 / 3) + 2, (api.token_requests, seconds)
    assert api.requests.get("POST", 0) > 20
    plan, applied = plan_and_apply(region_files, api)
    assert plan.in_sync and applied == 0


def test_token_refused_mid_run_is_renewed_once(region_files, admin_api):
    """A token Keycloak refuses before its expiry (revoked, clock skew): one 401, a new token, the run goes on."""
    api = admin_api
    config = region_files.load()
    plan = build_plan(api, config, fetch_discovery(config.deployment.psc.selected))
    before = api.token_requests

    def revoke(done, total, realm, change):
        if done == 5:
            api._token = "revoked." + api._token  # what the server sees as an invalid token

    apply_plan(plan, revoke)
    assert api.token_requests == before + 1
    plan, applied = plan_and_apply(region_files, api)
    assert plan.in_sync and applied == 0
