"""What docker-compose.yml's services run, run here without Docker: the mock PSC behind public
origins (a container listening on 0.0.0.0), the provisioning job's two steps against the real
Keycloak and the session's mock PSC, and the job and the tablet app's command lines against a local
cluster (the topology docker-compose.yml has: two nodes behind HAProxy's HTTPS URL, a run's CA)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

import compose_model as compose
from fixtures.demo_process import follow, read_until
from fixtures.realms import REPO, copy_realm_files, run_cli, unique_realm
from fixtures.tablet import follow_to_app, start_login
from mockpsc.control import TOKEN_ENV
from mockpsc.server import MockPSC
from mockpsc.settings import REALM_PATH
from mockpsc.testing import PhoneDevice, browser_session, emails, fresh_national_id, wallet_login
from provisioning.runtime.keycloak import free_port
from provisioning.runtime.process import terminate_group
from test_compose_file import USER_SETTINGS


def test_mock_psc_advertises_its_public_origins_not_the_bound_address():
    auth_port, wallet_port = free_port(), free_port()
    auth, wallet = f"http://psc-auth.localhost:{auth_port}", f"http://psc.localhost:{wallet_port}"
    with MockPSC(auth_port=auth_port, wallet_port=wallet_port, host="0.0.0.0",
                 public_auth_origin=auth + "/", public_wallet_origin=wallet) as psc:
        assert psc.issuer == auth + REALM_PATH and psc.wallet_origin == wallet
        discovery = requests.get(f"http://127.0.0.1:{auth_port}{REALM_PATH}/.well-known/wallet-openid-configuration",
                                 timeout=5).json()
        assert discovery["issuer"] == auth + REALM_PATH
        assert discovery["authorization_endpoint"] == f"{wallet}/auth"
        for key in ("token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
            assert discovery[key].startswith(auth + REALM_PATH + "/"), (key, discovery[key])

        # The activation e-mail's link (and QR code) leads to the public wallet origin.
        national_id = fresh_national_id()
        psc.add_identity(national_id, "ALEX", "MARTIN", email="alex.martin@ch-fictif.fr", mobile="0611223344")
        phone = PhoneDevice(f"http://127.0.0.1:{wallet_port}", "compose-phone")
        activation = phone.request_activation(national_id).json()
        assert phone.confirm_contacts(activation["id"]).status_code == 200
        assert emails(f"http://127.0.0.1:{wallet_port}", "alex.martin@ch-fictif.fr")[-1]["link"].startswith(
            f"{wallet}/ecps/activation?token=")


def test_mock_psc_command_line_takes_public_origins_and_refuses_a_path():
    auth_port, wallet_port = free_port(), free_port()
    command = [sys.executable, "-m", "mockpsc", "--host", "0.0.0.0", "--auth-port", str(auth_port),
               "--wallet-port", str(wallet_port), "--public-auth-origin", f"http://psc-auth.localhost:{auth_port}",
               "--public-wallet-origin", f"http://psc.localhost:{wallet_port}"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].split()[-1] == f"http://psc-auth.localhost:{auth_port}{REALM_PATH}"
        assert lines[2].split()[-1] == f"http://psc.localhost:{wallet_port}/auth"
    finally:
        process.terminate()
        process.wait(timeout=10)

    refused = subprocess.run([*command[:-1], "http://psc.localhost/wallet"], cwd=REPO, capture_output=True,
                             text=True, timeout=30)
    assert refused.returncode == 2
    assert "--public-wallet-origin" in refused.stderr and "no path" in refused.stderr


def test_mock_psc_on_public_origins_prints_its_control_token_or_takes_the_compose_one():
    auth_port, wallet_port = free_port(), free_port()
    command = [sys.executable, "-m", "mockpsc", "--host", "0.0.0.0", "--auth-port", str(auth_port),
               "--wallet-port", str(wallet_port), "--public-auth-origin", f"http://psc-auth.localhost:{auth_port}",
               "--public-wallet-origin", f"http://psc.localhost:{wallet_port}"]
    control = f"http://127.0.0.1:{auth_port}/__mock/clients"
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV} | {"PYTHONUNBUFFERED": "1"}
    for given in (None, "token-docker-compose-gave-0123"):
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env | ({TOKEN_ENV: given} if given else {}))
        try:
            lines = []
            while not lines or not lines[-1].startswith("Control API:"):
                lines.append(process.stdout.readline())
                assert lines[-1], f"the mock stopped: {process.stderr.read()}"
            [token_line] = [line for line in lines if line.startswith("Control token:")]
            token = token_line.split()[2]
            if given:
                assert token == "from" and TOKEN_ENV in token_line and given not in "".join(lines)
                token = given
            assert requests.get(control, timeout=5).status_code == 401
            assert requests.get(control, headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
    short = subprocess.run(command, cwd=REPO, env=env | {TOKEN_ENV: "short"}, capture_output=True, text=True,
                           timeout=30)
    assert short.returncode == 2 and TOKEN_ENV in short.stderr and "at least 16" in short.stderr


def test_provisioning_job_registers_at_a_public_mock_with_the_control_token(tmp_path):
    """docker-compose.yml's mock-psc (public origins, token from the environment) and its job."""
    token = "compose-control-token-0123456789"
    auth_port, wallet_port = free_port(), free_port()
    with MockPSC(auth_port=auth_port, wallet_port=wallet_port, public_auth_origin=f"http://127.0.0.1:{auth_port}",
                 public_wallet_origin=f"http://127.0.0.1:{wallet_port}", control_token=token) as psc:
        files = copy_realm_files(tmp_path, unique_realm("compose-token"))
        env = files.env | {"SMUR_IAM_MOCK_PSC_ISSUER": psc.issuer}
        refused = _register(files, env)
        assert refused.returncode == 3 and TOKEN_ENV in refused.stderr, refused.stderr
        assert psc.state.clients.get(files.psc_client_id) is None
        wrong = _register(files, env | {TOKEN_ENV: "not-the-token-0123456789"})
        assert wrong.returncode == 3 and "refused" in wrong.stderr and "not-the-token" not in wrong.stderr
        registered = _register(files, env | {TOKEN_ENV: token})
        assert registered.returncode == 0, registered.stderr
        assert psc.state.clients.get(files.psc_client_id).secret_matches(files.psc_client_secret)


