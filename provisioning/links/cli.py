"""`smur-iam links plan|apply`: staff lists → accounts linked to PSC, for one region realm."""
from __future__ import annotations

import gc
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from ..keycloak_api import KeycloakError, KeycloakUnavailable
from ..resources.users import username_of
from ..target import AdminTarget, TargetError, target_options
from .apply import DEFAULT_BATCH, DEFAULT_UPDATE_WORKERS, DEFAULT_WORKERS, apply_links_plan
from .csv_source import SourceFormatError, read_csv
from .departments import departments_of
from .directory_source import NATIONAL_ID, read_directory
from .in_sync import InSyncLines
from .plan import CREDENTIALS, LinksPlan, build_links_plan
from .realm_state import LinksPreconditionError, StaffStatePrefetch, read_realm_state

EXIT_ERROR, EXIT_PENDING, EXIT_UNREACHABLE = 1, 2, 3
SHOWN = 20


def read_staff(path: Path, departments: str | None, region_code: str | None, national_ids_file: str | None,
               sandbox: bool):
    head = path.open("rb").readline().decode("utf-8-sig", errors="replace")
    if NATIONAL_ID not in head:
        return read_csv(path, sandbox=sandbox)
    wanted = None
    if departments:
        wanted = {d.strip() for d in departments.split(",") if d.strip()}
    if region_code:
        wanted = (wanted or set()) | departments_of(region_code)
    ids = None
    if national_ids_file:
        ids = {line.strip() for line in Path(national_ids_file).read_text(encoding="utf-8-sig").splitlines()
               if line.strip()}
    return read_directory(path, departments=wanted, national_ids=ids, sandbox=sandbox)


def render(plan: LinksPlan, source: str) -> str:
    lines = [f"staff links for realm {plan.realm} (identity provider '{plan.alias}'), "
             f"{plan.rows_read} row(s) read from {source}, {plan.state.requests} read request(s) "
             f"({plan.state.read_by})"]

    def section(symbol, title, items, describe):
        if not items:
            return
        lines.append(f"  {symbol} {len(items)} {title}")
        for item in items[:SHOWN]:
            lines.append(f"      {describe(item)}")
        if len(items) > SHOWN:
            lines.append(f"      ... and {len(items) - SHOWN} more (--json lists all)")

    section("+", "account(s) to create and link", plan.creates,
            lambda m: f"{m.national_id} {m.first_name} {m.last_name} ({m.where})")
    section("~", "account(s) to update", plan.updates, lambda u: f"{u.member.national_id}: " + ", ".join(
        [f.path for f in u.fields if f.path != CREDENTIALS] + (["+link"] if u.add_link else [])
        + (["adopt"] if u.adopt else []) + _credentials_text(u.credentials)
        + [f"+group {g}" for g in sorted(u.groups_add)] + [f"-group {g}" for g in sorted(u.groups_remove)]
        + [f"+role {r}" for r in sorted(u.roles_add)] + [f"-role {r}" for r in sorted(u.roles_remove)]))
    section("-", "leaver(s) to unlink", plan.removals,
            lambda r: f"{r.user['username']}" + (" (unlink)" if r.unlink else "") + (" (disable)" if r.disable else "")
            + (" (end online and offline sessions)" if r.unlink or r.disable else "")
            + "".join(f" ({text})" for text in _credentials_text(r.credentials)))
    lines.append(f"  = {plan.unchanged} unchanged")
    section("!", "conflict(s): fix the rows or pass --skip-conflicts", plan.conflicts, str)
    return "\n".join(lines)


def _credentials_text(types: list[str]) -> list[str]:
    # A staff account holds no credential (PSC is the only way in): any found is removed.
    return [f"-credentials {', '.join(types)}"] if types else []


