"""The README's first command: `smur-iam demo` brings up the product and a login works through it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

from fixtures.realms import REPO
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import Phone, wallet_login
from provisioning.runtime.keycloak import free_port
from provisioning.runtime.process import group_members


def _read_until(process: subprocess.Popen, marker: str, timeout: float) -> list[str]:
    lines: list[str] = []
    done = threading.Event()

    def reader():
        for line in process.stdout:
            lines.append(line)
            if marker in line:
                done.set()
                return
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    done.wait(timeout)
    return lines


def test_demo_serves_a_psc_login_and_stops_cleanly(tmp_path):
    kc_port, auth_port, wallet_port = free_port(), free_port(), free_port()
    data_dir = tmp_path / "demo-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMUR_IAM_", "PSC_CLIENT_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "provisioning.cli", "demo", "--keycloak-port", str(kc_port),
         "--psc-auth-port", str(auth_port), "--psc-wallet-port", str(wallet_port), "--data-dir", str(data_dir)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output = _read_until(process, "Ctrl-C stops", timeout=300)
        text = "".join(output)
        assert "Ctrl-C stops" in text, text
        assert f"http://127.0.0.1:{kc_port}/realms/smur-grand-est/account" in text
        assert "Plan: 13 change(s)." in text

        keycloak = SimpleNamespace(base_url=f"http://127.0.0.1:{kc_port}")
        wallet = f"http://127.0.0.1:{wallet_port}"
        login = start_login(keycloak, "smur-grand-est", wallet)
        back = wallet_login(login.session, login.page, "899700218896", phone=Phone(wallet), pin="1234")
        result = follow_to_app(login.session, back)
        assert isinstance(result, dict) and "code" in result, result
        claims = verified_claims(keycloak, "smur-grand-est", exchange_code(keycloak, "smur-grand-est", login,
                                                                           result["code"])["id_token"])
        assert claims["rpps"] == "99700218896"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0
    time.sleep(0.5)
    assert group_members(process.pid) == [], "the demo left processes in its group"
    assert _processes_mentioning(str(data_dir)) == [], "a Keycloak JVM of the demo is still running"


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if text.encode() in handle.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found
