"""End to end with tls_client_auth (RFC 8705): Keycloak authenticates to PSC with a client certificate.

A mock PSC of this module's own serves its mTLS port (its test CA signs the port's certificate and
the client certificate); a Keycloak of this module's own presents that certificate, as
`KeycloakServer(outgoing_tls=...)` starts it from deployment.yaml's `tlsClientAuth` (the session's
Keycloak presents none). The region is provisioned with `smur-iam apply`. Then the SMUR tablet's
login goes through PSC with the certificate; and is refused, with nothing created, when Keycloak
presents no certificate or one from another CA (the same server restarted: the keystore is
server-wide and read at start, so each case is one restart).
"""
from __future__ import annotations

import html
import re
import stat

import pytest
from keycloak import KeycloakAdmin as OracleAdmin
from keycloak import KeycloakOpenIDConnection

from fixtures.mtls_files import PEM_SETTINGS, deployment_settings, pem_files, region_uses_tls
from fixtures.realms import copy_realm_files, run_cli
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.server import MockPSC
from mockpsc.testing import Phone, wallet_login
from mockpsc.tlsca import TestCA
from provisioning.config.client_certificate import from_pem
from provisioning.runtime.distribution import KeycloakDistribution
from provisioning.runtime.extension import psc_extension_jar
from provisioning.runtime.keycloak import KeycloakServer, free_port
from provisioning.runtime.outgoing_tls import KEYSTORE_NAME, KEYSTORE_OPTION, KEYSTORE_PASSWORD_ENV, OutgoingTls
from provisioning.runtime.process import group_members

# these tests start their own Keycloak (no `keycloak` fixture): out of the fast lane
pytestmark = pytest.mark.keycloak

LINKED = "899700218896"  # pre-linked in realm/smur-grand-est.yaml, a shipped identity of the mock (PIN 1234)
REALM = "t-mtls-e2e"


@pytest.fixture(scope="module")
def tls_psc(tmp_path_factory):
    with MockPSC(tls_port=0, tls_dir=tmp_path_factory.mktemp("psc-tls")) as psc:
        yield psc


class MtlsKeycloak:
    """One Keycloak for the module, restarted (same data dir, realm kept) when a test needs other material."""

    def __init__(self, data_dir, outgoing_tls: OutgoingTls):
        # Fixed ports: the broker's redirect URI registered at PSC names this server's.
        self.server = KeycloakServer(KeycloakDistribution(), data_dir, providers=[psc_extension_jar().path],
                                     http_port=free_port(), management_port=free_port(), outgoing_tls=outgoing_tls)
        self.server.start()
        self.starts = 1

    def use(self, outgoing_tls: OutgoingTls) -> KeycloakServer:
        if self.server.outgoing_tls is not outgoing_tls:
            self.server.stop()
            self.server.outgoing_tls = outgoing_tls
            self.server.start()
            self.starts += 1
        return self.server


@pytest.fixture(scope="module")
def setup(tmp_path_factory, tls_psc):
    """The region applied with tls_client_auth; Keycloak started with the deployment's certificate."""
    certificate = tls_psc.issue_client_certificate("smur-keycloak")
    tmp = tmp_path_factory.mktemp("mtls-e2e")
    files = copy_realm_files(tmp, REALM)
    files.env["SMUR_IAM_MOCK_PSC_ISSUER"] = tls_psc.issuer
    pem_files(files, certificate.cert_path.read_bytes(), certificate.key_path.read_bytes(),
              tls_psc.ca_path.read_bytes())
    deployment_settings(files, PEM_SETTINGS)
    region_uses_tls(files)
    config = files.load()
    # What an admin's start script does: the selected PSC environment's certificate, to Keycloak.
    with_certificate = OutgoingTls.from_deployment(config.deployment)
    assert with_certificate.client.subject_dn == certificate.subject_dn

    keycloak = MtlsKeycloak(tmp / "keycloak", with_certificate)
    server = keycloak.server
    files.env |= {"SMUR_IAM_KEYCLOAK_URL": server.base_url, "SMUR_IAM_ADMIN_USER": server.admin_username,
                  "SMUR_IAM_ADMIN_PASSWORD": server.admin_password}
    # PSC's side of the registration: this client authenticates by the certificate's subject DN only.
    broker = f"{server.base_url}/realms/{REALM}/broker/psc/endpoint"
    tls_psc.register_client(files.psc_client_id, None, [broker], [f"{broker}/logout_response"],
                            auth_methods=["tls_client_auth"], tls_client_auth_subject_dn=certificate.subject_dn)
    result = run_cli("apply", str(files.directory), "--yes", env=files.env)
    assert result.returncode == 0, f"apply failed:\n{result.stdout}\n{result.stderr}"
    try:
        yield {"keycloak": keycloak, "files": files, "certificate": certificate, "with_certificate": with_certificate}
    finally:
        keycloak.server.stop()


