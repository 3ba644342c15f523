"""docker-compose.yml, checked without Docker: every service, port, volume, environment variable
and command it references exists in the repository, in the documented settings, or in the
Keycloak 26.7.3 distribution itself; and the topology is the local cluster's (runtime/cluster.py):
two Keycloak nodes with the options a local cluster node runs, behind the balancer's HTTPS URL."""
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
from provisioning.runtime.balancer import (ALIVE_BACKEND, BACKEND, COMPOSE_CERTIFICATE, COMPOSE_CERTIFICATE_DIR, COMPOSE_PORT,
                                           COMPOSE_PUBLIC_HOST)
from provisioning.runtime.cluster import KeycloakCluster
from provisioning.runtime.postgres import PostgresDatabase
from provisioning.runtime.run_ca import CA_FILE_NAME, SERVER_FILE_NAME
from provisioning.runtime.run_ca import parser as run_ca_parser

NODES = ("keycloak-a", "keycloak-b")
EXPECTED_SERVICES = {"postgres", "tls", *NODES, "balancer", "mock-psc", "provision", "smurtab"}
PUBLIC_URL = f"https://{COMPOSE_PUBLIC_HOST}:{COMPOSE_PORT}"  # the balancer: Keycloak's only URL
# Options whose values depend on where Keycloak runs; every other start option must be the local one.
DEPLOYMENT_OPTIONS = {"http-host", "http-port", "http-management-port", "db-url", "db-username", "hostname",
                      "cache-embedded-network-bind-address", "cache-embedded-network-bind-port"}
