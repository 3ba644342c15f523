"""Carry out a links plan: creations by partialImport batches, the rest one request per change.

Creations dominate a first import (100,000 staff), so they go in batches with
`ifResourceExists=SKIP`: a batch is one Keycloak transaction, and an account
that appeared since the plan is skipped and reported, never overwritten
(OVERWRITE would delete and re-create it under a new id, losing its links).

Batches are small on purpose: Keycloak's cost per user in one partialImport
grows with the batch (every user added makes the transaction's persistence
context bigger to flush). Measured on Keycloak 26.7.3 with users carrying
attributes, a PSC link, a group and a role: 25 per batch 1,060 users/s,
100 → 610, 500 → 170, 1,000 → 90 (one batch in flight; 2 in flight at 25:
about 1,500 users/s).

Updates and removals (a re-sync: a few percent of the staff) are one user each,
`update_workers` at a time. A PUT names only the fields that changed: Keycloak keeps
what it leaves out. When our attributes change, the user's current
representation is read first, because Keycloak replaces the whole attribute map
and the PSC mapper keeps attributes of its own there. Names are never written to an
existing account: PSC owns them (the list only seeds them at creation).

A credential on a staff account (password, OTP, passkey...) is removed: PSC is the
only way in. A leaver's removal ends her sessions in the same step as her link:
`POST .../logout` ends the online sessions (and sets her not-before), but in Keycloak
26.7.3 it leaves offline sessions alone (it walks the online ones only, and a refresh
token is not checked against the user's not-before), so every client holding her
consent or an offline token is then revoked with `DELETE .../consents/{client}`.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..keycloak_api import KeycloakAdmin, RealmAdmin
from ..resources.staff_account import CREDENTIALS, attributes, from_staff_row, psc_link
from ..resources.user_links import URLS as LINK_URLS
from ..resources.users import URLS as USER_URLS
from .plan import LinkRemoval, LinksPlan, UserUpdate

# Keycloak's partial import of a realm: only the staff links tool uses it. User paths are users.py's.
URLS = {"partial_import": "/admin/realms/{realm}/partialImport"}
DEFAULT_BATCH = 25
# Two batches in flight keep both of a small Keycloak's cores busy without queueing behind each other.
DEFAULT_WORKERS = 2
# Updates are light one-user requests whose time is mostly round trips: 1,000 name changes took
# 4.5 s with 2 in flight, 3.5 s with 4, 2.0-3.2 s with 8 (Keycloak 26.7.3, 100,000 users, H2).
DEFAULT_UPDATE_WORKERS = 8


@dataclass
class LinksResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # usernames that appeared since the plan
    credentials_removed: Counter = field(default_factory=Counter)  # credential type -> how many
    sessions_ended: int = 0  # leavers whose online and offline sessions were ended
    offline_revoked: int = 0  # clients whose consent or offline tokens were revoked, all leavers together
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # updates run in threads

    def credentials_deleted(self, types: list[str]) -> None:
        with self._lock:
            self.credentials_removed.update(types)

    def sessions_of_a_leaver_ended(self, clients_revoked: int) -> None:
        with self._lock:
            self.sessions_ended += 1
            self.offline_revoked += clients_revoked


def import_batches(api: KeycloakAdmin, realm: str, reps: list[dict], batch: int, workers: int = 1,
                   progress: Callable[[int], None] | None = None) -> tuple[int, list[str]]:
    """POST users to partialImport in batches (``workers`` at a time); returns (added, skipped usernames)."""
    chunks = [reps[start:start + batch] for start in range(0, len(reps), batch)]
    realm_api = api.realm(realm)

    def send(numbered):
        number, chunk = numbered
        return chunk, realm_api.post(URLS["partial_import"], {"ifResourceExists": "SKIP", "users": chunk},
                                     obj=f"staff batch {number} ({len(chunk)} users)")

    added, skipped = 0, []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for chunk, answer in pool.map(send, enumerate(chunks, start=1)):
            added += answer.get("added", 0)
            skipped += [r["resourceName"] for r in answer.get("results", []) if r.get("action") == "SKIPPED"]
            if progress:
                progress(len(chunk))
    return added, skipped


def _current_user(realm_api: RealmAdmin, user: dict, obj: str) -> dict:
    """The user's full representation, read just before writing it back (never a stale or partial copy)."""
    current = realm_api.get(USER_URLS["item"], id=user["id"], obj=obj)
    current.pop("access", None)
    return current


def _remove_credentials(realm_api: RealmAdmin, user: dict, obj: str) -> list[str]:
    """Delete every credential of the account (read now, by id); returns the types removed."""
    found = realm_api.get(USER_URLS["credentials"], id=user["id"], obj=obj)
    for credential in found:
        realm_api.delete(USER_URLS["credential"], id=user["id"], credential=credential["id"], allow_404=True,
                         obj=f"{obj}, {credential['type']} credential")
    return [credential["type"] for credential in found]