def admin(server) -> OracleAdmin:
    return OracleAdmin(connection=KeycloakOpenIDConnection(
        server_url=server.base_url, username=server.admin_username, password=server.admin_password,
        realm_name=REALM, user_realm_name="master", client_id="admin-cli"))


def psc_login(server, psc):
    """The tablet's login through PSC (national id, push, PIN, number); the app's query or the page shown."""
    login = start_login(server, REALM, psc.wallet_origin)
    back = wallet_login(login.session, login.page, LINKED, phone=Phone(psc), pin="1234")
    assert "code=" in back.headers["Location"], back.headers["Location"]
    return login, follow_to_app(login.session, back)


def events_since(psc, seq: int, name: str, client_id: str) -> list[dict]:
    return [e for e in psc.log_entries(seq, name) if e.get("client_id") == client_id]


def http_since(psc, seq: int, origin: str, path_end: str) -> list[dict]:
    return [e for e in psc.log_entries(seq) if e["kind"] == "http" and e["origin"] == origin
            and e["path"].endswith(path_end)]


def realm_state(server) -> tuple[list[str], list[str]]:
    """Every account of the realm and every session of the pre-linked professional (the earlier test's stays)."""
    kc = admin(server)
    users = kc.get_users({})
    [linked] = [u for u in users if u["username"] == LINKED]
    return sorted(u["id"] for u in users), sorted(s["id"] for s in kc.get_sessions(linked["id"]))


def stored_events(server) -> list[dict]:
    return admin(server).connection.raw_get(f"admin/realms/{REALM}/events", max=100).json()


def assert_refused_and_nothing_created(server, login_result, before, events_before) -> None:
    """Keycloak's error page, one IDENTITY_PROVIDER_LOGIN_ERROR event, no account, no session."""
    assert not isinstance(login_result, dict), f"the app got a code without a usable client certificate: {login_result}"
    message = re.search(r'id="kc-error-message".*?<p[^>]*>(.*?)</p>', login_result.text, re.S)
    # 502 whether PSC answered with a refusal or the TLS handshake itself failed (never Keycloak's 500).
    assert login_result.status_code == 502 and message, (login_result.status_code, login_result.text[:1500])
    assert "Pro Santé Connect est injoignable" in html.unescape(message[1]), message[1]  # the smur theme, French
    assert 'data-smur-page="psc-unreachable"' in login_result.text
    assert realm_state(server) == before, "a refused login created an account or opened a session"
    seen = {e["id"] for e in events_before}
    new = [(e["type"], e.get("error"), e["clientId"]) for e in stored_events(server) if e["id"] not in seen]
    assert new == [("IDENTITY_PROVIDER_LOGIN_ERROR", "identity_provider_login_failure", "smurtab")], new


