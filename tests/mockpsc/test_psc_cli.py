"""`python -m mockpsc` and `mockpsc.cli.main`."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from mockpsc.cli import main

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_main_reports_a_bad_identities_file(tmp_path, capsys):
    bad = tmp_path / "ids.yaml"
    bad.write_text('- {national_id: "899700218897", given_name: A, family_name: B}\n', encoding="utf-8")
    assert main(["--identities", str(bad), "--auth-port", "0", "--wallet-port", "0"]) == 2
    assert str(bad) in capsys.readouterr().err


def test_python_m_mockpsc_serves_until_interrupted(tmp_path):
    clients = tmp_path / "clients.yaml"
    clients.write_text("clients:\n- client_id: kc\n  secret: s\n  redirect_uris: [http://a/cb]\n", encoding="utf-8")
    auth_port, wallet_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockpsc", "--clients", str(clients),
         "--auth-port", str(auth_port), "--wallet-port", str(wallet_port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        issuer = f"http://127.0.0.1:{auth_port}/auth/realms/esante-wallet"
        assert lines[0].split()[-1] == issuer
        assert lines[1].split()[-1] == issuer + "/.well-known/wallet-openid-configuration"
        assert lines[2].split()[-1] == f"http://127.0.0.1:{wallet_port}/auth"
        assert requests.get(lines[1].split()[-1], timeout=5).json()["issuer"] == issuer
        assert requests.get(f"http://127.0.0.1:{auth_port}/__mock/clients", timeout=5).json()[0]["client_id"] == "kc"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
