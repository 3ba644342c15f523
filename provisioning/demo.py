"""`smur-iam demo`: the whole product on this machine, from nothing to a login you can try.

Starts the mock PSC and a real Keycloak (dev-file database), registers each
region's broker at the mock (the DataPass step), applies `realm/`, prints the
URLs, and keeps everything up until Ctrl-C.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import tempfile
import threading
from pathlib import Path

import click

from .apply import ApplySummary, apply_plan
from .config import ConfigInvalid, load_config
from .keycloak_api import KeycloakAdmin, PasswordCredentials
from .plan import build_plan
from .psc_discovery import fetch_discovery
from .report import render_text


def _demo_env(mock_issuer: str, directory: Path) -> dict:
    """The deployment settings of a local demo; a PSC secret is made up when none is given."""
    env = dict(os.environ)
    env["SMUR_IAM_PSC_ENVIRONMENT"] = "mock"
    env["SMUR_IAM_MOCK_PSC_ISSUER"] = mock_issuer
    # The demo invents the secrets a region would get from PSC (DataPass) or its app teams, per referenced variable.
    for path in sorted(directory.glob("*.yaml")):
        for name in set(re.findall(r"\$\{env:([A-Z0-9_]*SECRET[A-Z0-9_]*)\}", path.read_text())):
            env.setdefault(name, secrets.token_urlsafe(24))
    return env


def run_demo(directory: Path, keycloak_port: int, psc_auth_port: int, psc_wallet_port: int,
             data_dir: Path | None) -> None:
    from mockpsc.server import MockPSC

    from .runtime.distribution import KeycloakDistribution
    from .runtime.extension import ExtensionBuildError, psc_extension_jar
    from .runtime.keycloak import KeycloakServer

    # Check the files before starting anything (no server yet: the issuer is only a placeholder).
    placeholder = f"http://127.0.0.1:{psc_auth_port}/auth/realms/esante-wallet"
    try:
        load_config(directory, env=_demo_env(placeholder, directory))
    except ConfigInvalid as exc:
        raise click.ClickException(f"{directory} is not valid:\n{exc}") from None

    try:
        extension = psc_extension_jar()  # the PSC mapper provider; Maven runs only if its sources changed
    except ExtensionBuildError as exc:
        raise click.ClickException(str(exc)) from None

    psc = MockPSC(auth_port=psc_auth_port, wallet_port=psc_wallet_port).start()
    click.echo(f"mock PSC: issuer {psc.issuer}, wallet {psc.wallet_origin}", err=True)
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="smur-iam-demo-"))
    keycloak = KeycloakServer(KeycloakDistribution(), data_dir=data_dir, http_port=keycloak_port,
                              providers=[extension.path])
    try:
        click.echo(f"starting Keycloak (data in {data_dir}, log {keycloak.log_path}) ...", err=True)
        keycloak.start()
        click.echo(f"Keycloak ready in {keycloak.build_seconds + keycloak.start_seconds:.1f}s "
                   f"(build {keycloak.build_seconds:.1f}s, start {keycloak.start_seconds:.1f}s)", err=True)

        env = _demo_env(psc.issuer, directory)
        config = load_config(directory, env=env)
        for region in config.regions:
            idp = region.identityProvider
            if idp is None:
                continue
            broker = f"{keycloak.base_url}/realms/{region.realm}/broker/{idp.alias}/endpoint"
            psc.register_client(idp.clientId, idp.clientSecret.reveal(), redirect_uris=[broker],
                                post_logout_redirect_uris=[f"{broker}/logout_response"])
        api = KeycloakAdmin(keycloak.base_url, PasswordCredentials(keycloak.admin_username, keycloak.admin_password))
        plan = build_plan(api, config, fetch_discovery(config.deployment.psc.selected))
        click.echo(render_text(plan).splitlines()[-1])  # the summary line; `smur-iam plan` shows the detail
        summary = ApplySummary()
        apply_plan(plan, summary=summary)
        click.echo(f"Applied {summary.changes} change(s) in {len(summary.realms)} realm(s) in "
                   f"{summary.seconds:.1f}s.", err=True)

        _print_howto(keycloak, psc, config)
        _wait_for_ctrl_c()
    finally:
        keycloak.stop()
        psc.stop()


def _print_howto(keycloak, psc, config) -> None:
    click.secho("\nReady. Try a PSC login through Keycloak:", fg="green", bold=True)
    for region in config.regions:
        click.echo(f"  {region.realm}: {keycloak.base_url}/realms/{region.realm}/account "
                   f"(click 'Pro Santé Connect')")
        for user in region.users:
            click.echo(f"    pre-linked staff: {user.firstName} {user.lastName}, national id {user.nationalId}")
    click.echo("  Demo e-CPS identities and PINs: mockpsc/data/identities.yaml")
    click.echo(f"  The tablet page shows a number; approve the push as the phone would:\n"
               f"    curl '{psc.wallet_origin}/phone/api/pushes?national_id=899700218896'\n"
               f"    curl -X POST -H 'Content-Type: application/json' -d '{{\"pin\":\"<PIN>\",\"number\":\"<NN>\"}}' "
               f"'{psc.wallet_origin}/phone/api/pushes/<id>/approve'")
    click.echo(f"  Keycloak admin console: {keycloak.base_url}/admin/ "
               f"(user {keycloak.admin_username}, password {keycloak.admin_password})")
    click.echo("Ctrl-C stops Keycloak and the mock PSC.")


def _wait_for_ctrl_c() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        pass
