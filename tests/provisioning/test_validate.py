"""Bad input is refused with file:line and field, exit code 1, and not one request sent."""
from __future__ import annotations

import socket
import threading

import pytest

from fixtures.realms import copy_realm_files, run_cli
from provisioning.config import ConfigInvalid


class ConnectionRecorder:
    """A TCP listener standing in for Keycloak: it only counts who connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def recorder():
    rec = ConnectionRecorder()
    yield rec
    rec.close()


@pytest.fixture
def files(tmp_path):
    return copy_realm_files(tmp_path, "t-validate")


# (description, old text, new text, expected substrings of the one error line)
MALFORMED = [
    ("yaml syntax", "displayName: SMUR Grand Est", "displayName: [SMUR Grand Est",
     ["smur-grand-est.yaml:", "YAML syntax error"]),
    ("unknown key", "  clientAuthMethod: client_secret_basic", "  clientAuthMetod: client_secret_basic",
     ["smur-grand-est.yaml:{LINE}:3", "identityProvider.clientAuthMetod", "unknown key", "clientAuthMethod"]),
    ("missing required", "  clientId: ${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}\n", "",
     ["identityProvider.clientId", "required field is missing"]),
    ("wrong type", "    type: public", "    type: [public]",
     ["clients[0].type", "smur-grand-est.yaml:{LINE}:5"]),
    ("wrong type bool", "    pkce: S256", "    pkce: 256",
     ["clients[0].pkce"]),
    ("rpps wrong length", '"899700218896"', '"8997002188"',
     ["users[0].nationalId", "smur-grand-est.yaml:{LINE}:5", "'8' followed by 11 digits (got 9"]),
    ("rpps luhn", '"899700218896"', '"899700218897"',
     ["users[0].nationalId", "fails its Luhn check digit"]),
    ("seed example fails luhn", '"899700218896"', '"810003111463"',
     ["users[0].nationalId", "RPPS 10003111463 fails its Luhn check digit"]),
    ("bare rpps", '"899700218896"', '"99700218896"',
     ["users[0].nationalId", "put", "'8' in front"]),
    ("unquoted national id", '"899700218896"', "899700218896",
     ["users[0].nationalId", "quoted string"]),
    ("unknown prefix", '"899700218896"', '"999700218896"',
     ["users[0].nationalId", "unknown type prefix '9'"]),
    ("secret in clear", "${env:PSC_CLIENT_SECRET_GRAND_EST}", "hunter2-hunter2",
     ["identityProvider.clientSecret", "must not be written in clear"]),
    ("undeclared token claim", "tokenClaims: [rpps, idnat]", "tokenClaims: [rpps, idnat, grade]",
     ["clients[0].tokenClaims[2]", "'grade' is not declared"]),
    ("wildcard redirect", "${env:SMURTAB_REDIRECT_URI:-http://127.0.0.1:8090/callback}", "'*'",
     ["clients[0]", "would accept any redirect"]),
    ("bad realm name", "realm: t-validate", "realm: SMUR Grand Est",
     ["smur-grand-est.yaml:{LINE}:1", "realm", "should match pattern"]),
    ("duplicate key", "displayName: SMUR Grand Est\n", "displayName: SMUR Grand Est\ndisplayName: Encore\n",
     ["displayName", "given twice"]),
    ("bad first-login policy", "firstLoginPolicy: deny", "firstLoginPolicy: email",
     ["identityProvider.firstLoginPolicy", "'deny'"]),
]


@pytest.mark.parametrize("old,new,expected", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_region_is_refused_before_any_request(files, recorder, old, new, expected):
    files.edit(old, new)
    line = files.region_file.read_text().split(new)[0].count("\n") + 1 if new else 0
    expected = [fragment.replace("{LINE}", str(line)) for fragment in expected]
    env = files.env | {"SMUR_IAM_KEYCLOAK_URL": recorder.url, "SMUR_IAM_ADMIN_USER": "admin",
                       "SMUR_IAM_ADMIN_PASSWORD": "unused", "SMUR_IAM_MOCK_PSC_ISSUER": recorder.url + "/psc/"}
    for command in ("validate", "plan", "apply"):
        result = run_cli(command, str(files.directory), env=env)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        error_lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
        assert len(error_lines) == 1, result.stderr
        for fragment in expected:
            assert fragment in error_lines[0], f"{fragment!r} not in {error_lines[0]!r}"
    assert recorder.connections == 0, "bad input must be refused before contacting any server"


def test_missing_secret_names_the_reference(files, recorder):
    env = {k: v for k, v in files.env.items() if k != "PSC_CLIENT_SECRET_GRAND_EST"}
    result = run_cli("apply", str(files.directory), env=env | {"SMUR_IAM_KEYCLOAK_URL": recorder.url,
                                                               "SMUR_IAM_ADMIN_USER": "admin",
                                                               "SMUR_IAM_ADMIN_PASSWORD": "x"})
    assert result.returncode == 1
    assert "identityProvider.clientSecret" in result.stderr
    assert "PSC_CLIENT_SECRET_GRAND_EST is not set" in result.stderr
    assert recorder.connections == 0


def test_every_error_is_reported_at_once(files):
    files.edit('"899700218896"', '"899700218897"')
    files.edit("type: public", "type: private")
    files.edit("  clientAuthMethod: client_secret_basic", "  clientAuthMethod: private_key_jwt")
    with pytest.raises(ConfigInvalid) as caught:
        files.load()
    fields = sorted(e.field for e in caught.value.errors)
    assert fields == ["clients[0].type", "identityProvider.clientAuthMethod", "users[0].nationalId"]
    assert all(e.line and e.column for e in caught.value.errors)


def test_secret_from_file_and_masked_repr(files, tmp_path):
    secret_file = tmp_path / "psc-secret"
    secret_file.write_text("from-a-file\n")
    files.edit("${env:PSC_CLIENT_SECRET_GRAND_EST}", f"${{file:{secret_file}}}")
    config = files.load()
    secret = config.regions[0].identityProvider.clientSecret
    assert secret.reveal() == "from-a-file"
    assert "from-a-file" not in repr(secret) and "from-a-file" not in str(config.regions[0])


def test_missing_deployment_file(files):
    (files.directory / "deployment.yaml").unlink()
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 1
    assert "deployment.yaml" in result.stderr and "missing" in result.stderr


def test_shipped_realm_directory_is_valid(files):
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 0, result.stderr
    assert "valid (1 realm(s): t-validate" in result.stdout
