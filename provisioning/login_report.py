"""`smur-iam report`: per region realm, the PSC sign-ins and the refusals by reason, from the events the realm stores.

Not to be mixed up with report.py, which renders a provisioning plan.

What is counted, per realm, in the window (`--since`, up to now):

- ``psc_logins``: LOGIN events brokered by the realm's PSC identity provider (``details.identity_provider``);
- ``professionals``: the distinct national ids among them (``details.identity_provider_identity``; the totals
  count a professional seen in two regions once);
- ``refusals``: the sign-in error events (REFUSAL_EVENT_TYPES) by reason, per the REFUSALS table below, which
  names what writes each one today; an error the table does not know is counted under ``other`` and listed
  raw in ``other_errors`` ("TYPE: error (reason)").

``--json`` prints one object (keys never removed within a ``format`` version; new keys may be added)::

    {"format": "smur-iam-login-report/1",
     "from": "2026-12-03T14:00:00Z", "to": "2026-12-03T15:00:00Z", "since": "1h",
     "categories": ["not_registered", "level_too_low", "rpps_invalid", "refused_at_psc", "psc_unreachable",
                    "account_disabled", "other"],
     "realms": [{"realm": "smur-grand-est", "broker": "psc", "psc_logins": 3, "professionals": 2,
                 "refused": 6, "refusals": {"not_registered": 1, ..., "other": 0}, "other_errors": {}}],
     "totals": {"realms": 1, "psc_logins": 3, "professionals": 2, "refused": 6, "refusals": {...},
                "other_errors": {}},
     "missing_realms": []}

Every category is always present in ``refusals`` (0 when none), in the order of ``categories``.
``missing_realms``: realms of the region files that Keycloak does not have (not applied yet), skipped.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .config import DEFAULTS_FILE, realm_of, region_file_paths
from .config.yaml_source import load_yaml
from .keycloak_api import KeycloakAdmin, KeycloakError
from .realm_events import READ_ROLE, TimeWindow, read_events

FORMAT = "smur-iam-login-report/1"
DEFAULT_BROKER = "psc"
LOGIN = "LOGIN"
# The sign-in errors a professional can meet (token, refresh and logout errors are the apps' business).
REFUSAL_EVENT_TYPES = ("LOGIN_ERROR", "IDENTITY_PROVIDER_LOGIN_ERROR", "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR",
                       "IDENTITY_PROVIDER_POST_LOGIN_ERROR", "IDENTITY_PROVIDER_RESPONSE_ERROR")

NOT_REGISTERED, LEVEL_TOO_LOW, RPPS_INVALID = "not_registered", "level_too_low", "rpps_invalid"
REFUSED_AT_PSC, PSC_UNREACHABLE, ACCOUNT_DISABLED, OTHER = ("refused_at_psc", "psc_unreachable",
                                                            "account_disabled", "other")
CATEGORIES = {  # key -> column title of the text output, in the order of both outputs
    NOT_REGISTERED: "not registered", LEVEL_TOO_LOW: "level too low", RPPS_INVALID: "RPPS invalid",
    REFUSED_AT_PSC: "refused at PSC", PSC_UNREACHABLE: "PSC unreachable", ACCOUNT_DISABLED: "disabled",
    OTHER: "other",
}
ANY_REASON = object()
FIRST_LOGIN_ERROR, IDP_LOGIN_ERROR = "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR", "IDENTITY_PROVIDER_LOGIN_ERROR"

# (event type, error, `reason` detail or None when the event has none) -> category; what writes it.
REFUSALS: dict[tuple, str] = {
    # first-login policy deny (the default): Keycloak's deny-access step, no reason; also the create
    # policy's refusal to create (username or e-mail taken)
    (FIRST_LOGIN_ERROR, "access_denied", None): NOT_REGISTERED,
    # link-by-rpps: PscLinkByRppsAuthenticator, reasons of RppsAccountMatch.Refusal
    (FIRST_LOGIN_ERROR, "access_denied", "not_an_rpps_national_id"): NOT_REGISTERED,
    (FIRST_LOGIN_ERROR, "access_denied", "no_account_with_rpps"): NOT_REGISTERED,
    (FIRST_LOGIN_ERROR, "access_denied", "several_accounts_with_rpps"): NOT_REGISTERED,
    (FIRST_LOGIN_ERROR, "access_denied", "staff_list_account_unlinked"): NOT_REGISTERED,
    (FIRST_LOGIN_ERROR, "access_denied", "account_linked_to_another_identity"): NOT_REGISTERED,
    (FIRST_LOGIN_ERROR, "access_denied", "account_disabled"): ACCOUNT_DISABLED,
    # a linked account that is disabled: Keycloak's broker
    (IDP_LOGIN_ERROR, "user_disabled", None): ACCOUNT_DISABLED,
    # PscOidcIdentityProvider.requireAcr: reasons acr_insufficient, acr_missing, acr_unknown, acr_not_a_string
    (IDP_LOGIN_ERROR, "psc_acr_insufficient", ANY_REASON): LEVEL_TOO_LOW,
    # PscProfileMapper: the national id's RPPS fails its Luhn check
    (IDP_LOGIN_ERROR, "psc_rpps_invalid", "rpps_invalid"): RPPS_INVALID,
    # CallbackPages.cancelled: PSC answered access_denied (declined, wrong PIN or number; e-CPS locked)
    (IDP_LOGIN_ERROR, "psc_refused", "psc_access_denied"): REFUSED_AT_PSC,
    (IDP_LOGIN_ERROR, "psc_refused", "ecps_locked"): REFUSED_AT_PSC,
    # PscOidcIdentityProvider.PscEndpoint: PSC's token endpoint unreachable, too slow or failing
    (IDP_LOGIN_ERROR, "identity_provider_login_failure", "psc_token_request_failed"): PSC_UNREACHABLE,
}
# Keycloak 26.7.3's deny-access step stores its refusal twice (same details, same instant); a person's retry
# goes through PSC again and takes longer than this.
DUPLICATE_WINDOW_MS = 2000

_DURATION = re.compile(r"(\d+)([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ReportError(Exception):
    """The report cannot be made (bad --since, a realm missing or forbidden); the message says which and why."""

    def __init__(self, message: str, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden


def parse_since(text: str) -> timedelta:
    """``30m``, ``24h`` or ``7d`` (a whole number, then the unit)."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ReportError(f"{text!r} is not a duration such as 30m, 24h or 7d "
                          "(a whole number of minutes, hours or days, more than 0)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def refusal_category(event: dict) -> str:
    """The category of a sign-in error event, per REFUSALS; OTHER when the table does not know it."""
    kind, error = event.get("type"), event.get("error")
    reason = (event.get("details") or {}).get("reason")
    return REFUSALS.get((kind, error, reason)) or REFUSALS.get((kind, error, ANY_REASON)) or OTHER


