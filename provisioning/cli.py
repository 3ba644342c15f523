"""`smur-iam`: validate, plan, apply, drift and export `realm/`; report on sign-ins; run the mock PSC and the demo.

Exit codes: 0 done / in sync, 1 error (bad files, Keycloak refused a change,
the server changed since the plan, another apply holds the realm), 2 changes
pending (`plan --detailed-exitcode`) or drift found (`drift`), 3 Keycloak or
PSC unreachable or the admin credentials refused.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from .config import ConfigInvalid, load_config
from .keycloak_api import KeycloakAdmin, KeycloakError, KeycloakUnavailable
from .links.cli import links
from .psc_discovery import PscDiscoveryError, fetch_discovery, load_discovery
from .target import AdminTarget, TargetError, target_options

EXIT_ERROR, EXIT_PENDING, EXIT_UNREACHABLE = 1, 2, 3


def _fail(message: str, code: int) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def _load(directory: str, realms=()):
    try:
        config = load_config(directory, realms=realms or None)
    except ConfigInvalid as exc:
        _report_invalid(directory, exc)
    _warn(config.warnings)
    return config


def _warn(warnings) -> None:
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def _report_invalid(directory, exc: ConfigInvalid):
    click.secho(f"{len(exc.errors)} error(s) in {directory}:", fg="red", err=True)
    for error in exc.errors:
        click.echo(f"  {error}", err=True)
    sys.exit(EXIT_ERROR)


def _admin(target: AdminTarget) -> KeycloakAdmin:
    try:
        return target.admin()
    except TargetError as exc:
        _fail(str(exc), EXIT_ERROR)


def realm_option(func):
    return click.option("--realm", "realms", multiple=True, metavar="REALM",
                        help="only this realm (repeatable), and only its secrets are read; "
                             "default: every region file")(func)


def _discovery(config, offline: bool = False, fresh: bool = False):
    """PSC's endpoints: `apply` reads them fresh; read-only commands fall back to the cached document."""
    environment = config.deployment.psc.selected
    try:
        if fresh:
            return fetch_discovery(environment)
        discovery, note = load_discovery(environment, offline=offline)
    except PscDiscoveryError as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    if note:
        click.secho(f"note: {note}", fg="yellow", err=True)
    return discovery


