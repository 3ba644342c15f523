"""`smur-iam demo`: the whole product on this machine, from nothing to a login you can try.

Starts the mock PSC and a real Keycloak (dev-file database), registers each
region's broker at the mock (the DataPass step), applies `realm/`, starts the
demo SMUR-T@b app (the tablet) and prints the tablet and phone URLs; keeps
everything up until Ctrl-C.

`python -m provisioning.demo register-mock-clients [DIR]` does the DataPass step
alone, against a mock PSC already running (docker-compose.yml's provisioning job).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

import click
import requests

from .apply import ApplySummary, apply_plan
from .config import ConfigInvalid, load_config
from .config.references import REFERENCE
from .keycloak_api import KeycloakAdmin, PasswordCredentials
from .plan import build_plan
from .psc_discovery import fetch_discovery
from .report import render_text

MOCK_REALM_PATH = "/auth/realms/esante-wallet"  # the mock's control API lives at the issuer's origin
# The mock's control token (mockpsc/control.py), given to the mock and to the provisioning job.
CONTROL_TOKEN_ENV = "SMUR_IAM_MOCK_CONTROL_TOKEN"
DEMO_PHONE = "demo-phone"  # where the shipped demo identities' e-CPS live (mockpsc/data/identities.yaml)

# register(client_id, secret, redirect_uris, post_logout_redirect_uris)
Register = Callable[[str, str, list[str], list[str]], None]
# What the demo made up and where it runs, for `smur-iam plan|drift|links` in another shell.
ENV_FILE_NAME = "smur-iam.env"


def demo_settings(mock_issuer: str, directory: Path, app_origin: str, kept: dict[str, str] | None = None) -> dict:
    """The deployment settings of a local demo; a PSC secret is made up when none is given, or taken
    from ``kept`` (the secrets an earlier run on the same data dir made up: `kept_secrets`)."""
    kept = kept or {}
    env = dict(os.environ)
    env["SMUR_IAM_PSC_ENVIRONMENT"] = "mock"
    env["SMUR_IAM_MOCK_PSC_ISSUER"] = mock_issuer
    # The tablet app the demo starts is the smurtab client's redirect target.
    env["SMURTAB_REDIRECT_URI"] = f"{app_origin}/callback"
    env["SMURTAB_ORIGIN"] = app_origin
    # The demo invents the secrets a region would get from PSC (DataPass) or its app teams, per referenced variable.
    for path in sorted(directory.glob("*.yaml")):
        for name in set(re.findall(r"\$\{env:([A-Z0-9_]*SECRET[A-Z0-9_]*)\}", path.read_text())):
            env.setdefault(name, kept.get(name) or secrets.token_urlsafe(24))
    return env


def kept_secrets(env_file: Path) -> dict[str, str]:
    """The secrets an earlier demo on this data dir made up, read back from its env file, so that a
    demo started again on it is the same deployment (its apply then has nothing to change)."""
    try:
        lines = env_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    kept = {}
    for line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # not a line write_env_file wrote
            continue
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            if "SECRET" in name and value:
                kept[name] = value
    return kept


def write_env_file(path: Path, demo_env: dict, directory: Path, admin_env: dict[str, str],
                   control_token: str | None) -> Path:
    """`export NAME=value` lines (shell-quoted), readable by this user only: Keycloak and its admin
    (``admin_env``: LocalStack.admin_env()), and every variable the files of ``directory`` read, as the
    demo set them (the PSC environment and the mock's issuer, the tablet's origin, the secrets it
    invented), plus the mock's control token."""
    variables = dict(admin_env)
    read = {m[2] for file in sorted(directory.glob("*.yaml")) for m in REFERENCE.finditer(file.read_text())
            if m[1] == "env"}
    variables |= {name: demo_env[name] for name in sorted(read) if demo_env.get(name)}
    if control_token:
        variables[CONTROL_TOKEN_ENV] = control_token
    text = ("# Written by `smur-iam demo`: load it with `. " + shlex.quote(str(path)) + "`, then run smur-iam\n"
            "# plan, drift or links against the demo. It holds the demo's secrets: readable by you only.\n"
            + "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items()))
    # Created 0600, and made 0600 if an earlier run left it otherwise, before the secrets go in.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def register_brokers(config, keycloak_url: str, register: Register) -> list[str]:
    """The DataPass step: each region's broker as a PSC client with its two redirect URIs. Returns the client ids."""
    registered = []
    for region in config.regions:
        idp = region.identityProvider
        if idp is None:
            continue
        if idp.clientSecret is None:  # tls_client_auth: PSC knows the client by its certificate's subject
            raise click.ClickException(
                f"region {region.realm} uses clientAuthMethod tls_client_auth: the demo and register-mock-clients "
                "register clients with a secret only (the mock's mTLS port and its client certificates: "
                "mockpsc/README.md); use client_secret_basic with the mock")
        broker = f"{keycloak_url.rstrip('/')}/realms/{region.realm}/broker/{idp.alias}/endpoint"
        register(idp.clientId, idp.clientSecret.reveal(), [broker], [f"{broker}/logout_response"])
        registered.append(idp.clientId)
    return registered


def mock_control_register(issuer: str, control_token: str | None = None) -> Register:
    """Registers clients through the mock's control API (`POST /__mock/clients`), wherever the mock runs.
    ``control_token``: the mock's, required when it serves public origins (docker-compose.yml)."""
    if not issuer.endswith(MOCK_REALM_PATH):
        raise click.ClickException(f"{issuer} is not a mock PSC issuer (expected …{MOCK_REALM_PATH})")
    url = issuer[: -len(MOCK_REALM_PATH)] + "/__mock/clients"
    headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}

    def register(client_id: str, secret: str, redirect_uris: list[str], post_logout: list[str]) -> None:
        response = requests.post(url, timeout=10, headers=headers, json={
            "client_id": client_id, "secret": secret, "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout})
        if response.status_code == 401:
            given = "the one given is refused" if control_token else "none given"
            raise click.ClickException(f"the mock PSC wants its control token ({given}): set {CONTROL_TOKEN_ENV} "
                                       f"to the token the mock printed at start or was started with")
        if response.status_code != 201:
            raise click.ClickException(f"the mock PSC refused client {client_id}: {response.status_code} "
                                       f"{response.text[:200]}")
    return register


def run_demo(directory: Path, keycloak_port: int | None, psc_auth_port: int, psc_wallet_port: int,
             data_dir: Path | None, app_port: int = 8090, topology: str = "single") -> None:
    """``topology`` "cluster": two Keycloak nodes on PostgreSQL behind HAProxy (runtime/cluster.py), reached
    at the balancer's HTTPS port (``keycloak_port``, default 8443) with the run's CA."""
    from .runtime.extension import ExtensionBuildError
    from .runtime.stack import CLUSTER, LocalStack, StackSpec

    if keycloak_port is None:
        keycloak_port = 8443 if topology == CLUSTER else 8080
    spec = StackSpec(data_dir=data_dir or Path(tempfile.mkdtemp(prefix="smur-iam-demo-")),
                     keycloak_port=keycloak_port, psc_auth_port=psc_auth_port, psc_wallet_port=psc_wallet_port,
                     tablet_port=app_port, topology=topology)
    try:
        stack = LocalStack(spec, progress=lambda line: click.echo(line, err=True))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on port {app_port} for the tablet app ({exc}): "
                                   f"choose another with --app-port") from None
    kept = kept_secrets(spec.data_dir / ENV_FILE_NAME)
    try:
        # Check the files before starting anything (no server yet: the issuer is only a placeholder).
        placeholder = f"http://127.0.0.1:{psc_auth_port}{MOCK_REALM_PATH}"
        try:
            load_config(directory, env=demo_settings(placeholder, directory, stack.tablet.origin, kept))
        except ConfigInvalid as exc:
            raise click.ClickException(f"{directory} is not valid:\n{exc}") from None
        try:
            stack.start()
        except ExtensionBuildError as exc:
            raise click.ClickException(str(exc)) from None
        keycloak, psc, app = stack.keycloak, stack.psc, stack.tablet

        demo_env = demo_settings(psc.issuer, directory, app.origin, kept)
        env_file = write_env_file((spec.data_dir / ENV_FILE_NAME).resolve(), demo_env, directory,
                                  stack.admin_env(), psc.control_token)
        config = load_config(directory, env=demo_env)
        register_brokers(config, keycloak.base_url, mock_control_register(psc.issuer, psc.control_token))
        ca_bundle = getattr(keycloak, "ca_bundle", None)  # the cluster's balancer: HTTPS with the run's CA
        api = KeycloakAdmin(keycloak.base_url, PasswordCredentials(keycloak.admin_username, keycloak.admin_password),
                            verify=str(ca_bundle) if ca_bundle else True)
        plan = build_plan(api, config, fetch_discovery(config.deployment.psc.selected))
        click.echo(render_text(plan).splitlines()[-1])  # the summary line; `smur-iam plan` shows the detail
        summary = ApplySummary()
        apply_plan(plan, summary=summary)
        click.echo(f"Applied {summary.changes} change(s) in {len(summary.realms)} realm(s) in "
                   f"{summary.seconds:.1f}s.", err=True)

        tablet_realm = _tablet_realm(config)
        stack.start_tablet(tablet_realm.realm)
        _print_howto(keycloak, psc, config, app, tablet_realm, env_file, directory)
        _wait_for_ctrl_c()
    finally:
        stack.stop()


def _tablet_realm(config):
    """The region the tablet app signs in to: Grand Est (the shipped demo staff) when present."""
    by_name = {region.realm: region for region in config.regions}
    return by_name.get("smur-grand-est") or config.regions[0]


def _print_howto(keycloak, psc, config, app, tablet_realm, env_file: Path, directory: Path) -> None:
    click.secho("\nReady. The seed procedure on two screens (see docs/walkthrough.en.md):", fg="green", bold=True)
    click.echo(f"  Tablet (SMUR-T@b, realm {tablet_realm.realm}): {app.origin}/")
    click.echo("    click 'Pro Santé Connect', type a national id with its 8:")
    for user in tablet_realm.users:
        click.echo(f"      {user.nationalId}  {user.firstName} {user.lastName} (pre-linked staff)")
    click.echo(f"  Phone (e-CPS app of the demo identities, PIN 1234): {psc.wallet_origin}/phone/{DEMO_PHONE}")
    click.echo("    accept the request, enter the PIN, pick the number the tablet shows")
    click.echo(f"  e-CPS activation (seed steps 3-10) on any phone page, e.g. {psc.wallet_origin}/phone/my-phone;")
    click.echo(f"    mails {psc.wallet_origin}/mailbox, SMS {psc.wallet_origin}/sms (899700123450 has no e-CPS "
               f"yet; not pre-linked, so the realm refuses its login)")
    click.echo(f"  The {len(config.regions)} realm(s): {keycloak.base_url}/realms/<realm>/account")
    click.echo(f"  Keycloak admin console: {keycloak.base_url}/admin/ "
               f"(user {keycloak.admin_username}, password {keycloak.admin_password})")
    ca_bundle = getattr(keycloak, "ca_bundle", None)
    if ca_bundle:
        nodes = ", ".join(node.base_url for node in keycloak.nodes)
        click.echo(f"  Cluster: HAProxy at {keycloak.base_url} before the nodes {nodes}; its certificate is signed")
        click.echo(f"    by this run's CA {ca_bundle} (a browser warns once; smur-iam gets it as SMUR_IAM_CA_BUNDLE)")
    click.echo(f"  smur-iam against the demo, from another shell: . {shlex.quote(str(env_file))}")
    where = shlex.quote(str(directory))
    click.echo(f"    then: smur-iam plan {where} | smur-iam drift {where} | "
               f"smur-iam links plan --region {tablet_realm.realm} --from <staff.csv>")
    click.echo("Ctrl-C stops the app, Keycloak and the mock PSC.")


def _wait_for_ctrl_c() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):
        pass


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m provisioning.demo")
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register-mock-clients",
                                   help="register each region's broker at the mock PSC (the DataPass step)")
    register.add_argument("directory", nargs="?", default="realm")
    register.add_argument("--keycloak-url", default=os.environ.get("SMUR_IAM_KEYCLOAK_URL", "http://127.0.0.1:8080"),
                          help="Keycloak as browsers reach it [env SMUR_IAM_KEYCLOAK_URL]")
    return parser


def main(argv: list[str] | None = None) -> int:
    """`python -m provisioning.demo register-mock-clients [DIR] [--keycloak-url URL]`"""
    args = parser().parse_args(argv)
    try:
        config = load_config(args.directory)
    except ConfigInvalid as exc:
        print(f"{args.directory} is not valid:\n{exc}", file=sys.stderr)
        return 1
    psc = config.deployment.psc
    if psc.environment != "mock":
        print(f"PSC environment '{psc.environment}': brokers are registered at ANS (DataPass); nothing to do.")
        return 0
    try:
        registered = register_brokers(config, args.keycloak_url, mock_control_register(
            psc.selected.issuer, os.environ.get(CONTROL_TOKEN_ENV) or None))
    except (click.ClickException, requests.RequestException) as exc:
        print(f"cannot register at the mock PSC: {exc}", file=sys.stderr)
        return 3
    print(f"registered at the mock PSC: {', '.join(registered)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
