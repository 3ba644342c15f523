"""Files and tools, tried as an attacker (or a careless admin) would: references smuggled into fields
that plans show, a file read from outside the configuration, a YAML alias bomb, a 200 kB CSV field,
national ids written with non-ASCII digits, a production run that forgot its PSC environment, and
runtime files others can read. Each is refused with the file and line, and nothing reaches Keycloak."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fixtures.connection_recorder import ConnectionRecorder
from fixtures.realms import REPO, copy_realm_files, run_cli
from mockpsc.testing import fresh_national_id
from provisioning.runtime.distribution import KeycloakDistribution
from provisioning.runtime.extension import psc_extension_jar
from provisioning.runtime.keycloak import KeycloakServer

ENVIRONMENT_UNSET = "SMUR_IAM_PSC_ENVIRONMENT is not set: choose mock, sandbox or production"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def realm_exists(admin_api, realm: str) -> bool:
    return admin_api.get(f"/admin/realms/{realm}", allow_404=True) is not None


def refused_before_any_write(files, admin_api, *fragments: str, secret: str | None = None) -> None:
    """plan and apply both exit 1 naming the spot, never print the secret, and the realm is never created."""
    for command in (["plan"], ["apply", "--yes"]):
        result = run_cli(*command, str(files.directory), env=files.env)
        output = result.stdout + result.stderr
        assert result.returncode == 1, f"{command} was not refused:\n{output}"
        for fragment in fragments:
            assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
        assert "Traceback" not in output
        if secret:
            assert secret not in output, f"{command} printed the secret"
    assert not realm_exists(admin_api, files.realm)


# ---------------------------------------------------------------- references in fields that plans show

def test_a_region_cannot_copy_another_regions_psc_secret_into_its_display_name(region_files, admin_api):
    """The provisioning machine holds every region's secrets; a region file names another's in plain text."""
    bretagne_secret = f"bretagne-{uuid.uuid4().hex}"
    region_files.env["PSC_CLIENT_SECRET_BRETAGNE"] = bretagne_secret
    region_files.edit("displayName: SMUR Grand Est", 'displayName: "SMUR ${env:PSC_CLIENT_SECRET_BRETAGNE}"')
    refused_before_any_write(region_files, admin_api,
                             "smur-grand-est.yaml:6:1: displayName: references (${env:…}/${file:…}) are only "
                             "allowed in: identityProvider.clientId,", secret=bretagne_secret)


def test_the_psc_client_id_cannot_read_the_tools_own_admin_password(region_files, admin_api):
    """A field that does take references (the PSC client id) still never reads a variable holding a secret."""
    region_files.edit("  clientId: ${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}",
                      "  clientId: ${env:SMUR_IAM_ADMIN_PASSWORD}")
    refused_before_any_write(region_files, admin_api,
                             "smur-grand-est.yaml:12:3: identityProvider.clientId: ${env:SMUR_IAM_ADMIN_PASSWORD}: "
                             "the variable is named like a secret", secret=region_files.env["SMUR_IAM_ADMIN_PASSWORD"])


def test_a_redirect_uri_cannot_read_a_file(region_files, admin_api, tmp_path):
    stolen = f"stolen-{uuid.uuid4().hex}"
    (region_files.directory / "redirect").write_text(stolen)
    region_files.edit("https://backoffice.grand-est.smur.example/oidc/callback", "https://x.example/${file:redirect}")
    refused_before_any_write(region_files, admin_api, "clients[0].redirectUris[0]: ${file:redirect}: ${file:…} is "
                                                      "for secrets", secret=stolen)


def test_file_reference_through_dot_dot_in_a_description_is_refused(region_files, admin_api, tmp_path):
    """`${file:../…}` in an inherited description: refused at its line in the national defaults."""
    outside = tmp_path / "outside-secret"
    stolen = f"outside-{uuid.uuid4().hex}"
    outside.write_text(stolen)
    assert (region_files.directory / "../../outside-secret").read_text() == stolen
    region_files.edit("    description: Médecin\n", "    description: ${file:../../outside-secret}\n")
    refused_before_any_write(region_files, admin_api, "national-defaults.yaml:", "roles[0].description: references "
                             "(${env:…}/${file:…}) are only allowed in", "(inherited by smur-grand-est.yaml)",
                             secret=stolen)


@pytest.mark.parametrize("written", ["../../outside-secret", "secrets/out/outside-secret", "{outside}"])
def test_a_secret_file_outside_the_configuration_directory_is_refused(region_files, admin_api, tmp_path, written):
    """Relative with `..`, through a symlink inside realm/, or absolute: outside realm/ and /run/secrets it is refused."""
    outside = tmp_path / "outside-secret"
    outside.write_text("a-secret-of-someone-else")
    (region_files.directory / "secrets").mkdir()
    (region_files.directory / "secrets" / "out").symlink_to(tmp_path)
    reference = "${file:" + written.format(outside=outside) + "}"
    region_files.edit("${env:PSC_CLIENT_SECRET_GRAND_EST}", reference)
    refused_before_any_write(region_files, admin_api, f"smur-grand-est.yaml:13:3: identityProvider.clientSecret: "
                             f"{reference} resolves to {outside.resolve()}, outside the configuration directory")


# ---------------------------------------------------------------- YAML alias bomb

BOMB = "".join(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
               for previous, name in zip("abcdefgh", "bcdefghi"))
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB  # 9^9 = 387 million "lol"

LOAD_WITH_LIMITS = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # an alias bomb must not take the machine down
from provisioning.config import ConfigInvalid, load_config
started = time.monotonic()
try:
    load_config(sys.argv[1], env={"SMUR_IAM_PSC_ENVIRONMENT": "mock"}, resolve_secrets=False)
    errors = []
except ConfigInvalid as exc:
    errors = [str(error) for error in exc.errors]
print(json.dumps({"seconds": time.monotonic() - started, "errors": errors}))
"""


