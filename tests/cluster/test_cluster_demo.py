"""`smur-iam demo --topology cluster`: the product on the production topology, and a login through it.

The demo starts PostgreSQL, two Keycloak nodes and HAProxy (runtime/cluster.py), applies the
configuration through the balancer's HTTPS URL (here Grand Est alone: tests/e2e/test_demo.py applies
the 18 regions, and every apply is the same code whatever the topology), and the printed tablet app signs a professional in with
PSC through it; Ctrl-C then leaves no process behind (HAProxy, the JVMs, PostgreSQL). Started again on
the same --data-dir, it finds its database, its admin and its realm: nothing to apply.
"""
from __future__ import annotations

import os
import re

import pytest

from fixtures.demo_process import READY, assert_stopped_cleanly, follow, interrupt, read_until, sourced, start_demo
from fixtures.realms import copy_realm_files, run_cli
from mockpsc.testing import PhoneDevice, browser_session, wallet_login
from provisioning.runtime.keycloak import free_port

pytestmark = pytest.mark.keycloak  # the demo starts its own Keycloak nodes


def test_cluster_demo_signs_in_through_the_balancer_and_stops_everything(tmp_path):
    lb_port, auth_port, wallet_port, app_port = free_port(), free_port(), free_port(), free_port()
    data_dir = tmp_path / "demo-data"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMUR_IAM_", "PSC_CLIENT_", "SMURTAB_", "SMUR_BACKOFFICE_"))}
    env["SMUR_IAM_CACHE"] = os.environ.get("SMUR_IAM_CACHE", "")  # the session's Keycloak build, if one is set
    if not env["SMUR_IAM_CACHE"]:
        del env["SMUR_IAM_CACHE"]
    config = copy_realm_files(tmp_path, "smur-grand-est").directory  # the shipped region, its name kept
    args = (str(config), "--topology", "cluster", "--keycloak-port", str(lb_port), "--psc-auth-port", str(auth_port),
            "--psc-wallet-port", str(wallet_port), "--app-port", str(app_port), "--data-dir", str(data_dir))
    process = start_demo(*args, env=env)
    try:
        text = "".join(read_until(process, READY, timeout=480))
        assert "Ctrl-C stops" in text, text
        public, tablet, wallet = f"https://127.0.0.1:{lb_port}", f"http://127.0.0.1:{app_port}", \
            f"http://127.0.0.1:{wallet_port}"
        assert re.search(r"Keycloak cluster ready at " + re.escape(public), text), text
        ca_bundle = data_dir / "tls" / "run-ca.pem"
        assert f"by this run's CA {ca_bundle}" in text, text

        shared = sourced((data_dir / "smur-iam.env").resolve())
        assert shared["SMUR_IAM_KEYCLOAK_URL"] == public and shared["SMUR_IAM_CA_BUNDLE"] == str(ca_bundle)
        admin_env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_CACHE": str(tmp_path / "cache")} | shared
        plan = run_cli("plan", str(config), "--detailed-exitcode", env=admin_env)
        assert plan.returncode == 0, f"{plan.stdout}\n{plan.stderr}"
        assert " in 1 realm(s))" in plan.stdout

        # The tablet app, its browser and Keycloak's redirects all go through the balancer's HTTPS URL.
        session = browser_session()
        session.verify = str(ca_bundle)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE, if set, would override session.verify
        first = session.get(f"{tablet}/login", allow_redirects=False, timeout=30)
        assert first.headers["Location"].startswith(f"{public}/realms/smur-grand-est/"), first.headers
        page = follow(session, first)
        assert page.url.startswith(wallet), page.url
        back = wallet_login(session, page, "899700218896", phone=PhoneDevice(wallet, "demo-phone"), pin="1234")
        home = follow(session, back)
        assert home.url == f"{tablet}/" and 'id="connected"' in home.text, home.text[:500]
        assert "CAMILLE DURAND" in home.text
    finally:
        interrupt(process, timeout=90)
    assert_stopped_cleanly(process, data_dir, "HAProxy, a Keycloak JVM or PostgreSQL")

    # The same command again: the PostgreSQL cluster, the admin and the realm are found as left.
    process = start_demo(*args, env=env)
    try:
        text = "".join(read_until(process, READY, timeout=480))
        assert "Applied 0 change(s)" in text, text
        again = sourced((data_dir / "smur-iam.env").resolve())
        assert again["SMUR_IAM_ADMIN_PASSWORD"] == shared["SMUR_IAM_ADMIN_PASSWORD"]
        plan = run_cli("plan", str(config), "--detailed-exitcode", env=admin_env | again)
        assert plan.returncode == 0, f"{plan.stdout}\n{plan.stderr}"
    finally:
        interrupt(process, timeout=90)
    assert_stopped_cleanly(process, data_dir, "HAProxy, a Keycloak JVM or PostgreSQL")