def test_login_through_psc_with_the_client_certificate(setup, tls_psc):
    server = setup["keycloak"].use(setup["with_certificate"])
    files, certificate = setup["files"], setup["certificate"]
    seq = tls_psc.log_entries()[-1]["seq"]

    login, result = psc_login(server, tls_psc)
    assert isinstance(result, dict) and "code" in result, f"no code for the app: {getattr(result, 'text', result)}"
    tokens = exchange_code(server, REALM, login, result["code"])
    claims = verified_claims(server, REALM, tokens["id_token"])
    assert claims["idnat"] == LINKED and claims["rpps"] == LINKED[1:]

    # Keycloak's token request: on the mTLS port, authenticated by the certificate, with no client_secret at all.
    [auth] = events_since(tls_psc, seq, "client.authenticated", files.psc_client_id)
    assert auth["method"] == "tls_client_auth" and auth["path"].endswith("/protocol/openid-connect/token")
    assert "client_secret" not in auth["parameters"] and "client_id" in auth["parameters"], auth["parameters"]
    assert auth["certificate_thumbprint"] == certificate.thumbprint
    assert [e["status"] for e in http_since(tls_psc, seq, "mtls", "/openid-connect/token")] == [200]
    assert http_since(tls_psc, seq, "auth", "/openid-connect/token") == [], "no token request off the mTLS port"
    assert len(events_since(tls_psc, seq, "tokens.issued", files.psc_client_id)) == 1

    # The access token PSC gave Keycloak is bound to the certificate (cnf x5t#S256), and Keycloak's
    # userinfo call presented that same certificate on the mTLS port, where the mock checks the binding.
    [served] = events_since(tls_psc, seq, "userinfo.served", files.psc_client_id)
    assert served["bound_to"] == certificate.thumbprint
    assert [e["status"] for e in http_since(tls_psc, seq, "mtls", "/openid-connect/userinfo")] == [200]


def test_the_keystore_password_is_not_on_keycloaks_command_line(setup):
    server = setup["keycloak"].use(setup["with_certificate"])
    password = server.start_environment()[KEYSTORE_PASSWORD_ENV]
    members = group_members(server.pgid)
    assert any(p.is_keycloak_jvm for p in members)
    assert all(password not in " ".join(p.cmdline) for p in members), "the keystore password shows in `ps`"
    keystore = server.data_dir / KEYSTORE_NAME
    assert any(f"{KEYSTORE_OPTION}={keystore}" in p.cmdline for p in members)
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600


def test_no_client_certificate_is_refused_and_creates_nothing(setup, tls_psc):
    only_trust = OutgoingTls(trusted_ca_pem=tls_psc.ca_path.read_bytes())
    server = setup["keycloak"].use(only_trust)
    files = setup["files"]
    before, events_before = realm_state(server), stored_events(server)
    seq = tls_psc.log_entries()[-1]["seq"]

    _, result = psc_login(server, tls_psc)
    assert_refused_and_nothing_created(server, result, before, events_before)
    [refusal] = events_since(tls_psc, seq, "client.auth_failed", files.psc_client_id)
    assert refusal["reason"] == "client authentication required"  # a client_id alone, no certificate, no secret
    assert events_since(tls_psc, seq, "tokens.issued", files.psc_client_id) == []


def test_a_certificate_from_another_ca_is_refused_and_creates_nothing(setup, tls_psc, tmp_path):
    # Same subject DN as the registered certificate: only the issuing CA differs.
    foreign = TestCA(tmp_path / "other-ca").client_certificate("smur-keycloak")
    assert foreign.subject_dn == setup["certificate"].subject_dn
    other_ca = OutgoingTls(from_pem(foreign.cert_path.read_bytes(), foreign.key_path.read_bytes()),
                           tls_psc.ca_path.read_bytes())
    server = setup["keycloak"].use(other_ca)
    files = setup["files"]
    before, events_before = realm_state(server), stored_events(server)
    seq = tls_psc.log_entries()[-1]["seq"]

    _, result = psc_login(server, tls_psc)
    assert_refused_and_nothing_created(server, result, before, events_before)
    # The TLS handshake failed: no request reached PSC's token endpoint, no token was issued.
    assert http_since(tls_psc, seq, "mtls", "/openid-connect/token") == []
    assert events_since(tls_psc, seq, "client.authenticated", files.psc_client_id) == []
    assert events_since(tls_psc, seq, "tokens.issued", files.psc_client_id) == []