def _end_sessions(realm_api: RealmAdmin, user: dict, obj: str) -> int:
    """End the account's online and offline sessions; returns how many clients' offline access was revoked."""
    realm_api.post(USER_URLS["logout"], id=user["id"], obj=obj)
    revoked = 0
    for consent in realm_api.get(USER_URLS["consents"], id=user["id"], obj=obj):
        # Revokes the consent and the client's offline tokens (sessions) of this user; 404 if gone meanwhile.
        realm_api.delete(USER_URLS["consent"], id=user["id"], client=consent["clientId"], allow_404=True,
                         obj=f"{obj}, client '{consent['clientId']}'")
        revoked += 1
    return revoked


def _apply_update(realm_api: RealmAdmin, plan: LinksPlan, update: UserUpdate, result: LinksResult) -> None:
    user = update.user
    obj = f"user '{user['username']}'"
    written = [change for change in update.fields if change.path != CREDENTIALS]
    if written or update.adopt:
        # Keycloak keeps what a PUT leaves out (names, attributes, email): only what the list owns is sent.
        body = {"enabled": True}
        if update.member.email is not None:
            body["email"] = update.member.email
        if update.adopt or any(change.path.startswith("attributes.") for change in written):
            # ...but it replaces the whole attribute map: merge ours into the user's current one.
            current = _current_user(realm_api, user, obj)
            ours = attributes(update.member.national_id, update.member.rpps, marked=True)
            body = {**current, **body, "attributes": {**current.get("attributes", {}), **ours}}
        realm_api.put(USER_URLS["item"], body, id=user["id"], obj=obj)
    if update.add_link:
        realm_api.post(LINK_URLS["item"], psc_link(plan.alias, update.member.national_id), id=user["id"],
                       alias=plan.alias, obj=obj)
    for path in sorted(update.groups_add):
        realm_api.put(USER_URLS["group"], id=user["id"], group=plan.state.group_ids[path], obj=obj)
    for path in sorted(update.groups_remove):
        realm_api.delete(USER_URLS["group"], id=user["id"], group=plan.state.group_ids[path], obj=obj)
    roles = lambda names: [{"id": plan.state.role_ids[n], "name": n} for n in sorted(names)]  # noqa: E731
    if update.roles_add:
        realm_api.post(USER_URLS["realm_roles"], roles(update.roles_add), id=user["id"], obj=obj)
    if update.roles_remove:
        realm_api.delete(USER_URLS["realm_roles"], json=roles(update.roles_remove), id=user["id"], obj=obj)
    if update.credentials:
        result.credentials_deleted(_remove_credentials(realm_api, user, obj))


def _apply_removal(realm_api: RealmAdmin, plan: LinksPlan, removal: LinkRemoval, result: LinksResult) -> None:
    user = removal.user
    obj = f"user '{user['username']}'"
    # Every way in is closed first (PSC link, credentials), then what is already open is ended: a
    # login between the two steps could otherwise open a new session.
    if removal.unlink:
        realm_api.delete(LINK_URLS["item"], id=user["id"], alias=plan.alias, obj=obj)
    if removal.credentials:
        result.credentials_deleted(_remove_credentials(realm_api, user, obj))
    if removal.unlink or removal.disable:
        result.sessions_of_a_leaver_ended(_end_sessions(realm_api, user, obj))
    if removal.disable:
        realm_api.put(USER_URLS["item"], {"enabled": False}, id=user["id"], obj=obj)


def _one_by_one(work: Callable[[object], None], items: list, workers: int,
                progress: Callable[[int], None] | None) -> int:
    """Run ``work`` on every item, ``workers`` at a time; the first error stops the rest and is raised."""
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(work, items):
            done += 1
            if progress:
                progress(1)
    return done


def apply_links_plan(api: KeycloakAdmin, plan: LinksPlan, batch: int = DEFAULT_BATCH,
                     workers: int = DEFAULT_WORKERS, progress: Callable[[int], None] | None = None,
                     update_workers: int = DEFAULT_UPDATE_WORKERS) -> LinksResult:
    """Apply every change of ``plan``; the caller has refused plans with conflicts beforehand."""
    result = LinksResult()
    reps = [from_staff_row(m, plan.alias) for m in plan.creates]
    result.created, result.skipped = import_batches(api, plan.realm, reps, batch, workers, progress)
    realm_api = api.realm(plan.realm)
    result.updated = _one_by_one(lambda update: _apply_update(realm_api, plan, update, result), plan.updates,
                                 update_workers, progress)
    result.removed = _one_by_one(lambda removal: _apply_removal(realm_api, plan, removal, result), plan.removals,
                                 update_workers, progress)
    return result