def raw_error(event: dict) -> str:
    reason = (event.get("details") or {}).get("reason")
    return f"{event.get('type')}: {event.get('error')}" + (f" ({reason})" if reason else "")


def without_duplicates(events: list[dict]) -> list[dict]:
    """The events, each refusal once (see DUPLICATE_WINDOW_MS): equal but for id and a few ms apart."""
    kept, last_time = [], {}
    for event in sorted(events, key=lambda e: e.get("time", 0)):
        fingerprint = json.dumps({k: v for k, v in event.items() if k not in ("id", "time")}, sort_keys=True)
        time = event.get("time", 0)
        if fingerprint in last_time and time - last_time[fingerprint] <= DUPLICATE_WINDOW_MS:
            continue
        last_time[fingerprint] = time
        kept.append(event)
    return kept


@dataclass
class RealmReport:
    realm: str
    broker: str
    psc_logins: int = 0
    professionals: set[str] = field(default_factory=set)
    refusals: Counter = field(default_factory=Counter)
    other_errors: Counter = field(default_factory=Counter)

    def count(self, events: list[dict]) -> None:
        for event in without_duplicates(events):
            details = event.get("details") or {}
            if event.get("type") == LOGIN:
                if details.get("identity_provider") == self.broker:
                    self.psc_logins += 1
                    self.professionals.add(details.get("identity_provider_identity") or details.get("username")
                                           or event.get("userId") or "?")
            elif event.get("type") in REFUSAL_EVENT_TYPES:
                category = refusal_category(event)
                self.refusals[category] += 1
                if category == OTHER:
                    self.other_errors[raw_error(event)] += 1

    @property
    def refused(self) -> int:
        return sum(self.refusals.values())


@dataclass
class LoginReport:
    since: str
    window: TimeWindow
    realms: list[RealmReport]
    missing: list[str] = field(default_factory=list)  # region files whose realm Keycloak does not have

    def totals(self) -> RealmReport:
        total = RealmReport("total", "")
        for item in self.realms:
            total.psc_logins += item.psc_logins
            total.professionals |= item.professionals
            total.refusals.update(item.refusals)
            total.other_errors.update(item.other_errors)
        return total


