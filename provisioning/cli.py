"""`smur-iam`: validate, plan and apply `realm/`; run the mock PSC and the local demo.

Exit codes: 0 done / in sync, 1 error (bad files, Keycloak refused a change),
2 changes pending (`plan --detailed-exitcode`), 3 Keycloak or PSC unreachable
or the admin credentials refused.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .config import ConfigInvalid, load_config
from .keycloak_api import ClientCredentials, KeycloakAdmin, KeycloakError, KeycloakUnavailable, PasswordCredentials
from .psc_discovery import PscDiscoveryError, fetch_discovery

EXIT_ERROR, EXIT_PENDING, EXIT_UNREACHABLE = 1, 2, 3


def _fail(message: str, code: int) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def _load(directory: str):
    try:
        return load_config(directory)
    except ConfigInvalid as exc:
        click.secho(f"{len(exc.errors)} error(s) in {directory}:", fg="red", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(EXIT_ERROR)


def _read_secret_file(path: str | None) -> str | None:
    return Path(path).read_text(encoding="utf-8").strip() if path else None


def target_options(func):
    """Where Keycloak is and who we are there; flags or SMUR_IAM_* environment variables."""
    options = [
        click.option("--server-url", envvar="SMUR_IAM_KEYCLOAK_URL", default="http://127.0.0.1:8080",
                     show_default=True, help="Keycloak base URL [env SMUR_IAM_KEYCLOAK_URL]"),
        click.option("--auth-realm", envvar="SMUR_IAM_AUTH_REALM", default="master", show_default=True,
                     help="realm of the admin credentials [env SMUR_IAM_AUTH_REALM]"),
        click.option("--client-id", envvar="SMUR_IAM_CLIENT_ID",
                     help="service-account client id (recommended) [env SMUR_IAM_CLIENT_ID]"),
        click.option("--client-secret-file", type=click.Path(exists=True, dir_okay=False),
                     help="file holding the client secret [or env SMUR_IAM_CLIENT_SECRET]"),
        click.option("--username", envvar="SMUR_IAM_ADMIN_USER",
                     help="admin user, when no service account [env SMUR_IAM_ADMIN_USER]"),
        click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
                     help="file holding the admin password [or env SMUR_IAM_ADMIN_PASSWORD]"),
        click.option("--ca-bundle", envvar="SMUR_IAM_CA_BUNDLE", type=click.Path(exists=True, dir_okay=False),
                     help="CA bundle to verify Keycloak's TLS certificate [env SMUR_IAM_CA_BUNDLE]"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _admin(server_url, auth_realm, client_id, client_secret_file, username, password_file, ca_bundle) -> KeycloakAdmin:
    # Secrets never come as flag values (they would show in `ps`): environment or files only.
    if client_id:
        secret = _read_secret_file(client_secret_file) or os.environ.get("SMUR_IAM_CLIENT_SECRET")
        if not secret:
            _fail("--client-id needs its secret in SMUR_IAM_CLIENT_SECRET or --client-secret-file", EXIT_ERROR)
        credentials = ClientCredentials(client_id, secret)
    elif username:
        password = _read_secret_file(password_file) or os.environ.get("SMUR_IAM_ADMIN_PASSWORD")
        if not password:
            _fail("--username needs its password in SMUR_IAM_ADMIN_PASSWORD or --password-file", EXIT_ERROR)
        credentials = PasswordCredentials(username, password)
    else:
        _fail("no admin credentials: give --client-id (service account) or --username "
              "(or SMUR_IAM_CLIENT_ID / SMUR_IAM_ADMIN_USER)", EXIT_ERROR)
    return KeycloakAdmin(server_url, credentials, auth_realm=auth_realm, verify=ca_bundle or True)


def _plan(directory, target):
    from .plan import build_plan

    config = _load(directory)
    api = _admin(**target)
    try:
        discovery = fetch_discovery(config.deployment.psc.selected)
    except PscDiscoveryError as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    try:
        return api, build_plan(api, config, discovery)
    except KeycloakUnavailable as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    except KeycloakError as exc:
        _fail(str(exc), EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Keycloak brokering Pro Santé Connect for SMUR apps: provisioning from realm/."""


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
def validate(directory):
    """Check the files without contacting any server; list every error with file:line:column."""
    config = _load(directory)
    click.echo(f"{directory}: valid ({len(config.regions)} realm(s): "
               f"{', '.join(r.realm for r in config.regions)}; PSC environment "
               f"'{config.deployment.psc.environment}')")


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@click.option("--json", "as_json", is_flag=True, help="machine-readable plan")
@click.option("--detailed-exitcode", is_flag=True, help="exit 2 when changes are pending, 0 when in sync")
def plan(directory, as_json, detailed_exitcode, **target):
    """Show what `apply` would change (read-only: GET requests only)."""
    from .report import render_json, render_text

    _, result = _plan(directory, target)
    click.echo(render_json(result) if as_json else render_text(result))
    if detailed_exitcode and not result.in_sync:
        sys.exit(EXIT_PENDING)


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation on a terminal")
def apply(directory, yes, **target):
    """Create what is missing and update what differs, exactly as the plan shows."""
    from .apply import apply_plan
    from .report import render_text

    api, result = _plan(directory, target)
    click.echo(render_text(result))
    if result.in_sync:
        return
    if sys.stdin.isatty() and not yes:
        click.confirm("Apply these changes?", abort=True)
    try:
        done = apply_plan(result, progress=lambda line: click.echo(line, err=True))
    except KeycloakUnavailable as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    except KeycloakError as exc:
        _fail(f"stopped: {exc}\nRe-run `smur-iam apply`: it continues from where Keycloak is now.", EXIT_ERROR)
    click.secho(f"Applied {done} change(s) ({api.write_count} write request(s)).", fg="green")


@main.command("mock-psc", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def mock_psc(ctx):
    """Run the mock Pro Santé Connect (same options as `python -m mockpsc`)."""
    from mockpsc.cli import main as mock_main

    sys.exit(mock_main(ctx.args))


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@click.option("--keycloak-port", default=8080, show_default=True)
@click.option("--psc-auth-port", default=8081, show_default=True)
@click.option("--psc-wallet-port", default=8082, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), help="keep Keycloak's database here (default: a new temp dir)")
def demo(directory, keycloak_port, psc_auth_port, psc_wallet_port, data_dir):
    """Run everything locally: mock PSC + real Keycloak, provisioned from DIRECTORY."""
    from .demo import run_demo

    run_demo(Path(directory), keycloak_port, psc_auth_port, psc_wallet_port, Path(data_dir) if data_dir else None)


if __name__ == "__main__":
    main()