def as_json(plan: LinksPlan) -> str:
    return json.dumps({
        "realm": plan.realm,
        "create": [m.national_id for m in plan.creates],
        "update": [{"nationalId": u.member.national_id, "fields": [f.path for f in u.fields], "addLink": u.add_link,
                    "adopt": u.adopt, "groupsAdd": sorted(u.groups_add), "groupsRemove": sorted(u.groups_remove),
                    "rolesAdd": sorted(u.roles_add), "rolesRemove": sorted(u.roles_remove),
                    "credentialsRemove": u.credentials} for u in plan.updates],
        "remove": [{"username": r.user["username"], "unlink": r.unlink, "disable": r.disable,
                    "endSessions": r.unlink or r.disable, "credentialsRemove": r.credentials} for r in plan.removals],
        "conflicts": [{"where": c.where, "nationalId": c.national_id, "message": c.message} for c in plan.conflicts],
        "unchanged": plan.unchanged,
    }, indent=2, ensure_ascii=False)


def _options(func):
    options = [
        click.option("--region", "realm", required=True, help="the region's realm, e.g. smur-grand-est"),
        click.option("--from", "source", required=True, type=click.Path(exists=True, dir_okay=False),
                     help="our staff CSV, or a PS_LibreAcces_Personne_activite extraction"),
        click.option("--departments", help="directory only: keep these départements (e.g. 67,68)"),
        click.option("--region-code", help="directory only: keep the départements of this INSEE region (e.g. 44)"),
        click.option("--national-ids", type=click.Path(exists=True, dir_okay=False),
                     help="directory only: keep the national ids listed in this file (one per line)"),
        click.option("--alias", default="psc", show_default=True, help="the PSC identity provider alias"),
        click.option("--disable-leavers", is_flag=True, help="also disable the accounts of people who left"),
        click.option("--verify-links", is_flag=True,
                     help="stock users API only: read every linked account's link (slower), not only those made by "
                          "hand (the staff-state endpoint always reads them all)"),
        click.option("--sandbox-ids", is_flag=True, help="accept ANS EDIT sandbox ids (no prefix, no Luhn)"),
    ]
    for option in reversed(options):
        func = option(func)
    return target_options(func)