def region_brokers(directory: Path) -> dict[str, str]:
    """Realm -> alias of its PSC identity provider, for every region file of ``directory`` (the region's own
    alias, else the national defaults', else ``psc``). Only names are read: no secret is needed."""
    default = DEFAULT_BROKER
    defaults_path = Path(directory) / DEFAULTS_FILE
    if defaults_path.exists():
        doc, _ = load_yaml(defaults_path)
        default = _broker_alias(doc.data if doc else None) or default
    brokers = {}
    for path in region_file_paths(directory) if Path(directory).is_dir() else []:
        doc, _ = load_yaml(path)
        realm = realm_of(doc)
        if realm is not None:
            brokers[realm] = _broker_alias(doc.data) or default
    brokers.setdefault("", default)  # the alias of a realm given by --realm without a region file
    return brokers


def _broker_alias(data) -> str | None:
    idp = data.get("identityProvider") if isinstance(data, dict) else None
    alias = idp.get("alias") if isinstance(idp, dict) else None
    return alias if isinstance(alias, str) else None


def build_report(api: KeycloakAdmin, directory: Path, realms: list[str], since: str,
                 now: datetime | None = None) -> LoginReport:
    """Read each realm's events of the window and count them. Raises ReportError naming the realm; a realm of the
    region files that Keycloak lacks (a region not applied yet) is only listed in ``missing``, unless named."""
    length = parse_since(since)
    end = now or datetime.now(UTC)
    window = TimeWindow(int((end - length).timestamp() * 1000), int(end.timestamp() * 1000))
    brokers = region_brokers(directory)
    names = realms or sorted(name for name in brokers if name)
    if not names:
        raise ReportError(f"no realm to report on: name one with --realm, or give a directory of region files "
                          f"({directory} has none)")
    report = LoginReport(since, window, [])
    for name in names:
        item = RealmReport(name, brokers.get(name, brokers[""]))
        events = _events(api, name, window, named=bool(realms))
        if events is None:
            report.missing.append(name)
            continue
        item.count(events)
        report.realms.append(item)
    return report


def _events(api: KeycloakAdmin, realm: str, window: TimeWindow, named: bool) -> list[dict] | None:
    """The realm's events; None when the realm does not exist and was not named by --realm."""
    try:
        return read_events(api.realm(realm), [LOGIN, *REFUSAL_EVENT_TYPES], window)
    except KeycloakError as exc:
        if exc.status == 404 and not named:
            return None
        if exc.status == 404:
            raise ReportError(f"realm '{realm}' does not exist on {api.server_url}") from None
        if exc.status in (401, 403):
            raise ReportError(
                f"realm '{realm}': not allowed to read its events (HTTP {exc.status}): the admin credentials need "
                f"the role {READ_ROLE} of that realm (client realm-management in '{realm}', or '{realm}-realm' "
                "in master)", forbidden=True) from None
        raise


# ------------------------------------------------------------------ rendering
def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts(item: RealmReport) -> dict:
    return {"psc_logins": item.psc_logins, "professionals": len(item.professionals), "refused": item.refused,
            "refusals": {key: item.refusals.get(key, 0) for key in CATEGORIES},
            "other_errors": dict(sorted(item.other_errors.items()))}


def render_json(report: LoginReport) -> str:
    return json.dumps({
        "format": FORMAT, "from": _iso(report.window.start_ms), "to": _iso(report.window.end_ms),
        "since": report.since, "categories": list(CATEGORIES),
        "realms": [{"realm": r.realm, "broker": r.broker, **_counts(r)} for r in report.realms],
        "totals": {"realms": len(report.realms), **_counts(report.totals())},
        "missing_realms": report.missing,
    }, indent=2, ensure_ascii=False)


def render_text(report: LoginReport) -> str:
    """One line per realm and the totals; the errors counted as 'other' listed after."""
    titles = ["PSC logins", "professionals", "refused", *CATEGORIES.values()]
    width = max([len("total"), *(len(r.realm) for r in report.realms)])
    lines = [f"Sign-ins from {_iso(report.window.start_ms)} to {_iso(report.window.end_ms)} "
             f"(--since {report.since}), from the events each realm stores",
             "  ".join([f"{'realm':<{width}}", *titles])]
    for item in [*report.realms, report.totals()]:
        values = [item.psc_logins, len(item.professionals), item.refused,
                  *(item.refusals.get(key, 0) for key in CATEGORIES)]
        lines.append("  ".join([f"{item.realm:<{width}}", *(f"{v:>{len(t)}}" for v, t in zip(values, titles))]))
    for item in report.realms:
        for error, n in sorted(item.other_errors.items()):
            lines.append(f"other in {item.realm}: {error} ×{n}")
    return "\n".join(lines)