def _job_env(files, keycloak, mock_psc) -> dict:
    """The provisioning job's environment in docker-compose.yml, pointed at this test's servers."""
    return files.env | {"SMUR_IAM_MOCK_PSC_ISSUER": mock_psc.issuer, "SMUR_IAM_KEYCLOAK_URL": keycloak.base_url,
                        "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
                        "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password}


def _register(files, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "provisioning.demo", "register-mock-clients", str(files.directory)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_provisioning_job_registers_the_broker_at_the_mock_then_applies_a_working_realm(tmp_path, keycloak, mock_psc,
                                                                                         mock_psc_phone):
    files = copy_realm_files(tmp_path, unique_realm("compose-job"))  # nobody registered its broker at the mock
    env = _job_env(files, keycloak, mock_psc)
    registered = _register(files, env)
    assert registered.returncode == 0, registered.stderr
    assert files.psc_client_id in registered.stdout
    client = mock_psc.state.clients.get(files.psc_client_id)
    broker = f"{keycloak.base_url}/realms/{files.realm}/broker/psc/endpoint"
    assert client.redirect_uris == (broker,) and client.post_logout_redirect_uris == (f"{broker}/logout_response",)
    assert client.secret_matches(files.psc_client_secret)

    applied = run_cli("apply", str(files.directory), "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    login = start_login(keycloak, files.realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, "899700218896", phone=mock_psc_phone)
    assert "code" in follow_to_app(login.session, back)


def test_provisioning_job_registers_nothing_for_the_sandbox(tmp_path, keycloak, mock_psc):
    files = copy_realm_files(tmp_path, unique_realm("compose-sandbox"))
    before = len(mock_psc.log_entries(event="client.registered"))
    result = _register(files, _job_env(files, keycloak, mock_psc) | {"SMUR_IAM_PSC_ENVIRONMENT": "sandbox"})
    assert result.returncode == 0, result.stderr
    assert "sandbox" in result.stdout and "nothing to do" in result.stdout
    assert len(mock_psc.log_entries(event="client.registered")) == before


def _with_options(argv: list[str], **values: str) -> list[str]:
    """``argv`` with the value of each `--name=value` word named in ``values`` replaced (every one must be there)."""
    out, seen = [], set()
    for word in argv:
        name = word[2:].partition("=")[0].replace("-", "_") if word.startswith("--") else None
        if name in values:
            out.append(f"--{name.replace('_', '-')}={values[name]}")
            seen.add(name)
        else:
            out.append(word)
    assert seen == set(values), f"not in the command line: {set(values) - seen}"
    return out


@pytest.mark.keycloak  # the session's cluster (fixtures/cluster.py): PostgreSQL, two Keycloak nodes, HAProxy
def test_the_job_and_the_tablet_app_sign_in_through_the_balancers_https_url_trusting_the_ca(tmp_path, cluster):
    """docker-compose.yml's provisioning job (its environment: SMUR_IAM_KEYCLOAK_URL, SMUR_IAM_CA_BUNDLE) and
    smurtab command line (--issuer, --ca-bundle), given a local cluster's balancer URL and CA instead of the
    containers': the realm is applied and a professional signs in to the tablet app, all through HTTPS."""
    stack, mock_psc = cluster, cluster.psc
    mock_psc_phone = PhoneDevice(mock_psc, "demo-phone")  # the demo identities' activated e-CPS
    app = None
    try:
        cluster = stack.keycloak
        services = compose.services(compose.interpolate(compose.load(), USER_SETTINGS))
        job_env = services["provision"].environment
        assert {"SMUR_IAM_KEYCLOAK_URL", "SMUR_IAM_CA_BUNDLE"} <= set(job_env)

        files = copy_realm_files(tmp_path, unique_realm("compose-cluster"))
        app_port = free_port()
        origin = f"http://127.0.0.1:{app_port}"
        env = _job_env(files, cluster, mock_psc) | {
            "SMUR_IAM_CA_BUNDLE": str(cluster.ca_bundle), "SMURTAB_REDIRECT_URI": f"{origin}/callback",
            "SMURTAB_ORIGIN": origin,
            # Set on many machines; the job's CA must win over it.
            "REQUESTS_CA_BUNDLE": requests.certs.where()}
        assert env["SMUR_IAM_KEYCLOAK_URL"].startswith("https://")
        registered = _register(files, env)
        assert registered.returncode == 0, registered.stderr
        applied = run_cli("apply", str(files.directory), "--yes", env=env, timeout=300)
        assert applied.returncode == 0, f"{applied.stdout}\n{applied.stderr}"

        command = services["smurtab"].command
        assert command[:3] == ["python", "-m", "demoapp"]
        argv = _with_options(command[3:], issuer=f"{cluster.base_url}/realms/{files.realm}",
                             ca_bundle=str(cluster.ca_bundle), host="127.0.0.1", port=str(app_port),
                             public_origin=origin)
        app = subprocess.Popen([sys.executable, "-m", "demoapp", *argv], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               env=os.environ | {"REQUESTS_CA_BUNDLE": requests.certs.where()})
        started = "".join(read_until(app, "Ctrl-C to stop", timeout=60))
        assert f"SMUR-T@b demo: {origin}/" in started, started

        session = browser_session()
        session.verify, session.trust_env = str(cluster.ca_bundle), False
        first = session.get(f"{origin}/login", allow_redirects=False, timeout=30)
        assert first.headers["Location"].startswith(f"{cluster.base_url}/realms/{files.realm}/"), first.headers
        page = follow(session, first)
        assert page.url.startswith(mock_psc.wallet_origin), page.url
        back = wallet_login(session, page, "899700218896", phone=mock_psc_phone)
        home = follow(session, back)
        assert home.url == f"{origin}/" and 'id="connected"' in home.text, home.text[:500]
    finally:
        if app is not None:
            terminate_group(app.pid, timeout=10)
            app.wait(timeout=10)