def test_a_yaml_alias_bomb_is_refused_at_once_with_its_line(tmp_path):
    files = copy_realm_files(tmp_path, "t-bomb")
    assert len(BOMB.encode()) < 450
    (files.directory / "smur-bomb.yaml").write_text("realm: smur-bomb\n" + BOMB)
    try:
        result = subprocess.run([sys.executable, "-c", LOAD_WITH_LIMITS, str(files.directory)], cwd=REPO,
                                capture_output=True, text=True, timeout=60,
                                env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired:
        pytest.fail("loading a 400-byte alias bomb did not finish in 60 s")
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    assert outcome["seconds"] < 1.0
    [error] = outcome["errors"]
    assert "smur-bomb.yaml:2:4: YAML anchor '&a' refused" in error


# ---------------------------------------------------------------- staff lists

def provision(files) -> None:
    result = run_cli("apply", str(files.directory), env=files.env)
    assert result.returncode == 0, result.stderr


def links(files, command: str, source: Path, *extra: str):
    return run_cli("links", command, "--region", files.realm, "--from", str(source), *extra, env=files.env)


def user_exists(oracle, realm: str, username: str) -> bool:
    return bool(oracle(realm).get_users({"username": username, "exact": True}))


def test_a_200_kb_csv_field_is_an_error_with_its_line_and_column_not_a_traceback(region_files, oracle, tmp_path):
    provision(region_files)
    good = fresh_national_id()
    source = tmp_path / "staff.csv"
    source.write_text("national_id,first_name,last_name,group,roles\n"
                      f"{good},Camille,Martin,SMUR 51 Reims,medecin\n"
                      f"{fresh_national_id()},Alex,{'X' * 200_000},SMUR 51 Reims,medecin\n", encoding="utf-8")
    for command, extra in (("plan", ()), ("apply", ("--yes",))):
        result = links(region_files, command, source, *extra)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"{source}:3: column 'last_name' holds 200,000 characters (at most 1,000)" in result.stderr
        assert "Traceback" not in result.stderr
    assert not user_exists(oracle, region_files.realm, good)


def test_a_200_kb_directory_field_is_an_error_with_its_line_and_column(region_files, oracle, tmp_path):
    provision(region_files)
    good = fresh_national_id()
    header = ["Identification nationale PP", "Nom d'exercice", "Prénom d'exercice", "Code profession",
              "Code Département (structure)"]
    source = tmp_path / "PS_LibreAcces_Personne_activite_202601010000.txt"
    source.write_text("|".join(header) + "|\n" + f"{good}|MARTIN|Camille|10|51|\n"
                      + f"{fresh_national_id()}|MARTIN|{'C' * 200_000}|10|51|\n", encoding="utf-8")
    result = links(region_files, "apply", source, "--departments", "51", "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{source}:3: column 'Prénom d'exercice' holds 200,000 characters (at most 1,000)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not user_exists(oracle, region_files.realm, good)


# ---------------------------------------------------------------- national ids with non-ASCII digits

def test_fullwidth_digits_in_a_region_files_national_id_are_refused(region_files, admin_api):
    """`str.isdigit()` and `int()` take '８９９…' for digits (and its Luhn digit checks out)."""
    fullwidth = "8" + "99700218896".translate(FULLWIDTH)
    region_files.edit('"899700218896"', f'"{fullwidth}"')
    refused_before_any_write(region_files, admin_api, "users[0].nationalId:",
                             "character '９' (U+FF19 FULLWIDTH DIGIT NINE) at position 2 is not a digit 0-9")


def test_fullwidth_digits_in_a_staff_list_are_refused_and_nothing_is_written(region_files, oracle, tmp_path):
    provision(region_files)
    good, spoofed = fresh_national_id(), fresh_national_id()
    written = spoofed[0] + spoofed[1:].translate(FULLWIDTH)
    source = tmp_path / "staff.csv"
    source.write_text("national_id,first_name,last_name,group,roles\n"
                      f"{good},Camille,Martin,SMUR 51 Reims,medecin\n"
                      f"{written},Alex,Durand,SMUR 51 Reims,medecin\n", encoding="utf-8")
    result = links(region_files, "apply", source, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    digit = written[1]
    assert (f"{source}:3: national id '{written}': character '{digit}' (U+{ord(digit):04X} FULLWIDTH DIGIT "
            in result.stdout + result.stderr)
    assert "nothing was written" in result.stderr
    kc = oracle(region_files.realm)
    assert not kc.get_users({"username": good, "exact": True})
    assert not kc.get_users({"search": spoofed[-4:]}) and not kc.get_users({"search": written[-4:]})


# ---------------------------------------------------------------- no silent PSC environment

def test_without_a_psc_environment_nothing_runs_and_no_request_is_sent(tmp_path):
    """A production run that forgot SMUR_IAM_PSC_ENVIRONMENT used to broker to the mock on 127.0.0.1."""
    files = copy_realm_files(tmp_path, "t-no-environment")
    recorder = ConnectionRecorder()
    try:
        env = {k: v for k, v in files.env.items() if k != "SMUR_IAM_PSC_ENVIRONMENT"} | {
            "SMUR_IAM_KEYCLOAK_URL": recorder.url, "SMUR_IAM_ADMIN_USER": "admin", "SMUR_IAM_ADMIN_PASSWORD": "x",
            "SMUR_IAM_MOCK_PSC_ISSUER": f"{recorder.url}/auth/realms/esante-wallet"}
        staff = tmp_path / "staff.csv"
        staff.write_text(f"national_id,first_name,last_name\n{fresh_national_id()},Camille,Martin\n")
        commands = [["validate", str(files.directory)], ["plan", str(files.directory)],
                    ["apply", str(files.directory), "--yes"], ["drift", str(files.directory)],
                    ["links", "plan", "--region", "smur-grand-est", "--from", str(staff)],
                    ["links", "apply", "--region", "smur-grand-est", "--from", str(staff), "--yes"]]
        for command in commands:
            result = run_cli(*command, env=env)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert ENVIRONMENT_UNSET in result.stderr, (command, result.stderr)
        assert recorder.connections == 0
    finally:
        recorder.close()


# ---------------------------------------------------------------- runtime files

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_session_keycloaks_database_and_log_are_private(keycloak):
    if not isinstance(keycloak, KeycloakServer):
        pytest.skip("the session Keycloak is not a local process")
    data = keycloak.data_dir
    assert mode(data) == 0o700
    files = [p for p in data.iterdir() if p.is_file()]
    assert any(p.name.endswith(".mv.db") for p in files) and keycloak.log_path in files
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}


@pytest.mark.keycloak  # starts a KeycloakServer of its own
def test_an_existing_data_dir_and_its_old_files_are_tightened(tmp_path):
    """`smur-iam demo --data-dir DIR` on a DIR made with a plain `mkdir` (0755), holding a 0644 log."""
    data = tmp_path / "demo-data"
    data.mkdir()
    os.chmod(data, 0o755)
    (data / "keycloak.log").write_text("a previous run\n")
    (data / "notes.txt").write_text("not Keycloak's\n")
    for path in (data / "keycloak.log", data / "notes.txt"):
        os.chmod(path, 0o644)
    with KeycloakServer(KeycloakDistribution(), data, providers=[psc_extension_jar().path]) as server:
        assert mode(data) == 0o700
        for name in ("keycloak.log", "keycloak.log.1", "keycloakdb.mv.db", "bootstrap-admin.json", "keycloak.pid",
                     "keycloak.lock"):
            assert mode(data / name) == 0o600, name
        assert server.log_path == data / "keycloak.log"
    assert mode(data / "notes.txt") == 0o644, "a file the server did not write is left alone"
