"""tls_client_auth on the mTLS port: the mock's test CA, client certificates,
certificate-bound access tokens (RFC 8705)."""
import socket
import ssl

import pytest
import requests

from mockpsc.server import MockPSC
from mockpsc.tlsca import TestCA

from psc_helpers import MEDECIN, RelyingParty, query_of


@pytest.fixture(scope="module")
def tls_psc():
    with MockPSC(tls_port=0) as psc:
        yield psc


@pytest.fixture
def mtls_rp(tls_psc):
    cert = tls_psc.issue_client_certificate("smur-keycloak-mtls")
    client_id = "mtls-" + cert.thumbprint[:8]
    redirect_uri = "http://127.0.0.1:9/cb"
    tls_psc.register_client(client_id, None, [redirect_uri], auth_methods=["tls_client_auth"],
                            tls_client_auth_subject_dn=cert.subject_dn)
    return RelyingParty(tls_psc, client_id, "", redirect_uri, ""), cert


def exchange(psc, rp, code, cert, **extra):
    return requests.post(psc.mtls_endpoint("token"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier, "client_id": rp.client_id, **extra},
        cert=cert, verify=str(psc.ca_path), timeout=5)


def test_discovery_lists_the_mtls_aliases(tls_psc):
    doc = requests.get(tls_psc.discovery_url, timeout=5).json()
    aliases = doc["mtls_endpoint_aliases"]
    assert aliases["token_endpoint"] == tls_psc.mtls_endpoint("token")
    assert aliases["userinfo_endpoint"].startswith("https://") and "tls_client_auth" in doc[
        "token_endpoint_auth_methods_supported"]


def test_tls_client_auth_issues_certificate_bound_tokens(tls_psc, mtls_rp):
    rp, cert = mtls_rp
    pair = (str(cert.cert_path), str(cert.key_path))
    code = query_of(rp.login(MEDECIN).headers["Location"])["code"]
    response = exchange(tls_psc, rp, code, pair)
    assert response.status_code == 200, response.text
    access = response.json()["access_token"]
    assert rp.verify(access).claims["cnf"] == {"x5t#S256": cert.thumbprint}
    bearer = {"Authorization": f"Bearer {access}"}
    assert requests.get(tls_psc.mtls_endpoint("userinfo"), headers=bearer, cert=pair, verify=str(tls_psc.ca_path),
                        timeout=5).status_code == 200
    # Without the certificate the bound token is worthless.
    assert requests.get(tls_psc.endpoint("userinfo"), headers=bearer, timeout=5).status_code == 401
    other = tls_psc.issue_client_certificate("someone-else")
    assert requests.get(tls_psc.mtls_endpoint("userinfo"), headers=bearer, verify=str(tls_psc.ca_path), timeout=5,
                        cert=(str(other.cert_path), str(other.key_path))).status_code == 401


def test_wrong_certificate_or_none_is_invalid_client(tls_psc, mtls_rp):
    rp, _ = mtls_rp
    stranger = tls_psc.issue_client_certificate("not-the-registered-subject")
    code = query_of(rp.login(MEDECIN).headers["Location"])["code"]
    refused = exchange(tls_psc, rp, code, (str(stranger.cert_path), str(stranger.key_path)))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    no_cert = exchange(tls_psc, rp, code, None)
    assert no_cert.status_code == 401 and no_cert.json()["error"] == "invalid_client"


def test_a_certificate_of_another_ca_is_refused_at_the_handshake(tls_psc, mtls_rp, tmp_path):
    rp, _ = mtls_rp
    foreign = TestCA(tmp_path).client_certificate("smur-keycloak-mtls")
    # TLS 1.3: the server's refusal of the certificate shows as a dropped connection (or an SSLError).
    with pytest.raises(requests.exceptions.ConnectionError):
        exchange(tls_psc, rp, "x", (str(foreign.cert_path), str(foreign.key_path)))


def test_secret_clients_still_work_on_the_tls_port_and_mtls_is_per_client(tls_psc, mtls_rp):
    rp, cert = mtls_rp
    secret_rp_id = "secret-on-tls"
    tls_psc.register_client(secret_rp_id, "s3cret", ["http://127.0.0.1:9/cb"])
    answer = requests.post(tls_psc.mtls_endpoint("token"), data={"grant_type": "authorization_code", "code": "x",
                                                                 "redirect_uri": "http://127.0.0.1:9/cb"},
                           auth=(secret_rp_id, "s3cret"), verify=str(tls_psc.ca_path), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"  # authenticated, bad code
    # A secret client presenting a certificate is not thereby a tls_client_auth client.
    pair = (str(cert.cert_path), str(cert.key_path))
    as_tls = requests.post(tls_psc.mtls_endpoint("token"), data={"grant_type": "authorization_code", "code": "x",
                                                                 "client_id": secret_rp_id},
                           cert=pair, verify=str(tls_psc.ca_path), timeout=5)
    assert as_tls.status_code == 401


def test_the_server_certificate_is_signed_by_the_test_ca(tls_psc):
    context = ssl.create_default_context(cafile=str(tls_psc.ca_path))
    host, port = tls_psc.mtls_origin.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.getpeercert()["subject"]


def test_tls_is_off_by_default(mock_psc):
    assert mock_psc.mtls_origin == ""
    # The aliases are published anyway (PSC's document always has them): the plain origin's routes.
    aliases = requests.get(mock_psc.discovery_url, timeout=5).json()["mtls_endpoint_aliases"]
    assert aliases["token_endpoint"] == mock_psc.endpoint("token")
    with pytest.raises(RuntimeError):
        mock_psc.issue_client_certificate("x")
    assert requests.post(mock_psc.auth_origin + "/__mock/tls/client-certificates", json={"common_name": "x"},
                         timeout=5).status_code == 409
