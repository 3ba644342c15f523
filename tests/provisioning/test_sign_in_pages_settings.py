"""What the realm's sign-in pages are made of, provisioned like every other setting: the languages (`locale`,
national default French, English available), the login theme (`loginTheme`) and the region's support contact
(`supportContact`, a realm attribute the smur theme reads), through plan, apply, export and drift, and what
`validate` refuses."""
from __future__ import annotations

import json

import requests
import yaml

from fixtures.realms import copy_realm_files, run_cli

CONTACT = "smurIam.supportContact"


def _export(files, tmp_path) -> dict:
    out = tmp_path / "exported"
    result = run_cli("export", str(files.directory), "--realm", files.realm, "--out", str(out), env=files.env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((out / f"{files.realm}.yaml").read_text(encoding="utf-8"))


def test_a_new_realm_speaks_french_and_english_and_a_hand_change_is_drift(region_files, oracle, keycloak, tmp_path):
    plan = run_cli("plan", str(region_files.directory), env=region_files.env)
    assert plan.returncode == 0, plan.stderr
    applied = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr

    realm = region_files.realm
    rep = oracle(realm).get_realm(realm)
    assert (rep["internationalizationEnabled"], rep["defaultLocale"], sorted(rep["supportedLocales"])) == \
        (True, "fr", ["en", "fr"])
    # Keycloak itself answers in French by default, in English when the browser asks for it.
    page = f"{keycloak.base_url}/realms/{realm}/login-actions/restart"
    assert 'lang="fr"' in requests.get(page, timeout=30).text
    assert 'lang="en"' in requests.get(page, headers={"Accept-Language": "en-GB,en"}, timeout=30).text
    assert "locale" not in _export(region_files, tmp_path / "a"), "the national default is not written back"

    oracle(realm).update_realm(realm, {"defaultLocale": "en", "supportedLocales": ["en"]})
    drift = run_cli("drift", str(region_files.directory), "--json", env=region_files.env)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    [report] = json.loads(drift.stdout)["realms"]
    fields = {(i["kind"], f["path"], str(f["keycloak"]), str(f["files"])) for i in report["drift"] for f in i["fields"]}
    assert ("realm", "defaultLocale", "en", "fr") in fields, fields
    assert ("realm", "supportedLocales", "['en']", "['fr', 'en']") in fields, fields
    assert _export(region_files, tmp_path / "b")["locale"] == {"default": "en", "supported": ["en"]}

    reapplied = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert reapplied.returncode == 0, reapplied.stdout + reapplied.stderr
    assert oracle(realm).get_realm(realm)["defaultLocale"] == "fr"
    assert run_cli("drift", str(region_files.directory), env=region_files.env).returncode == 0


def test_a_region_in_english_first_is_planned_and_exported(region_files, tmp_path):
    region_files.edit("displayName: SMUR Grand Est\n",
                      "displayName: SMUR Grand Est\nlocale:\n  default: en\n  supported: [en, fr]\n")
    plan = run_cli("plan", str(region_files.directory), "--verbose", env=region_files.env)
    assert plan.returncode == 0, plan.stderr
    for line in ("internationalizationEnabled: True", "defaultLocale: 'en'"):
        assert f"      {line}\n" in plan.stdout, plan.stdout
    applied = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _export(region_files, tmp_path)["locale"] == {"default": "en"}, "only what differs is written"


def _validate(tmp_path, old: str, new: str):
    files = copy_realm_files(tmp_path, "t-locale")
    files.edit(old, new)
    return run_cli("validate", str(files.directory), env=files.env)


def test_validate_refuses_a_default_outside_supported_and_unknown_codes(tmp_path):
    outside = _validate(tmp_path / "a", "  default: fr\n", "  default: de\n")
    assert outside.returncode == 1 and "national-defaults.yaml" in outside.stdout + outside.stderr
    assert "default 'de' is not one of supported (fr, en)" in outside.stdout + outside.stderr

    unknown = _validate(tmp_path / "b", "  supported: [fr, en]\n", "  supported: [fr, en, klingon]\n")
    assert unknown.returncode == 1, unknown.stdout
    assert "unknown language code(s) klingon" in unknown.stdout + unknown.stderr


def test_support_contact_and_login_theme_are_applied_exported_and_drift_checked(region_files, oracle, tmp_path):
    region_files.edit("supportContact: support@grand-est.smur.example\n",
                      "supportContact: 03 83 00 00 00\nloginTheme: keycloak\n")
    applied = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    realm = region_files.realm
    rep = oracle(realm).get_realm(realm)
    assert rep["attributes"][CONTACT] == "03 83 00 00 00" and rep["loginTheme"] == "keycloak"
    exported = _export(region_files, tmp_path / "a")
    assert (exported["supportContact"], exported["loginTheme"]) == ("03 83 00 00 00", "keycloak")

    oracle(realm).update_realm(realm, {"attributes": {**rep["attributes"], CONTACT: "01 02 03 04 05"}})
    drift = run_cli("drift", str(region_files.directory), env=region_files.env)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert f"attributes.{CONTACT}: '01 02 03 04 05' in Keycloak, '03 83 00 00 00' in the files" in drift.stdout, \
        drift.stdout
    reapplied = run_cli("apply", str(region_files.directory), "--yes", env=region_files.env)
    assert reapplied.returncode == 0, reapplied.stdout + reapplied.stderr
    assert oracle(realm).get_realm(realm)["attributes"][CONTACT] == "03 83 00 00 00"


def test_validate_accepts_a_phone_an_email_or_a_url_as_support_contact_and_nothing_else(tmp_path):
    for n, contact in enumerate(("03 83 00 00 00", "+33 3 83 00 00 00", "support@smur-grand-est.example",
                                 "https://smur-grand-est.example/aide")):
        ok = _validate(tmp_path / f"ok{n}", "supportContact: support@grand-est.smur.example\n",
                       f"supportContact: \"{contact}\"\n")
        assert ok.returncode == 0, (contact, ok.stdout, ok.stderr)
    bad = _validate(tmp_path / "bad", "supportContact: support@grand-est.smur.example\n",
                    "supportContact: appelez Marie\n")
    assert bad.returncode == 1, bad.stdout
    out = bad.stdout + bad.stderr
    assert "smur-grand-est.yaml" in out and "supportContact" in out, out
    assert "'appelez Marie' is not a phone number" in out, out
