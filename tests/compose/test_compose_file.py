"""docker-compose.yml, checked without Docker: every service, port, volume, environment variable
and command it references exists in the repository, in the documented settings, or in the
Keycloak 26.7.3 distribution itself; and Keycloak runs with the options the local runtime uses."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import click
import pytest

import compose_model as compose
from demoapp.__main__ import parser as demoapp_parser
from fixtures.realms import REPO
from mockpsc.cli import parser as mockpsc_parser
from mockpsc.control import TOKEN_ENV
from mockpsc.settings import REALM_PATH
from provisioning.cli import main as smur_iam
from provisioning.config import load_config
from provisioning.demo import CONTROL_TOKEN_ENV
from provisioning.demo import parser as demo_parser
from provisioning.runtime.distribution import DEFAULT_VERSION, KeycloakDistribution
from provisioning.runtime.extension import DEFAULT_MODULE_DIR, jar_path
from provisioning.runtime.java import resolve_java
from provisioning.runtime.keycloak import BUILD_OPTIONS, KeycloakServer

EXPECTED_SERVICES = {"postgres", "keycloak", "mock-psc", "provision", "smurtab"}
# Options whose values depend on where Keycloak runs; every other start option must be the local one.
DEPLOYMENT_OPTIONS = {"http-host", "http-port", "http-management-port", "db-url"}
# The official PostgreSQL image's documented variables (its "Environment Variables" section).
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "POSTGRES_INITDB_ARGS",
                            "POSTGRES_INITDB_WALDIR", "POSTGRES_HOST_AUTH_METHOD", "PGDATA"}
# Made-up values for the variables the file requires (${NAME:?...}), as a user's .env would give; the PSC
# environment too (no default: a forgotten one must stop the job, not broker to the mock).
USER_SETTINGS = {"KEYCLOAK_DB_PASSWORD": "db-secret", "KEYCLOAK_ADMIN_PASSWORD": "admin-secret",
                 "PSC_CLIENT_SECRET_GRAND_EST": "psc-secret", "SMUR_BACKOFFICE_SECRET_GRAND_EST": "bo-secret",
                 "SMUR_IAM_MOCK_CONTROL_TOKEN": "mock-control-token-0123456789", "SMUR_IAM_PSC_ENVIRONMENT": "mock"}
PYTHON_SOURCES = ("provisioning", "mockpsc", "demoapp")
HTTP_CLIENT_SPI = "spi-connections-http-client--default--"


@pytest.fixture(scope="module")
def document() -> dict:
    return compose.interpolate(compose.load(), USER_SETTINGS)


@pytest.fixture(scope="module")
def svc(document) -> dict[str, compose.Service]:
    return compose.services(document)


@pytest.fixture(scope="module")
def keycloak_options() -> dict[str, set[str]]:
    """Option names `kc.sh build` and `kc.sh start` of the real 26.7.3 distribution accept."""
    home = KeycloakDistribution().ensure()
    java = resolve_java(None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")} | {"JAVA_HOME": str(java.home)}
    found = {}
    for command in ("build", "start"):
        result = subprocess.run([str(home / "bin" / "kc.sh"), command, "--help-all"], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        found[command] = set(re.findall(r"^--([a-z0-9][a-z0-9-]*)", result.stdout, re.MULTILINE))
    assert {"db", "health-enabled"} <= found["build"] and {"db-url", "http-port", "cache"} <= found["start"]
    return found


def test_every_service_is_there_with_its_start_order(svc):
    assert EXPECTED_SERVICES <= set(svc)
    for service in svc.values():
        for needed, condition in service.spec.get("depends_on", {}).items():
            assert needed in svc, f"{service.name} depends on unknown service {needed}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in svc[needed].spec, f"{needed} has no healthcheck for {service.name}"
            elif condition["condition"] == "service_completed_successfully":
                assert svc[needed].spec.get("restart") == "no", f"{needed} must be a one-shot job"
    long_running = EXPECTED_SERVICES - {"provision"}
    assert all("healthcheck" in svc[name].spec for name in long_running)
    order = {"keycloak": {"postgres"}, "provision": {"keycloak", "mock-psc"}, "smurtab": {"provision"}}
    for name, before in order.items():
        assert set(svc[name].spec["depends_on"]) == before, name


def test_keycloak_is_the_official_image_of_the_version_the_local_runtime_runs(svc):
    assert svc["keycloak"].spec["image"] == f"quay.io/keycloak/keycloak:{DEFAULT_VERSION}"


def test_keycloak_build_and_start_options_are_the_local_runtimes(svc, tmp_path):
    build, start = svc["keycloak"].script_commands
    assert build[:2] == ["/opt/keycloak/bin/kc.sh", "build"]
    local_build = [o.replace("--db=dev-file", "--db=postgres") for o in BUILD_OPTIONS]
    assert build[2:] == local_build, "build options differ from provisioning/runtime/keycloak.py's BUILD_OPTIONS"

    local = KeycloakServer(None, data_dir=tmp_path).start_command(Path("/opt/keycloak"))
    assert start[:3] == local[:3] == ["/opt/keycloak/bin/kc.sh", "start", "--optimized"]
    ours, theirs = compose.options(start[3:]), compose.options(local[3:])
    assert set(ours) == set(theirs), "compose and the local runtime start Keycloak with different options"
    for name in set(ours) - DEPLOYMENT_OPTIONS:
        assert ours[name] == theirs[name], f"--{name}: compose {ours[name]!r}, local runtime {theirs[name]!r}"
    assert ours["db-url"].startswith("jdbc:postgresql://postgres:5432/")
    assert ours["http-host"] == "0.0.0.0"


@pytest.fixture(scope="module")
def http_client_properties() -> set[str]:
    """Properties of Keycloak 26.7.3's outgoing HTTP client (`--spi-connections-http-client--default--<name>`):
    SPI options are not in `--help-all`, so they are read from the factory that takes them (its class file's
    strings, in the distribution's keycloak-services JAR)."""
    home = KeycloakDistribution().ensure()
    [jar] = (home / "lib" / "lib" / "main").glob("org.keycloak.keycloak-services-*.jar")
    with zipfile.ZipFile(jar) as archive:
        code = archive.read("org/keycloak/connections/httpclient/DefaultHttpClientFactory.class")
    found = {name.decode() for name in re.findall(rb"[a-z][a-z-]*-millis", code)}
    assert "socket-timeout-millis" in found, found
    return found


@pytest.mark.keycloak  # runs the distribution's kc.sh --help-all (a Keycloak JVM)
def test_keycloak_options_and_variables_exist_in_keycloak(svc, keycloak_options, http_client_properties):
    build, start = svc["keycloak"].script_commands
    for command, argv in (("build", build), ("start", start)):
        named = set(compose.options(argv[2:]))
        spi = {o for o in named if o.startswith(HTTP_CLIENT_SPI)}
        unknown = named - spi - keycloak_options[command] - {"optimized"}
        assert not unknown, f"kc.sh {command} has no option {sorted(unknown)}"
        unknown = {o for o in spi if o.removeprefix(HTTP_CLIENT_SPI) not in http_client_properties}
        assert not unknown, f"Keycloak's outgoing HTTP client has no property {sorted(unknown)}"
    for variable in svc["keycloak"].environment:
        assert variable.startswith("KC_"), variable
        option = variable[3:].lower().replace("_", "-")
        assert option in keycloak_options["start"], f"{variable}: Keycloak has no option --{option}"


def test_keycloak_mounts_the_extension_jar_the_local_build_makes(svc):
    [(source, target)] = svc["keycloak"].mounts()
    jar = jar_path(DEFAULT_MODULE_DIR)
    assert compose.repo_path(source) == jar, "mount the JAR provisioning/runtime/extension.py builds"
    assert target == f"/opt/keycloak/providers/{jar.name}"
    [volume] = svc["keycloak"].spec["volumes"]
    assert volume["read_only"] and volume["bind"]["create_host_path"] is False  # a missing JAR is an error
    assert (DEFAULT_MODULE_DIR / "pom.xml").is_file()


def test_health_checks_ask_the_ports_the_services_listen_on(svc):
    _, start = svc["keycloak"].script_commands
    management = compose.options(start)["http-management-port"]
    assert f"/dev/tcp/127.0.0.1/{management}" in " ".join(svc["keycloak"].spec["healthcheck"]["test"])
    auth_port = compose.options(svc["mock-psc"].command)["auth-port"]
    assert f"127.0.0.1:{auth_port}{REALM_PATH}/.well-known/wallet-openid-configuration" in \
        " ".join(svc["mock-psc"].spec["healthcheck"]["test"])
    app_port = compose.options(svc["smurtab"].command)["port"]
    assert f"127.0.0.1:{app_port}/" in " ".join(svc["smurtab"].spec["healthcheck"]["test"])


def test_every_local_url_is_the_same_inside_and_outside_the_containers(svc):
    """http://<name>.localhost:<port>: an alias of the service that listens on that port, published as is."""
    listening = {
        "keycloak": int(compose.options(svc["keycloak"].script_commands[1])["http-port"]),
        "mock-psc": {int(compose.options(svc["mock-psc"].command)[k]) for k in ("auth-port", "wallet-port")},
        "smurtab": int(compose.options(svc["smurtab"].command)["port"]),
    }
    urls = set(compose.LOCAL_URL.findall(compose.COMPOSE_FILE.read_text(encoding="utf-8")))
    assert {host for host, _ in urls} == {"keycloak.localhost", "psc-auth.localhost", "psc.localhost",
                                          "smurtab.localhost"}
    for host, port in urls:
        [owner] = [s for s in svc.values() if host in s.aliases]
        ports = listening[owner.name] if isinstance(listening[owner.name], set) else {listening[owner.name]}
        assert int(port) in ports, f"{host}:{port}: {owner.name} listens on {ports}"
        assert owner.published.get(int(port)) == int(port), f"{owner.name} must publish {port} as {port}"


def test_python_services_commands_parse_with_the_real_programs(svc):
    mock_args = svc["mock-psc"].command
    assert mock_args[:2] == ["smur-iam", "mock-psc"]
    context = smur_iam.commands["mock-psc"].make_context("mock-psc", mock_args[2:])
    parsed = mockpsc_parser().parse_args(context.args)
    assert parsed.host == "0.0.0.0" and parsed.public_auth_origin and parsed.public_wallet_origin

    app_args = svc["smurtab"].command
    assert app_args[:3] == ["python", "-m", "demoapp"]
    app = demoapp_parser().parse_args(app_args[3:])
    assert app.host == "0.0.0.0" and app.public_origin == "http://smurtab.localhost:8090"

    register, apply = svc["provision"].script_commands
    assert register[:3] == ["python", "-m", "provisioning.demo"]
    assert demo_parser().parse_args(register[3:]).directory == "/config/realm"
    assert apply[:2] == ["smur-iam", "apply"]
    context = smur_iam.commands["apply"].make_context("apply", apply[2:])
    assert context.params["directory"] == "/config/realm" and context.params["yes"]
    with pytest.raises(click.exceptions.NoSuchOption):
        smur_iam.commands["apply"].make_context("apply", ["--no-such-option"])  # make_context does check


def test_issuers_match_between_services(svc):
    mock = mockpsc_parser().parse_args(
        smur_iam.commands["mock-psc"].make_context("mock-psc", svc["mock-psc"].command[2:]).args)
    env = svc["provision"].environment
    assert env["SMUR_IAM_MOCK_PSC_ISSUER"] == mock.public_auth_origin + REALM_PATH
    app = demoapp_parser().parse_args(svc["smurtab"].command[3:])
    assert app.issuer == f"{env['SMUR_IAM_KEYCLOAK_URL']}/realms/smur-grand-est"
    assert env["SMURTAB_ORIGIN"] == app.public_origin
    assert env["SMURTAB_REDIRECT_URI"] == f"{app.public_origin}/callback"


def test_the_mock_and_the_provisioning_job_share_the_mocks_control_token(svc):
    """The mock serves public origins, so its control API wants a token; the job registers with it."""
    assert TOKEN_ENV == CONTROL_TOKEN_ENV
    token = USER_SETTINGS[TOKEN_ENV]
    assert svc["mock-psc"].environment[TOKEN_ENV] == svc["provision"].environment[TOKEN_ENV] == token
    assert compose.variables()[TOKEN_ENV] is None, "required: a default would be a token everybody knows"


def _container_view(service: compose.Service, root: Path) -> None:
    """Copy the service's bind mounts from the repo to where the container sees them, under ``root``."""
    for source, target in service.mounts():
        if source.startswith("./"):
            destination = root / target.lstrip("/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(compose.repo_path(source), destination)


@pytest.mark.parametrize("psc_environment", ["mock", "sandbox"])
def test_provisioning_job_sees_valid_files_with_every_variable_it_needs(svc, tmp_path, psc_environment):
    """The job's mounts and environment are enough: the region loads with no missing variable, for the
    mock and for the sandbox (the switch is one environment variable)."""
    job = svc["provision"]
    _container_view(job, tmp_path)
    env = job.environment | {"SMUR_IAM_PSC_ENVIRONMENT": psc_environment}
    config = load_config(tmp_path / "config" / "realm", env=env)
    assert [r.realm for r in config.regions] == ["smur-grand-est"]
    assert config.deployment.psc.environment == psc_environment
    [region] = config.regions
    assert region.identityProvider.clientSecret.reveal() == USER_SETTINGS["PSC_CLIENT_SECRET_GRAND_EST"]
    smurtab = next(c for c in region.clients if c.clientId == "smurtab")
    assert smurtab.redirectUris == [env["SMURTAB_REDIRECT_URI"]]


def test_every_mount_exists_in_the_repository(svc, document):
    for service in svc.values():
        for source, target in service.mounts():
            if source.startswith("./"):
                path = compose.repo_path(source)
                assert path.exists() or path == jar_path(DEFAULT_MODULE_DIR), f"{service.name}: {source} missing"
            else:
                assert source in document.get("volumes", {}), f"{service.name}: undeclared volume {source}"
            assert target.startswith("/"), target


def test_environment_variables_are_settings_someone_reads(svc):
    realm_text = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "realm").glob("*.yaml"))
    code = "\n".join(p.read_text(encoding="utf-8") for d in PYTHON_SOURCES for p in (REPO / d).rglob("*.py"))
    for name in ("mock-psc", "provision", "smurtab"):
        for variable in svc[name].environment:
            assert f"${{env:{variable}" in realm_text or f'"{variable}"' in code, \
                f"{name}: nothing reads {variable} (not in realm/*.yaml nor the Python code)"
    assert set(svc["postgres"].environment) <= POSTGRES_IMAGE_VARIABLES


def test_every_setting_of_the_file_is_documented_in_the_readme():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## docker compose")
    section = text[start:text.find("\n## ", start + 1)]
    for name in compose.variables():
        assert f"`{name}`" in section, f"README's docker compose section does not document {name}"
    required = {name for name, default in compose.variables().items() if default is None}
    assert required == set(USER_SETTINGS), "the secrets and the PSC environment a user must give, and only them"


def test_the_python_image_builds_from_files_that_exist(svc):
    builds = {str(s.spec.get("build")) for s in svc.values() if "build" in s.spec}
    assert len(builds) == 1, "one image for the Python services"
    build = svc["mock-psc"].spec["build"]
    dockerfile = REPO / build["context"] / build["dockerfile"]
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), f"{dockerfile.name}: COPY {source} does not exist"
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert "mappers/psc-extension/target" in ignored and ".venv" in ignored
