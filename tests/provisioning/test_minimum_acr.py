"""`identityProvider.minimumAcr` through plan, apply, export and drift, and the upgrade of a realm
that still has Keycloak's stock claim filter (acr=eidas1) from earlier versions of the tool."""
from __future__ import annotations

import yaml

from fixtures.realms import run_cli

MINIMUM = "smurIam.minimumAcr"


def _plan(files) -> str:
    result = run_cli("plan", str(files.directory), env=files.env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _apply(files) -> None:
    result = run_cli("apply", str(files.directory), "--yes", env=files.env)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def _in_sync(files) -> bool:
    return run_cli("plan", str(files.directory), "--detailed-exitcode", env=files.env).returncode == 0


def _export(files, tmp_path) -> dict:
    out = tmp_path / "exported"
    result = run_cli("export", str(files.directory), "--realm", files.realm, "--out", str(out), env=files.env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((out / f"{files.realm}.yaml").read_text(encoding="utf-8"))


def test_minimum_acr_is_planned_applied_exported_and_drift_checked(provisioned, oracle, tmp_path):
    kc = oracle(provisioned.realm)
    assert kc.get_idp("psc")["config"][MINIMUM] == "eidas1", "the national default"
    assert "minimumAcr" not in _export(provisioned, tmp_path / "a")["identityProvider"], \
        "equal to the national default: not written back"

    secret = "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n"
    provisioned.edit(secret, secret + "  minimumAcr: eidas2\n")  # in the region file
    plan = _plan(provisioned)
    assert "~ update identity-provider 'psc'" in plan
    assert f"config.{MINIMUM}: 'eidas1' -> 'eidas2'" in plan
    assert "acr_values=eidas1' -> '" in plan and plan.count("acr_values=eidas2") == 1, plan
    _apply(provisioned)
    config = kc.get_idp("psc")["config"]
    assert config[MINIMUM] == "eidas2" and config["authorizationUrl"].endswith("?acr_values=eidas2")
    assert _in_sync(provisioned)
    assert _export(provisioned, tmp_path / "b")["identityProvider"]["minimumAcr"] == "eidas2"

    # Lowered by hand in the console: drift names it, apply puts the file's level back.
    idp = kc.get_idp("psc")
    idp["config"][MINIMUM] = "eidas1"
    kc.update_idp("psc", idp)
    drift = run_cli("drift", str(provisioned.directory), env=provisioned.env)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "identity-provider 'psc'" in drift.stdout and f"config.{MINIMUM}" in drift.stdout, drift.stdout
    _apply(provisioned)
    assert kc.get_idp("psc")["config"][MINIMUM] == "eidas2"
    assert run_cli("drift", str(provisioned.directory), env=provisioned.env).returncode == 0


def test_a_realm_with_the_stock_claim_filter_is_upgraded_to_the_minimum(provisioned, oracle):
    """What an earlier version applied: Keycloak's filter acr=eidas1 and no minimum for the extension."""
    kc = oracle(provisioned.realm)
    idp = kc.get_idp("psc")
    idp["config"] |= {"filteredByClaim": "true", "claimFilterName": "acr", "claimFilterValue": "eidas1"}
    del idp["config"][MINIMUM]
    kc.update_idp("psc", idp)

    plan = _plan(provisioned)
    for line in ("config.filteredByClaim: 'true' -> 'false'", "config.claimFilterName: 'acr' -> (absent)",
                 "config.claimFilterValue: 'eidas1' -> (absent)", f"config.{MINIMUM}: (absent) -> 'eidas1'"):
        assert line in plan, f"{line!r} not in the plan:\n{plan}"
    _apply(provisioned)
    config = kc.get_idp("psc")["config"]
    assert config["filteredByClaim"] == "false" and config[MINIMUM] == "eidas1"
    assert "claimFilterName" not in config and "claimFilterValue" not in config
    assert _in_sync(provisioned)