TLS_DIR = "/tls"  # where the tls job writes, and the services that trust its CA read
CA_BUNDLE = f"{TLS_DIR}/{CA_FILE_NAME}"
# A local cluster node's database (PostgreSQL on loopback); nothing is started.
LOCAL_DATABASE = PostgresDatabase("127.0.0.1", 54321, "keycloak", "keycloak", "not-used")
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
def keycloak_options() -> dict:
    """Option names `kc.sh build` and `kc.sh start` of the real 26.7.3 distribution accept (and, under
    "help", the two `--help-all` texts)."""
    home = KeycloakDistribution().ensure()
    java = resolve_java(None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")} | {"JAVA_HOME": str(java.home)}
    found, help_texts = {}, {}
    for command in ("build", "start"):
        result = subprocess.run([str(home / "bin" / "kc.sh"), command, "--help-all"], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        found[command] = set(re.findall(r"^--([a-z0-9][a-z0-9-]*)", result.stdout, re.MULTILINE))
        help_texts[command] = result.stdout
    assert {"db", "health-enabled"} <= found["build"] and {"db-url", "http-port", "cache"} <= found["start"]
    return found | {"help": help_texts}


def test_every_service_is_there_with_its_start_order(svc):
    assert EXPECTED_SERVICES <= set(svc)
    for service in svc.values():
        for needed, condition in service.spec.get("depends_on", {}).items():
            assert needed in svc, f"{service.name} depends on unknown service {needed}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in svc[needed].spec, f"{needed} has no healthcheck for {service.name}"
            elif condition["condition"] == "service_completed_successfully":
                assert svc[needed].spec.get("restart") == "no", f"{needed} must be a one-shot job"
    long_running = EXPECTED_SERVICES - {"provision", "tls"}
    assert all("healthcheck" in svc[name].spec for name in long_running)
    # As runtime/cluster.py starts them: node A (schema, bootstrap admin), then B, then the balancer.
    order = {"keycloak-a": {"postgres"}, "keycloak-b": {"postgres", "keycloak-a"},
             "balancer": {"tls", "keycloak-a", "keycloak-b"}, "provision": {"balancer", "mock-psc"},
             "smurtab": {"provision"}}
    for name, before in order.items():
        assert set(svc[name].spec["depends_on"]) == before, name


def test_keycloak_is_the_official_image_of_the_version_the_local_runtime_runs(svc):
    for name in NODES:
        assert svc[name].spec["image"] == f"quay.io/keycloak/keycloak:{DEFAULT_VERSION}"


def test_the_two_keycloak_nodes_are_one_definition_but_for_their_names(svc):
    """Same image, command, environment, mounts and health check, from the file's `x-keycloak-node`
    extension field (not two copies that could drift); only B's start waits for A."""
    raw = compose.load()
    definition = raw["x-keycloak-node"]
    for name in NODES:
        spec = {key: value for key, value in raw["services"][name].items() if key != "depends_on"}
        assert spec == definition, f"{name} adds to or changes x-keycloak-node: {set(spec) ^ set(definition)}"
        assert "ports" not in spec and "container_name" not in spec
    assert compose.COMPOSE_FILE.read_text(encoding="utf-8").count("<<: *keycloak-node") == len(NODES)
    a, b = (svc[name] for name in NODES)
    assert a.script_commands == b.script_commands and a.environment == b.environment


@pytest.fixture
def local_node(tmp_path) -> tuple[KeycloakCluster, list[str]]:
    """A local cluster as runtime/cluster.py wires it (not started) and its node A's start command."""
    cluster = KeycloakCluster(None, tmp_path, LOCAL_DATABASE)
    return cluster, cluster.nodes[0].start_command(Path("/opt/keycloak"))


def test_keycloak_build_and_start_options_are_a_local_cluster_nodes(svc, local_node):
    cluster, local = local_node
    for name in NODES:
        build, start = svc[name].script_commands
        assert build[:2] == ["/opt/keycloak/bin/kc.sh", "build"]
        assert build[2:] == list(cluster.nodes[0].build_options), \
            "build options differ from a local cluster node's (provisioning/runtime/keycloak.py, PostgreSQL)"

        assert start[:3] == local[:3] == ["/opt/keycloak/bin/kc.sh", "start", "--optimized"]
        ours, theirs = compose.options(start[3:]), compose.options(local[3:])
        assert set(ours) == set(theirs), \
            f"compose and a local cluster node start Keycloak with different options: {set(ours) ^ set(theirs)}"
        for option in set(ours) - DEPLOYMENT_OPTIONS:
            assert ours[option] == theirs[option], \
                f"{name} --{option}: compose {ours[option]!r}, local cluster node {theirs[option]!r}"
        assert ours["db-url"] == "jdbc:postgresql://postgres:5432/keycloak"
        assert ours["db-username"] == svc["postgres"].environment["POSTGRES_USER"]
        assert ours["http-host"] == "0.0.0.0"  # the compose network only: no port is published (below)
        # Keycloak's defaults, written out: the container's address on the network, port 7800.
        assert ours["cache-embedded-network-bind-address"] == "SITE_LOCAL"
        assert ours["cache-embedded-network-bind-port"] == "7800"


def test_the_cluster_options_are_cluster_ones_and_the_hostname_is_strict_on_the_balancer_url(svc, local_node):
    cluster, local = local_node
    theirs = compose.options(local)
    # What runtime/cluster.py makes of a node: ispn caches, jdbc-ping, strict hostname = its balancer's URL.
    assert theirs["hostname"] == cluster.balancer.public_url
    for name in NODES:
        ours = compose.options(svc[name].script_commands[1])
        assert (ours["cache"], ours["cache-stack"]) == ("ispn", "jdbc-ping")
        assert (ours["hostname-strict"], ours["proxy-headers"]) == ("true", "xforwarded")
        assert ours["hostname"] == PUBLIC_URL
    # ... and PUBLIC_URL is the balancer's: its alias, the port it publishes, the port HAProxy binds.
    balancer = svc["balancer"]
    assert COMPOSE_PUBLIC_HOST in balancer.aliases
    assert balancer.published == {COMPOSE_PORT: COMPOSE_PORT}
    assert re.search(rf"^    bind \S*:{COMPOSE_PORT} ssl crt ", compose.HAPROXY_CONFIG.read_text(encoding="utf-8"),
                     re.MULTILINE)
    assert re.search(rf"^    http-request set-header X-Forwarded-Port {COMPOSE_PORT}$",
                     compose.HAPROXY_CONFIG.read_text(encoding="utf-8"), re.MULTILINE)


def test_no_keycloak_port_is_published_only_the_balancers_https_port(svc):
    for name in NODES:
        assert not svc[name].published, f"{name} publishes {svc[name].published}: reach it through the balancer"
    published = {name: s.published for name, s in svc.items() if s.published}
    assert published["balancer"] == {COMPOSE_PORT: COMPOSE_PORT}
    keycloak_ports = {int(compose.options(svc[name].script_commands[1])[o]) for name in NODES
                      for o in ("http-port", "http-management-port")}
    assert not keycloak_ports & {host for ports in published.values() for host in ports.values()}


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
    for name in NODES:
        build, start = svc[name].script_commands
        for command, argv in (("build", build), ("start", start)):
            named = set(compose.options(argv[2:]))
            spi = {o for o in named if o.startswith(HTTP_CLIENT_SPI)}
            unknown = named - spi - keycloak_options[command] - {"optimized"}
            assert not unknown, f"kc.sh {command} has no option {sorted(unknown)}"
            unknown = {o for o in spi if o.removeprefix(HTTP_CLIENT_SPI) not in http_client_properties}
            assert not unknown, f"Keycloak's outgoing HTTP client has no property {sorted(unknown)}"
        for variable in svc[name].environment:
            assert variable.startswith("KC_"), variable
            option = variable[3:].lower().replace("_", "-")
            assert option in keycloak_options["start"], f"{variable}: Keycloak has no option --{option}"
    # SITE_LOCAL, the bind address written out, is the one Keycloak documents as its default.
    assert "By default, SITE_LOCAL is used." in " ".join(keycloak_options["help"]["start"].split())


def test_the_balancer_runs_the_generated_configuration_with_the_tls_jobs_certificate(svc):
    balancer = svc["balancer"]
    assert balancer.spec["image"].startswith("haproxy:")  # the official image (its version: test_compose_balancer)
    command = balancer.command
    config_path = command[command.index("-f") + 1]
    mounts = dict((target, source) for source, target in balancer.mounts())
    assert compose.repo_path(mounts[config_path]) == compose.HAPROXY_CONFIG
    assert mounts[COMPOSE_CERTIFICATE_DIR] == "tls" and f"tls:{COMPOSE_CERTIFICATE_DIR}:ro" in balancer.spec["volumes"]
    assert COMPOSE_CERTIFICATE == f"{COMPOSE_CERTIFICATE_DIR}/{SERVER_FILE_NAME}"
    # The key is 0600 and the tls job's: HAProxy runs as that job's user, the smur-iam image's.
    dockerfile = (REPO / "docker" / "smur-iam.Dockerfile").read_text(encoding="utf-8")
    [uid] = re.findall(r"useradd --system --uid (\d+) ", dockerfile)
    assert balancer.spec["user"] == f"{uid}:{uid}"
    assert re.search(rf"install -d -o smur -g smur -m 0755 {TLS_DIR}$", dockerfile, re.MULTILINE)


def test_the_balancer_checks_both_nodes_round_robin_without_stickiness_and_forwards_the_headers(svc):
    """docker/haproxy.cfg's essential settings (the generator's output: test_compose_balancer.py)."""
    text = compose.HAPROXY_CONFIG.read_text(encoding="utf-8")
    servers = re.findall(r"^    server (\S+) (\S+):(\d+) check port (\d+)$", text, re.MULTILINE)
    expected = []
    for name in NODES:
        options = compose.options(svc[name].script_commands[1])
        expected.append((name, name, options["http-port"], options["http-management-port"]))
    # Once checked for readiness, once for liveness (the fallback when none is ready).
    assert servers == expected * 2, "the balancer must send to, and health-check, each Keycloak service"
    backend = text[text.index(f"backend {BACKEND}\n"):text.index(f"backend {ALIVE_BACKEND}\n")]
    for line in ("balance roundrobin", "option httpchk GET /health/ready", "http-check expect status 200"):
        assert f"\n    {line}\n" in backend, line
    assert "\n    option httpchk GET /health/live\n" in text[text.index(f"backend {ALIVE_BACKEND}\n"):]
    assert f"\n    use_backend {ALIVE_BACKEND} if {{ nbsrv({BACKEND}) lt 1 }}\n" in text
    assert not re.search(r"^\s*(cookie|stick|stick-table|balance (source|uri|hdr))\b", text, re.MULTILINE)
    assert re.search(rf"^    bind :{COMPOSE_PORT} ssl crt {re.escape(COMPOSE_CERTIFICATE)}$", text, re.MULTILINE)
    for header in ("X-Forwarded-Proto https", "X-Forwarded-Host %[req.hdr(host)]", f"X-Forwarded-Port {COMPOSE_PORT}"):
        assert f"\n    http-request set-header {header}\n" in text, header
    assert "\n    option forwardfor\n" in text


def test_every_service_that_calls_keycloak_uses_the_balancers_https_url_and_trusts_the_run_ca(svc):
    """The provisioning job (smur-iam's variables) and the tablet app (--issuer, --ca-bundle) call Keycloak,
    through the balancer only; the mock PSC never calls it (browsers carry its answers to Keycloak)."""
    tls = svc["tls"]
    assert tls.command[:3] == ["python", "-m", "provisioning.runtime.run_ca"]
    job = run_ca_parser().parse_args(tls.command[3:])
    assert str(job.directory) == TLS_DIR and job.host == [COMPOSE_PUBLIC_HOST]
    assert tls.mounts() == [("tls", TLS_DIR)] and tls.spec["restart"] == "no"

    job_env = svc["provision"].environment
    assert job_env["SMUR_IAM_KEYCLOAK_URL"] == PUBLIC_URL and job_env["SMUR_IAM_CA_BUNDLE"] == CA_BUNDLE
    app = demoapp_parser().parse_args(svc["smurtab"].command[3:])
    assert app.issuer.startswith(f"{PUBLIC_URL}/realms/") and app.ca_bundle == CA_BUNDLE
    for name in ("provision", "smurtab"):
        assert f"tls:{TLS_DIR}:ro" in svc[name].spec["volumes"], f"{name} must see the tls job's CA, read-only"
    # Nobody else names Keycloak: no node by its service name, no plain-HTTP URL.
    for service in svc.values():
        if service.name not in (*NODES, "balancer"):
            text = str(service.spec)
            assert not any(node in text for node in NODES), f"{service.name} bypasses the balancer"
    text = compose.COMPOSE_FILE.read_text(encoding="utf-8")
    assert "http://keycloak" not in text
    assert {f"{scheme}://{host}:{port}" for scheme, host, port in
            re.findall(r"(https?)://(keycloak[a-z0-9.-]*):(\d+)", text)} == {PUBLIC_URL}


def test_keycloak_mounts_the_extension_jar_the_local_build_makes(svc):
    jar = jar_path(DEFAULT_MODULE_DIR)
    for name in NODES:
        [(source, target)] = svc[name].mounts()
        assert compose.repo_path(source) == jar, "mount the JAR provisioning/runtime/extension.py builds"
        assert target == f"/opt/keycloak/providers/{jar.name}"
        [volume] = svc[name].spec["volumes"]
        assert volume["read_only"] and volume["bind"]["create_host_path"] is False  # a missing JAR is an error
    assert (DEFAULT_MODULE_DIR / "pom.xml").is_file()


def test_health_checks_ask_the_ports_the_services_listen_on(svc):
    for name in NODES:
        _, start = svc[name].script_commands
        management = compose.options(start)["http-management-port"]
        assert f"/dev/tcp/127.0.0.1/{management}" in " ".join(svc[name].spec["healthcheck"]["test"])
    [monitor_port] = re.findall(r"^frontend monitor\n    bind 127\.0\.0\.1:(\d+)$",
                                compose.HAPROXY_CONFIG.read_text(encoding="utf-8"), re.MULTILINE)
    balancer_check = " ".join(svc["balancer"].spec["healthcheck"]["test"])
    assert f"/dev/tcp/127.0.0.1/{monitor_port}" in balancer_check and "GET /ready " in balancer_check
    auth_port = compose.options(svc["mock-psc"].command)["auth-port"]
    assert f"127.0.0.1:{auth_port}{REALM_PATH}/.well-known/wallet-openid-configuration" in \
        " ".join(svc["mock-psc"].spec["healthcheck"]["test"])
    app_port = compose.options(svc["smurtab"].command)["port"]
    assert f"127.0.0.1:{app_port}/" in " ".join(svc["smurtab"].spec["healthcheck"]["test"])


def test_every_local_url_is_the_same_inside_and_outside_the_containers(svc):
    """http(s)://<name>.localhost:<port>: an alias of the service that listens on that port, published as is."""
    [balancer_port] = re.findall(r"^    bind :(\d+) ssl ", compose.HAPROXY_CONFIG.read_text(encoding="utf-8"),
                                 re.MULTILINE)
    listening = {
        "balancer": int(balancer_port),
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
    assert app.ca_bundle == CA_BUNDLE

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
