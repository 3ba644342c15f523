"""The shipped example, all 18 regions, applied once from scratch; the tests of this module share it
with test_reference_outputs.py (conftest.py), and put back what they change by hand.

Realm names get a per-run prefix (smur-bretagne -> ref1a2b3c-bretagne) so runs never collide.
"""
from __future__ import annotations

import json
import time

import pytest
import yaml

from fixtures.realms import run_cli
from provisioning.apply import apply_plan
from provisioning.config import load_config
from provisioning.plan import build_plan
from provisioning.psc_discovery import fetch_discovery

OVERSEAS = {"01", "02", "03", "04", "06"}


@pytest.fixture(scope="module")
def regions(applied_regions):
    """The package's 18 regions (conftest.py), applied from scratch once."""
    return applied_regions


def config_of(regions):
    return load_config(regions.directory, env=regions.env)


def test_eighteen_regions_are_applied_from_scratch(regions, oracle):
    assert len(regions.realms) == 18
    assert "in 18 realm(s):" in regions.apply.stdout and " 0 updated, 0 deleted" in regions.apply.stdout
    config = config_of(regions)
    assert sum(1 for r in config.regions if r.inseeCode in OVERSEAS) == 5
    for region in config.regions:
        kc = oracle(region.realm)
        realm = kc.get_realm(region.realm)
        assert realm["displayName"] == region.displayName and realm["attributes"]["smurIam.inseeRegion"] == region.inseeCode
        assert kc.get_idp("psc")["config"]["smurIam.minimumAcr"] == region.identityProvider.minimumAcr == "eidas1"
        assert {m["name"] for m in kc.get_idp_mappers("psc")} == {m.name for m in config.identity_provider_mappers}
        clients = {c["clientId"]: c for c in kc.get_clients()}
        assert clients["smurtab"]["publicClient"] and clients["smurtab"]["attributes"]["pkce.code.challenge.method"] == "S256"
        backoffice = clients["smur-backoffice"]
        assert not backoffice["publicClient"] and backoffice["standardFlowEnabled"]
        assert backoffice["secret"] == next(c.secret for c in region.clients if c.clientId == "smur-backoffice").reveal()
        api = clients["smur-api"]
        assert not any(api[f] for f in ("publicClient", "standardFlowEnabled", "implicitFlowEnabled",
                                         "directAccessGrantsEnabled", "serviceAccountsEnabled"))
        audiences = {m["name"] for m in clients["smurtab"]["protocolMappers"]}
        assert {"rpps", "idnat", "aud-smur-api"} <= audiences
        assert {r.name for r in region.roles} <= {r["name"] for r in kc.get_realm_roles()}
        assert sorted(g["name"] for g in kc.get_groups()) == sorted(g.name for g in region.groups)
    corse = oracle(regions.realms["smur-corse"])
    assert corse.get_realm_role("pilote")["description"] == "Pilote d'hélicoptère SMUR"  # a regional addition
    guyane = oracle(regions.realms["smur-guyane"]).get_realm(regions.realms["smur-guyane"])
    assert guyane["ssoSessionMaxLifespan"] == 86400 and guyane["accessTokenLifespan"] == 300  # override + default


def test_noop_plan_of_all_regions_reads_a_constant_number_of_times_per_realm(regions, capsys):
    api = regions.api()
    config = config_of(regions)
    discovery = fetch_discovery(config.deployment.psc.selected)
    started = time.perf_counter()
    plan = build_plan(api, config, discovery)
    seconds = time.perf_counter() - started
    assert plan.in_sync, [(r.realm, [c.key for c in r.pending]) for r in plan.realms if not r.in_sync]
    assert set(api.requests) == {"GET"}, dict(api.requests)
    per_realm = {r.realm: api.realm_counts(r.realm)["GET"] for r in plan.realms}
    grand_est = regions.realms["smur-grand-est"]
    # Same requests for every region, whatever its number of clients, groups or roles (no N+1);
    # Grand Est has one staff member: one user lookup, one link read and one credentials read more.
    assert len({n for realm, n in per_realm.items() if realm != grand_est}) == 1, per_realm
    others = next(n for realm, n in per_realm.items() if realm != grand_est)
    assert per_realm[grand_est] == others + 3 and others <= 17
    assert sum(per_realm.values()) == api.requests["GET"]
    with capsys.disabled():
        print(f"\n[18 regions] no-op plan: {seconds:.2f}s, {api.requests['GET']} GET ({others} per realm)")

    api.reset_counts()
    assert apply_plan(build_plan(api, config, discovery)) == 0 and api.write_count == 0
    result = run_cli("apply", str(regions.directory), env=regions.env)
    assert result.returncode == 0 and "Nothing to apply." in result.stdout


def test_drift_names_what_was_changed_by_hand_in_any_region(regions, oracle):
    bretagne, corse, occitanie = (regions.realms[f"smur-{r}"] for r in ("bretagne", "corse", "occitanie"))
    kb = oracle(bretagne)
    internal = kb.get_client_id("smurtab")
    kb.update_client(internal, {"redirectUris": ["https://attacker.example/callback"]})
    oracle(corse).update_realm_role("pilote", {"name": "pilote", "description": "edited"})
    ko = oracle(occitanie)
    ko.create_group({"name": "Made by hand"})
    try:
        result = run_cli("drift", str(regions.directory), "--json", env=regions.env)
        assert result.returncode == 2, result.stderr
        report = {r["realm"]: r for r in json.loads(result.stdout)["realms"]}
        assert report[bretagne]["drift"] == [{"kind": "client", "key": "smurtab", "what": "changed by hand",
                                              "fields": [{"path": "redirectUris",
                                                          "keycloak": ["https://attacker.example/callback"],
                                                          "files": ["http://127.0.0.1:8090/callback"]}]}]
        assert [(d["kind"], d["key"], d["what"]) for d in report[corse]["drift"]] == \
            [("realm-role", "pilote", "changed by hand")]
        assert [(d["kind"], d["key"], d["what"]) for d in report[occitanie]["drift"]] == \
            [("group", "Made by hand", "made by hand")]
        assert sum(1 for r in report.values() if r["drift"]) == 3
        text = run_cli("drift", str(regions.directory), env=regions.env).stdout
        assert f"realm {bretagne}: 1 change(s) made by hand since the last apply (" in text
        assert "Drift: 3 change(s) made by hand in 3 of 18 realm(s)." in text

        assert run_cli("apply", str(regions.directory), env=regions.env).returncode == 0
        assert kb.get_client(internal)["redirectUris"] == ["http://127.0.0.1:8090/callback"]
        result = run_cli("drift", str(regions.directory), env=regions.env)
        assert result.returncode == 2 and "Drift: 1 change(s) made by hand in 1 of 18" in result.stdout, \
            "the hand-made group is kept, and still reported"
    finally:
        for group in ko.get_groups():
            if group["name"] == "Made by hand":
                ko.delete_group(group["id"])
    assert run_cli("drift", str(regions.directory), env=regions.env).returncode == 0


def test_export_gives_back_the_region_files(regions, tmp_path):
    """Exported with the national defaults, each realm is its region file again (defaults stripped)."""
    out = tmp_path / "exported"
    result = run_cli("export", str(regions.directory), "--out", str(out), env=regions.env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    for shipped, realm in regions.realms.items():
        original = yaml.safe_load((regions.directory / f"{shipped}.yaml").read_text())
        exported = yaml.safe_load((out / f"{realm}.yaml").read_text())
        assert exported == original, shipped
