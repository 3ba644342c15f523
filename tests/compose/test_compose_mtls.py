"""docker-compose.psc-mtls.yml, laid over docker-compose.yml, checked without Docker: Keycloak gets the
keystore and truststore the local runtime gives it (provisioning/runtime/outgoing_tls.py, whose start
options tests/e2e/test_psc_broker_mtls.py proves on a real Keycloak), from mounted secrets; the
provisioning job sees the same files and validates the production certificate; the files never reach
git or the image."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import compose_model as compose
from fixtures.certificates import CertificateAuthority, write
from fixtures.realms import REPO
from provisioning.config import ConfigInvalid, load_config
from provisioning.runtime.distribution import KeycloakDistribution
from provisioning.runtime.java import resolve_java
from provisioning.runtime.outgoing_tls import (KEY_PASSWORD_ENV, KEYSTORE_OPTION, KEYSTORE_PASSWORD_ENV,
                                               TRUSTSTORE_OPTION)
from test_compose_file import NODES, USER_SETTINGS

PASSWORD = "keystore-pass-0123"
SETTINGS = USER_SETTINGS | {"PSC_CLIENT_KEYSTORE_PASSWORD": PASSWORD}
KEYSTORE, CA_BUNDLE = "/run/secrets/psc-client.p12", "/run/secrets/psc-ca.pem"


def env_name(option: str) -> str:
    """Keycloak's environment variable for a `--option` (`--` inside an SPI option becomes `__`)."""
    return "KC_" + option.removeprefix("--").upper().replace("-", "_")


@pytest.fixture(scope="module")
def document() -> dict:
    return compose.interpolate(compose.overlaid(compose.load(), compose.load(compose.MTLS_OVERRIDE_FILE)), SETTINGS)


@pytest.fixture(scope="module")
def svc(document) -> dict[str, compose.Service]:
    return compose.services(document)


def test_each_keycloak_node_gets_the_keystore_and_truststore_the_local_runtime_gives_it(svc, document):
    base = compose.services(compose.interpolate(compose.load(), SETTINGS))
    for name in NODES:
        keycloak = svc[name]
        env = keycloak.environment
        assert env[env_name(KEYSTORE_OPTION)] == KEYSTORE
        assert env[KEYSTORE_PASSWORD_ENV] == env[KEY_PASSWORD_ENV] == PASSWORD  # the names the runtime uses
        assert env[env_name(TRUSTSTORE_OPTION)] == CA_BUNDLE
        assert env["KC_DB_PASSWORD"] == USER_SETTINGS["KEYCLOAK_DB_PASSWORD"], "the override adds to the base"
        assert keycloak.secrets(document) == {KEYSTORE: "./secrets/psc-client.p12",
                                              CA_BUNDLE: "./secrets/psc-ca.pem"}
        # Runtime options only: the build and start commands are the base file's.
        assert keycloak.script_commands == base[name].script_commands
    a, b = (svc[name] for name in NODES)
    assert a.environment == b.environment and a.spec.get("secrets") == b.spec.get("secrets")


@pytest.mark.keycloak  # runs the distribution's kc.sh --help-all (a Keycloak JVM)
def test_the_truststore_option_exists_and_is_not_a_build_option():
    home = KeycloakDistribution().ensure()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")} | {
        "JAVA_HOME": str(resolve_java(None).home)}
    options = {}
    for command in ("build", "start"):
        result = subprocess.run([str(home / "bin" / "kc.sh"), command, "--help-all"], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        options[command] = set(re.findall(r"^--([a-z0-9][a-z0-9-]*)", result.stdout, re.MULTILINE))
    name = TRUSTSTORE_OPTION.removeprefix("--")
    assert name in options["start"] and name not in options["build"]


def test_the_keystore_password_is_required_and_never_defaulted():
    variables = compose.variables(path=compose.MTLS_OVERRIDE_FILE)
    assert variables == {"PSC_CLIENT_KEYSTORE_PASSWORD": None}
    with pytest.raises(KeyError, match="PSC_CLIENT_KEYSTORE_PASSWORD is required"):
        compose.interpolate(compose.load(compose.MTLS_OVERRIDE_FILE), USER_SETTINGS)


def _production_tls(text: str, secrets_dir: Path) -> str:
    """deployment.yaml with production's commented tlsClientAuth turned on in its PKCS#12 form (the
    README's step), the secrets directory moved under the test's."""
    lines, out, inside = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith("      # tlsClientAuth:"):
            inside = True
        elif inside and not line.startswith("      #   "):
            inside = False
        if not inside:
            out.append(line)
            continue
        entry = line.replace("      # ", "      ", 1).replace("  # pkcs12", "  pkcs12").replace("  # password",
                                                                                             "  password")
        if re.match(r"\s+(certificate|key):", entry):
            continue
        out.append(entry.replace("/run/secrets/", f"{secrets_dir}/"))
    return "".join(out).replace("allowedSecretDirectories: [/run/secrets]",
                                f"allowedSecretDirectories: [/run/secrets, {secrets_dir}]")


def test_the_job_validates_the_production_certificate_it_is_given(svc, document, tmp_path):
    job = svc["provision"]
    for name in NODES:
        assert job.secrets(document) == svc[name].secrets(document), "the job checks what Keycloak presents"
    for source, target in job.mounts():
        if not source.startswith("./"):
            continue  # the tls volume (the balancer's CA): not read by validation
        destination = tmp_path / target.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compose.repo_path(source), destination)
    realm = tmp_path / "config" / "realm"
    secrets_dir = tmp_path / "run" / "secrets"
    ca = CertificateAuthority("IGC-Santé test")
    client = ca.client("smur-grand-est.example")
    write(secrets_dir, {Path(KEYSTORE).name: client.pkcs12(PASSWORD), Path(CA_BUNDLE).name: ca.pem()})
    deployment = realm / "deployment.yaml"
    deployment.write_text(_production_tls(deployment.read_text(encoding="utf-8"), secrets_dir), encoding="utf-8")
    region = realm / "smur-grand-est.yaml"
    region.write_text(region.read_text(encoding="utf-8").replace(
        "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n", "  clientAuthMethod: tls_client_auth\n"))

    env = job.environment | {"SMUR_IAM_PSC_ENVIRONMENT": "production"}
    config = load_config(realm, env=env)
    tls = config.deployment.psc.selected.tlsClientAuth
    assert tls.pkcs12.path == secrets_dir / "psc-client.p12" and tls.caBundle.reveal() == ca.pem()
    assert config.regions[0].identityProvider.clientAuthMethod == "tls_client_auth"
    with pytest.raises(ConfigInvalid, match="tlsClientAuth.pkcs12: not a readable PKCS#12 file, or a wrong password"):
        load_config(realm, env=env | {"PSC_CLIENT_KEYSTORE_PASSWORD": "not-the-password"})


def test_the_certificate_files_never_reach_git_or_the_image(document):
    for declared in document["secrets"].values():
        assert declared["file"].startswith("./secrets/")
    assert "secrets/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
