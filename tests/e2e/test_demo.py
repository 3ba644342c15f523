"""The README's first command: `smur-iam demo` brings up the product, prints the tablet and phone
URLs, and a login works through the printed tablet app."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urljoin

from fixtures.realms import REPO, run_cli
from mockpsc.testing import PhoneDevice, browser_session, wallet_login
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


def _secret_variables() -> set[str]:
    """The secrets the shipped files reference (the demo invents them; the test gives its own)."""
    return {name for path in (REPO / "realm").glob("*.yaml")
            for name in re.findall(r"\$\{env:([A-Z0-9_]*SECRET[A-Z0-9_]*)\}", path.read_text(encoding="utf-8"))}


def _follow(session, response, hops: int = 20):
    for _ in range(hops):
        if response.status_code not in (301, 302, 303):
            return response
        response = session.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False,
                               timeout=30)
    raise AssertionError("too many redirects")


def test_demo_serves_the_tablet_app_and_the_phone_and_stops_cleanly(tmp_path):
    kc_port, auth_port, wallet_port, app_port = free_port(), free_port(), free_port(), free_port()
    data_dir = tmp_path / "demo-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMUR_IAM_", "PSC_CLIENT_", "SMURTAB_"))}
    secrets_env = {name: uuid.uuid4().hex for name in _secret_variables()}  # so the test can plan afterwards
    process = subprocess.Popen(
        [sys.executable, "-m", "provisioning.cli", "demo", "--keycloak-port", str(kc_port),
         "--psc-auth-port", str(auth_port), "--psc-wallet-port", str(wallet_port), "--app-port", str(app_port),
         "--data-dir", str(data_dir)],
        cwd=REPO, env=env | secrets_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        output = _read_until(process, "Ctrl-C stops", timeout=300)
        text = "".join(output)
        assert "Ctrl-C stops" in text, text
        tablet, wallet = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{wallet_port}"
        assert f"Tablet (SMUR-T@b, realm smur-grand-est): {tablet}/" in text, text
        assert f"{wallet}/phone/demo-phone" in text, text
        assert "curl" not in text

        # The realm the tablet uses is applied and in sync: `smur-iam plan` finds nothing to do.
        admin = json.loads((data_dir / "bootstrap-admin.json").read_text())
        plan_env = env | secrets_env | {
            "SMUR_IAM_PSC_ENVIRONMENT": "mock",
            "SMUR_IAM_MOCK_PSC_ISSUER": f"http://127.0.0.1:{auth_port}/auth/realms/esante-wallet",
            "SMUR_IAM_KEYCLOAK_URL": f"http://127.0.0.1:{kc_port}", "SMUR_IAM_ADMIN_USER": admin["username"],
            "SMUR_IAM_ADMIN_PASSWORD": admin["password"], "SMURTAB_REDIRECT_URI": f"{tablet}/callback",
            "SMURTAB_ORIGIN": tablet, "SMUR_IAM_CACHE": str(tmp_path / "cache")}
        plan = run_cli("plan", "realm", "--realm", "smur-grand-est", "--detailed-exitcode", env=plan_env)
        assert plan.returncode == 0, f"{plan.stdout}\n{plan.stderr}"

        # The printed tablet URL signs Camille in with the phone's answer, as the seed procedure does.
        session = browser_session()
        page = _follow(session, session.get(f"{tablet}/login", allow_redirects=False, timeout=30))
        assert page.url.startswith(wallet), page.url
        back = wallet_login(session, page, "899700218896", phone=PhoneDevice(wallet, "demo-phone"), pin="1234")
        home = _follow(session, back)
        assert home.url == f"{tablet}/" and 'id="connected"' in home.text, home.text[:500]
        assert "99700218896" in home.text and "CAMILLE DURAND" in home.text  # PSC's names (the file's only seeded)
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