@contextmanager
def cyclic_gc_paused():
    """Reading a national staff list and realm builds millions of small acyclic objects; Python's
    cyclic collector would walk them again and again as they pile up (measured when the state of
    100,000 users was one 31 MB JSON document: parsing it took 0.9-1.5 s with the collector, 0.24 s
    without). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The variable realm/deployment.yaml reads: links runs against realms provisioned for one PSC, so
# it needs the same explicit choice as plan and apply (no default, never the mock by omission).
PSC_ENVIRONMENT_VARIABLE = "SMUR_IAM_PSC_ENVIRONMENT"


def require_psc_environment() -> None:
    if not os.environ.get(PSC_ENVIRONMENT_VARIABLE):
        click.secho(f"{PSC_ENVIRONMENT_VARIABLE} is not set: choose mock, sandbox or production "
                    "(the PSC environment of realm/deployment.yaml)", fg="red", err=True)
        sys.exit(EXIT_ERROR)


def _plan(realm, source, departments, region_code, national_ids, alias, disable_leavers, verify_links,
          sandbox_ids, target):
    require_psc_environment()
    with cyclic_gc_paused():
        return _read_and_plan(realm, source, departments, region_code, national_ids, alias, disable_leavers,
                              verify_links, sandbox_ids, target)


def _read_and_plan(realm, source, departments, region_code, national_ids, alias, disable_leavers, verify_links,
                   sandbox_ids, target: AdminTarget):
    started = time.monotonic()
    try:
        api = target.admin()
    except TargetError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_ERROR)
    try:
        with StaffStatePrefetch(api, realm, alias) as prefetch:  # Keycloak works while the file is read
            staff = read_staff(Path(source), departments, region_code, national_ids, sandbox_ids)
    except (SourceFormatError, ValueError) as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_ERROR)
    groups, roles = staff.mentioned()
    expected = InSyncLines(staff, groups, roles)  # built while Keycloak may still be answering
    try:
        state = read_realm_state(api, realm, alias, groups, roles, verify_all_links=verify_links,
                                 prefetched=prefetch, expected=expected,
                                 listed={username_of(national_id) for national_id in staff.members})
    except LinksPreconditionError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_ERROR)
    except KeycloakUnavailable as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_UNREACHABLE)
    except KeycloakError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_ERROR)
    if state.fallback_reason:
        click.secho(f"warning: realm '{realm}': reading staff through the stock users API, slow for large realms "
                    f"(about 10 ms per user, and one more request per managed account for its credentials): "
                    f"{state.fallback_reason}", fg="yellow", err=True)
    plan = build_links_plan(staff, state, disable_leavers=disable_leavers)
    plan.read_seconds = time.monotonic() - started
    return api, plan


@click.group()
def links():
    """Staff accounts linked to their PSC identity, from staff lists (CSV or the RPPS directory)."""


@links.command("plan")
@_options
@click.option("--json", "json_output", is_flag=True, help="machine-readable plan")
@click.option("--detailed-exitcode", is_flag=True, help="exit 2 when changes are pending")
def plan_command(realm, source, departments, region_code, national_ids, alias, disable_leavers, verify_links,
                 sandbox_ids, json_output, detailed_exitcode, target):
    """Show what `links apply` would do (read-only)."""
    _, plan = _plan(realm, source, departments, region_code, national_ids, alias, disable_leavers,
                    verify_links, sandbox_ids, target)
    click.echo(as_json(plan) if json_output else render(plan, source))
    if plan.conflicts:
        sys.exit(EXIT_ERROR)
    if detailed_exitcode and plan.pending:
        sys.exit(EXIT_PENDING)


@links.command("apply")
@_options
@click.option("--skip-conflicts", is_flag=True, help="apply the other rows and leave conflicting ones alone")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, help="users per partialImport request (Keycloak's cost per user grows with the batch)")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, help="partialImport batches in flight")
@click.option("--update-workers", default=DEFAULT_UPDATE_WORKERS, show_default=True,
              help="one-user updates and unlinks in flight")
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation on a terminal")
def apply_command(realm, source, departments, region_code, national_ids, alias, disable_leavers, verify_links,
                  sandbox_ids, skip_conflicts, batch_size, workers, update_workers, yes, target):
    """Create, update and unlink accounts as the plan shows; refused while rows conflict."""
    api, plan = _plan(realm, source, departments, region_code, national_ids, alias, disable_leavers,
                      verify_links, sandbox_ids, target)
    click.echo(render(plan, source))
    if plan.conflicts and not skip_conflicts:
        click.secho(f"Refused: {len(plan.conflicts)} conflict(s); nothing was written. Fix them or pass "
                    "--skip-conflicts to apply the other rows.", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    if not plan.pending:
        click.echo("Nothing to do.")
        return
    if sys.stdin.isatty() and not yes:
        click.confirm("Apply these changes?", abort=True)
    started = time.monotonic()
    try:
        with click.progressbar(length=plan.pending, label="applying", file=sys.stderr) as bar:
            result = apply_links_plan(api, plan, batch=batch_size, workers=workers, progress=bar.update,
                                      update_workers=update_workers)
    except KeycloakUnavailable as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_UNREACHABLE)
    except KeycloakError as exc:
        click.secho(f"stopped: {exc}\nRe-run the same command: it plans again from what Keycloak holds now.",
                    fg="red", err=True)
        sys.exit(EXIT_ERROR)
    click.secho(f"Created {result.created}, updated {result.updated}, unlinked {result.removed} "
                f"({api.write_count} write request(s)).", fg="green")
    if result.sessions_ended:
        click.echo(f"Ended the online and offline sessions of {result.sessions_ended} leaver(s) "
                   f"({result.offline_revoked} client consent(s) or offline token(s) revoked).")
    if result.credentials_removed:
        removed = ", ".join(f"{kind} x{count}" for kind, count in sorted(result.credentials_removed.items()))
        click.echo(f"Removed {sum(result.credentials_removed.values())} credential(s) from staff accounts "
                   f"(PSC is the only way in): {removed}.")
    click.echo(f"Read and planned in {plan.read_seconds:.1f} s, applied in {time.monotonic() - started:.1f} s.")
    if result.skipped:
        click.secho(f"{len(result.skipped)} account(s) appeared since the plan and were left alone: "
                    + ", ".join(result.skipped[:SHOWN]), fg="yellow", err=True)