def _plan(directory, target, realms=(), options=None, offline=False, fresh_discovery=False):
    """Load, then plan; every failure becomes its exit code. Returns (api, config, discovery, plan)."""
    from .ownership import OwnershipRecordError
    from .plan import PlanOptions, UnknownRealm, build_plan

    config = _load(directory, realms)
    api = _admin(target)
    discovery = _discovery(config, offline=offline, fresh=fresh_discovery)
    try:
        return api, config, discovery, build_plan(api, config, discovery, list(realms) or None,
                                                  options or PlanOptions())
    except KeycloakUnavailable as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    except (KeycloakError, OwnershipRecordError, UnknownRealm, PscDiscoveryError) as exc:
        _fail(str(exc), EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Keycloak brokering Pro Santé Connect for SMUR apps: provisioning from realm/."""


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@click.option("--no-secrets", is_flag=True,
              help="check secret references without reading them (a machine that does not hold the secrets)")
@realm_option
def validate(directory, no_secrets, realms):
    """Check the files without contacting any server; list every error with file:line:column."""
    try:
        config = load_config(directory, resolve_secrets=not no_secrets, realms=realms or None)
    except ConfigInvalid as exc:
        _report_invalid(directory, exc)
    _warn(config.warnings)
    others = " (the other region files were not checked)" if realms else ""
    click.echo(f"{directory}: valid ({len(config.regions)} realm(s): "
               f"{', '.join(r.realm for r in config.regions)}; PSC environment "
               f"'{config.deployment.psc.environment}'){others}")


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@realm_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable plan")
@click.option("--detailed-exitcode", is_flag=True, help="exit 2 when changes are pending, 0 when in sync")
@click.option("--out", "plan_file", type=click.Path(dir_okay=False),
              help="save the plan for `apply --plan-file` (holds no secret)")
@click.option("--prune-unmanaged", is_flag=True, help="also delete objects made by hand (reads every object)")
@click.option("--offline", is_flag=True, help="use the cached PSC discovery document; never contact PSC")
@click.option("-v", "--verbose", is_flag=True, help="show every field of the objects to create")
def plan(directory, realms, as_json, detailed_exitcode, plan_file, prune_unmanaged, offline, verbose, target):
    """Show what `apply` would change (read-only: GET requests only)."""
    from .plan import PlanOptions
    from .planfile import save_plan
    from .report import render_json, render_text

    _, _, _, result = _plan(directory, target, realms, PlanOptions(prune_unmanaged=prune_unmanaged), offline)
    click.echo(render_json(result) if as_json else render_text(result, verbose=verbose))
    if plan_file:
        save_plan(result, Path(plan_file), Path(directory))
        click.echo(f"Plan saved to {plan_file}: `smur-iam apply --plan-file {plan_file}` applies exactly this "
                   "plan, and refuses if the files or Keycloak change meanwhile.", err=True)
    if detailed_exitcode and not result.in_sync:
        sys.exit(EXIT_PENDING)


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@realm_option
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation on a terminal")
@click.option("--plan-file", type=click.Path(exists=True, dir_okay=False),
              help="apply a plan saved by `plan --out`; refused if the files or Keycloak changed since")
@click.option("--prune-unmanaged", is_flag=True, help="also delete objects made by hand")
@click.option("--lock-timeout", type=float, default=60.0, show_default=True, envvar="SMUR_IAM_LOCK_TIMEOUT",
              help="seconds to wait while another apply holds a realm (0: fail at once)")
@click.option("-v", "--verbose", is_flag=True, help="show every field of the objects to create")
def apply(directory, realms, yes, plan_file, prune_unmanaged, lock_timeout, verbose, target):
    """Create, update and delete exactly as the plan shows, then summarise."""
    from .apply import ApplySummary, PlanOutdated, apply_plan
    from .lock import LockBusy, LockLost
    from .plan import PlanOptions
    from .planfile import PlanFileError, SavedPlan
    from .report import render_text

    saved = None
    options = PlanOptions(prune_unmanaged=prune_unmanaged)
    if plan_file:
        try:
            saved = SavedPlan(Path(plan_file))
        except PlanFileError as exc:
            _fail(str(exc), EXIT_ERROR)
        options, realms = saved.options, saved.realms
    api, _, _, result = _plan(directory, target, realms, options, fresh_discovery=True)
    if saved:
        try:
            saved.check(result)
        except PlanFileError as exc:
            _fail(str(exc), EXIT_ERROR)
    click.echo(render_text(result, verbose=verbose))
    if result.in_sync:
        click.echo("Nothing to apply.")
        return
    if sys.stdin.isatty() and not yes and not saved:
        click.confirm("Apply these changes?", abort=True)
    # SIGTERM unwinds like Ctrl-C, so the realm's apply lock is released on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    summary = ApplySummary()
    writes_before = api.write_count
    progress = _Progress(result.pending_count)
    try:
        apply_plan(result, progress=progress, lock_timeout=lock_timeout, summary=summary,
                   on_wait=lambda realm, holder: click.echo(
                       f"realm {realm}: waiting for the apply of {holder.describe()} ...", err=True))
    except KeycloakUnavailable as exc:
        _fail(f"stopped: {exc}", EXIT_UNREACHABLE)
    except (KeycloakError, PlanOutdated, LockBusy, LockLost) as exc:
        _fail(f"stopped after {summary.changes} change(s): {exc}\n"
              "Re-run `smur-iam apply`: it plans from where Keycloak is now.", EXIT_ERROR)
    except (KeyboardInterrupt, SystemExit):
        click.secho(f"\ninterrupted after {summary.changes} change(s); re-run `smur-iam apply` to finish "
                    "(it converges from where Keycloak is now).", fg="red", err=True)
        sys.exit(130)
    finally:
        progress.close()
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)
    click.secho(f"Applied {summary.changes} change(s) in {len(summary.realms)} realm(s): {summary.created} created, "
                f"{summary.updated} updated, {summary.deleted} deleted ({api.write_count - writes_before} write "
                f"request(s), {summary.seconds:.1f}s).", fg="green")


class _Progress:
    """A progress bar on a terminal, one line per change otherwise (logs, CI)."""

    def __init__(self, total: int):
        self.bar = None
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(length=total, label="applying", file=sys.stderr, show_pos=True,
                                         item_show_func=lambda text: text)
            self.bar.__enter__()

    def __call__(self, done, total, realm, change):
        text = f"{change.action} {realm}: {change.kind} '{change.key}'"
        if self.bar is not None:
            self.bar.current_item = text
            self.bar.update(1)
        else:
            click.echo(f"[{done}/{total}] {text}", err=True)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@realm_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable report")
@click.option("--offline", is_flag=True, help="use the cached PSC discovery document; never contact PSC")
def drift(directory, realms, as_json, offline, target):
    """For a cron: name everything changed by hand in Keycloak since the last apply (exit 2 if any)."""
    from .drift import find_drift, render_drift_json, render_drift_text
    from .plan import PlanOptions

    _, _, _, result = _plan(directory, target, realms, PlanOptions(full_inventory=True), offline)
    reports = find_drift(result)
    click.echo(render_drift_json(reports) if as_json else render_drift_text(reports))
    if any(r.drifted for r in reports):
        sys.exit(EXIT_PENDING)


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@click.option("--realm", "realms", multiple=True, metavar="REALM",
              help="realm to export (repeatable); default: every region of DIRECTORY")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="write <realm>.yaml files here")
@click.option("--force", is_flag=True, help="overwrite existing files in --out")
def export(directory, realms, out_dir, force, target):
    """Write the live state of realms as region files (normalised, defaults stripped)."""
    from .export import ExportError, export_realms

    api = _admin(target)
    try:
        exported = export_realms(api, Path(directory), list(realms))
    except KeycloakUnavailable as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    except (KeycloakError, ExportError) as exc:
        _fail(str(exc), EXIT_ERROR)
    for item in exported:
        for warning in item.warnings:
            click.secho(f"warning: realm {item.realm}: {warning}", fg="yellow", err=True)
        if out_dir:
            path = Path(out_dir) / f"{item.realm}.yaml"
            if path.exists() and not force:
                _fail(f"{path} exists: pass --force to overwrite it", EXIT_ERROR)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item.text, encoding="utf-8")
            click.echo(f"wrote {path}", err=True)
        else:
            click.echo(item.text)


@main.command("report")
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@target_options
@click.option("--realm", "realms", multiple=True, metavar="REALM",
              help="realm to report on (repeatable); default: every region of DIRECTORY")
@click.option("--since", default="24h", show_default=True, metavar="DURATION",
              help="the window, up to now: 30m, 24h, 7d (events are kept 30 days)")
@click.option("--json", "as_json", is_flag=True,
              help="machine-readable report (its format: provisioning/login_report.py)")
def login_report(directory, realms, since, as_json, target):
    """Per region realm: PSC logins, distinct professionals and refused sign-ins by reason, from the events the
    realm stores (read-only). The admin credentials need only the role view-events of each realm."""
    from .login_report import ReportError, build_report, parse_since, render_json, render_text

    try:
        parse_since(since)  # a bad --since is an error before any request
    except ReportError as exc:
        raise click.BadParameter(str(exc), param_hint="'--since'") from None
    api = _admin(target)
    try:
        result = build_report(api, Path(directory), list(realms), since)
    except ReportError as exc:
        _fail(str(exc), EXIT_UNREACHABLE if exc.forbidden else EXIT_ERROR)
    except KeycloakUnavailable as exc:
        _fail(str(exc), EXIT_UNREACHABLE)
    except KeycloakError as exc:
        _fail(str(exc), EXIT_ERROR)
    for realm in result.missing:
        click.secho(f"warning: realm '{realm}' (region file in {directory}) does not exist on {api.server_url}: "
                    "skipped", fg="yellow", err=True)
    click.echo(render_json(result) if as_json else render_text(result))


@main.command()
@click.option("--out", "out_dir", default="realm/schema", show_default=True, type=click.Path(file_okay=False))
@click.option("--check", is_flag=True, help="exit 1 if the published schema differs from the model")
def schema(out_dir, check):
    """Write the JSON Schema of the files (editor completion), generated from the model that validates them."""
    from .config.schema import schema_files

    stale = []
    for name, text in schema_files().items():
        path = Path(out_dir) / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")
    if stale:
        _fail(f"out of date (run `smur-iam schema --out {out_dir}`): {', '.join(stale)}", EXIT_ERROR)


@main.command("mock-psc", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def mock_psc(ctx):
    """Run the mock Pro Santé Connect (same options as `python -m mockpsc`)."""
    from mockpsc.cli import main as mock_main

    sys.exit(mock_main(ctx.args))


@main.command()
@click.argument("directory", default="realm", type=click.Path(file_okay=False))
@click.option("--keycloak-port", type=int, help="Keycloak's port (single: 8080; cluster: the balancer's HTTPS, 8443)")
@click.option("--topology", type=click.Choice(["single", "cluster"]), default="single", show_default=True,
              help="single: one Keycloak on H2; cluster: two Keycloak nodes on PostgreSQL behind HAProxy with TLS")
@click.option("--psc-auth-port", default=8081, show_default=True)
@click.option("--psc-wallet-port", default=8082, show_default=True)
@click.option("--app-port", default=8090, show_default=True, help="port of the demo SMUR-T@b app (the tablet)")
@click.option("--data-dir", type=click.Path(file_okay=False), help="keep Keycloak's database here (default: a new temp dir)")
def demo(directory, keycloak_port, topology, psc_auth_port, psc_wallet_port, app_port, data_dir):
    """Run everything locally: mock PSC + real Keycloak provisioned from DIRECTORY + the demo tablet app."""
    from .demo import run_demo

    run_demo(Path(directory), keycloak_port, psc_auth_port, psc_wallet_port, Path(data_dir) if data_dir else None,
             app_port=app_port, topology=topology)


main.add_command(links)


if __name__ == "__main__":
    main()
