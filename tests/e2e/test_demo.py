"""The README's first command: `smur-iam demo` brings up the product, prints the tablet and phone
URLs, and a login works through the printed tablet app."""
from __future__ import annotations

import json
import os
import re
import stat

import pytest

from fixtures.demo_process import (READY, assert_stopped_cleanly, follow, interrupt, read_until, sourced,
                                   start_demo)
from fixtures.realms import REPO, run_cli
from mockpsc.testing import PhoneDevice, browser_session, fresh_national_id, wallet_login
from provisioning.runtime.keycloak import free_port

# `smur-iam demo` starts its own Keycloak (no `keycloak` fixture): out of the fast lane
pytestmark = pytest.mark.keycloak


def _secret_variables() -> set[str]:
    """The secrets the shipped files reference (the demo invents them)."""
    return {name for path in (REPO / "realm").glob("*.yaml")
            for name in re.findall(r"\$\{env:([A-Z0-9_]*SECRET[A-Z0-9_]*)\}", path.read_text(encoding="utf-8"))}


def test_demo_serves_the_tablet_app_and_the_phone_and_stops_cleanly(tmp_path):
    kc_port, auth_port, wallet_port, app_port = free_port(), free_port(), free_port(), free_port()
    data_dir = tmp_path / "demo-data"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMUR_IAM_", "PSC_CLIENT_", "SMURTAB_", "SMUR_BACKOFFICE_"))}
    process = start_demo(  # no secret given: the demo invents them, and shares them in its env file
        "--keycloak-port", str(kc_port), "--psc-auth-port", str(auth_port), "--psc-wallet-port", str(wallet_port),
        "--app-port", str(app_port), "--data-dir", str(data_dir), env=env)
    try:
        output = read_until(process, READY, timeout=300)
        text = "".join(output)
        assert "Ctrl-C stops" in text, text
        tablet, wallet = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{wallet_port}"
        assert f"Tablet (SMUR-T@b, realm smur-grand-est): {tablet}/" in text, text
        assert f"{wallet}/phone/demo-phone" in text, text
        assert "curl" not in text

        # The one line the demo prints loads what it invented and where it runs (0600, in its data directory):
        # `smur-iam plan` and `drift` then find every realm exactly as the demo applied it.
        env_file = (data_dir / "smur-iam.env").resolve()
        assert f"smur-iam against the demo, from another shell: . {env_file}\n" in text, text
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        shared = sourced(env_file)
        admin = json.loads((data_dir / "bootstrap-admin.json").read_text())
        assert shared["SMUR_IAM_KEYCLOAK_URL"] == f"http://127.0.0.1:{kc_port}"
        assert (shared["SMUR_IAM_ADMIN_USER"], shared["SMUR_IAM_ADMIN_PASSWORD"]) == \
            (admin["username"], admin["password"])
        assert shared["SMUR_IAM_PSC_ENVIRONMENT"] == "mock"
        assert shared["SMUR_IAM_MOCK_PSC_ISSUER"] == f"http://127.0.0.1:{auth_port}/auth/realms/esante-wallet"
        assert _secret_variables() <= set(shared) and len(_secret_variables()) == 36
        admin_env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_CACHE": str(tmp_path / "cache")} | shared
        plan = run_cli("plan", "realm", "--detailed-exitcode", env=admin_env)
        assert plan.returncode == 0, f"{plan.stdout}\n{plan.stderr}"
        assert "No changes: Keycloak matches the files (" in plan.stdout and " in 18 realm(s))" in plan.stdout
        drift = run_cli("drift", "realm", env=admin_env)
        assert drift.returncode == 0, f"{drift.stdout}\n{drift.stderr}"
        staff = tmp_path / "staff.csv"
        staff.write_text("national_id,first_name,last_name,group,roles\n"
                         f"{fresh_national_id()},Alex,MARTIN,SMUR 67 Strasbourg,medecin\n", encoding="utf-8")
        links = run_cli("links", "plan", "--region", "smur-grand-est", "--from", str(staff), env=admin_env)
        assert links.returncode == 0, f"{links.stdout}\n{links.stderr}"
        assert "+ 1 account(s) to create and link" in links.stdout, links.stdout

        # The printed tablet URL signs Camille in with the phone's answer, as the seed procedure does.
        session = browser_session()
        page = follow(session, session.get(f"{tablet}/login", allow_redirects=False, timeout=30))
        assert page.url.startswith(wallet), page.url
        back = wallet_login(session, page, "899700218896", phone=PhoneDevice(wallet, "demo-phone"), pin="1234")
        home = follow(session, back)
        assert home.url == f"{tablet}/" and 'id="connected"' in home.text, home.text[:500]
        assert "99700218896" in home.text and "CAMILLE DURAND" in home.text  # PSC's names (the file's only seeded)
    finally:
        interrupt(process, timeout=60)
    assert_stopped_cleanly(process, data_dir, "a Keycloak JVM")
