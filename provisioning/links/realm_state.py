"""What the realm holds for staff, read in bulk, never one call per person.

Two ways, the first preferred:

- **the staff-state endpoint** of our Keycloak extension
  (`GET /admin/realms/{realm}/smur-staff-state/users`): every local user with the
  attributes we manage, its PSC link, group paths, realm roles and credential types,
  in one answer of one line per user (100,000 users: about 3 s on the embedded H2
  database). Given the staff list (`InSyncLines`), a user whose line is exactly what
  the list expects is only noted as in sync, never parsed: in a re-sync that is
  nearly everyone;
- **the stock admin API**, when the extension is not installed or the realm has a
  user federation provider: every user with its attributes
  (`users?briefRepresentation=false`, pages of 1000), the users linked to PSC
  (`users?idpAlias=psc`), and the members of the groups and roles the staff list
  mentions. Measured at 100,000 users: 1.5 to 27 ms per user and listing, which
  is why the endpoint exists. A user created by this tool carries
  `provisioned_by=smur-iam-links` and was linked with its username as PSC user
  id, so on this path its link is trusted; the links of other linked users are
  read one by one (they are few: hand-made accounts). Credentials are read one
  request per account, and only for the accounts the links tool manages or the staff
  list names (the only ones whose credentials it removes): about 2 ms more per such
  account, on a path that is already the slow one.
"""
from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..keycloak_api import KeycloakAdmin, KeycloakError, RealmAdmin
from ..resources.groups import URLS as GROUP_URLS
from ..resources.identity_provider import URLS as IDP_URLS
from ..resources.realm_roles import URLS as ROLE_URLS
from ..resources.staff_account import PROFILE_ATTRIBUTES, is_managed
from ..resources.user_links import URLS as LINK_URLS
from ..resources.user_profile import URLS as PROFILE_URLS
from ..resources.users import URLS as USER_URLS

if TYPE_CHECKING:
    from .in_sync import InSyncLines

PAGE = 1000
NEEDED_ATTRIBUTES = PROFILE_ATTRIBUTES  # asked of the staff-state endpoint, checked in the user profile

# The PSC extension's endpoint (mappers/psc-extension, StaffStateResource); the other paths are the resources'.
STAFF_STATE_URL = "/admin/realms/{realm}/smur-staff-state/users"
READ_BY_ENDPOINT, READ_BY_USERS_API = "staff-state endpoint", "stock users API"
STAFF_STATE_FORMAT = "smur-staff-state/lines-2"  # what the extension's StaffStateWriter writes
LISTINGS_IN_FLIGHT = 8  # stock users API only: per-user credential and link listings


class LinksPreconditionError(Exception):
    """The realm is not ready for staff links (no PSC provider, attributes not declared)."""


@dataclass
class RealmStaffState:
    realm: str
    alias: str
    users_by_username: dict[str, dict] = field(default_factory=dict)
    users_by_idnat: dict[str, list[dict]] = field(default_factory=dict)
    linked_user_ids: set[str] = field(default_factory=set)
    link_of: dict[str, str] = field(default_factory=dict)  # user id -> PSC user id of its link
    role_ids: dict[str, str] = field(default_factory=dict)  # role name -> id
    group_ids: dict[str, str] = field(default_factory=dict)  # group path -> id
    group_members: dict[str, set[str]] = field(default_factory=dict)  # path -> user ids
    role_members: dict[str, set[str]] = field(default_factory=dict)  # role -> user ids
    # Users whose state line is exactly what the staff list expects: username -> the line, unparsed.
    # They are in none of the maps above unless `parse_in_sync` is asked for one.
    in_sync: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    read_by: str = READ_BY_ENDPOINT
    fallback_reason: str | None = None  # why the stock users API was used

    def parse_in_sync(self, username: str) -> dict:
        """Parse and index one user noted as in sync (the plan needs it after all) and return it."""
        record = record_of(self.in_sync.pop(username))
        _index_record(self, record)
        return record


def _group_paths(realm_api: RealmAdmin, groups, found):
    for group in groups:
        found[group["path"]] = group["id"]
        children = group.get("subGroups") or []
        if not children and group.get("subGroupCount"):
            children = realm_api.get_all(GROUP_URLS["children"], id=group["id"], obj="groups", page_size=PAGE)
        _group_paths(realm_api, children, found)


class StaffStatePrefetch:
    """Asks the staff-state endpoint in the background while the caller reads its staff file.

    At 100,000 users the server needs 2-3 s to answer and the file takes about 1 s to read: in
    parallel rather than one after the other. The answer is kept as text, parsed once the staff
    list is known (users already in sync need not be). ``result()`` re-raises what the request
    raised. Use it as ``with StaffStatePrefetch(...) as prefetch: <read the file>``: inside the block
    the GIL changes hands every 0.2 ms instead of 5 ms, because the thread's token and request
    are many short I/O steps that each wait for the GIL the parser holds (with 5 ms, the request
    left only once 100,000 rows were read, 0.8 s late).
    """

    SWITCH_INTERVAL = 0.0002

    def __init__(self, api: KeycloakAdmin, realm: str, alias: str):
        self._answer: tuple[str | None, str | None] | None = None
        self._error: BaseException | None = None
        # A daemon thread: a command that stops on a bad file does not wait for Keycloak's answer.
        self._thread = threading.Thread(target=self._run, args=(api, realm, alias), daemon=True,
                                        name=f"staff-state-{realm}")
        self._thread.start()
        self._switch_interval = sys.getswitchinterval()

    def __enter__(self) -> "StaffStatePrefetch":
        sys.setswitchinterval(self.SWITCH_INTERVAL)
        return self

    def __exit__(self, *exc) -> None:
        sys.setswitchinterval(self._switch_interval)

    def _run(self, api: KeycloakAdmin, realm: str, alias: str) -> None:
        try:
            self._answer = fetch_staff_state(api, realm, alias)
        except BaseException as exc:  # handed to the caller's thread by result()
            self._error = exc

    def result(self) -> tuple[str | None, str | None]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._answer


def read_realm_state(api: KeycloakAdmin, realm: str, alias: str, groups: set[str], roles: set[str],
                     verify_all_links: bool = False, use_endpoint: bool = True,
                     prefetched: StaffStatePrefetch | None = None,
                     expected: InSyncLines | None = None, listed: set[str] | None = None) -> RealmStaffState:
    """Read the realm's staff; ``use_endpoint=False`` forces the stock users API (tests compare both).

    With ``expected`` (from the staff list), users already in sync are noted in ``state.in_sync``
    instead of being parsed; without it every user is parsed. ``listed``: the usernames the staff
    list names; on the stock users API their credentials are read too (besides those of the
    accounts the tool manages)."""
    before = sum(api.requests.values())
    realm_api = api.realm(realm)
    if realm_api.get(IDP_URLS["item"], alias=alias, allow_404=True, obj=f"identity provider '{alias}'") is None:
        raise LinksPreconditionError(f"realm '{realm}' has no identity provider '{alias}': run `smur-iam apply` first")
    profile = realm_api.get(PROFILE_URLS["item"], obj="user profile")
    declared = {a["name"] for a in profile.get("attributes", [])}
    missing = [a for a in NEEDED_ATTRIBUTES if a not in declared]
    if missing:
        raise LinksPreconditionError(
            f"realm '{realm}': user profile does not declare {', '.join(missing)}; Keycloak would silently drop "
            "them. Declare them in the region's userProfile and run `smur-iam apply` first")

    state = RealmStaffState(realm, alias)
    state.role_ids = {r["name"]: r["id"] for r in realm_api.get(ROLE_URLS["collection"], params={"max": -1},
                                                                obj="realm roles")}
    _group_paths(realm_api, realm_api.get_all(GROUP_URLS["collection"], obj="groups", page_size=PAGE,
                                              params={"briefRepresentation": "true"}), state.group_ids)
    if not use_endpoint:
        lines, state.fallback_reason = None, None
    elif prefetched is not None:
        lines, state.fallback_reason = prefetched.result()
    else:
        lines, state.fallback_reason = fetch_staff_state(api, realm, alias)
    if lines is not None:
        _fill_from_lines(state, lines, groups, roles, expected)
    else:
        state.read_by = READ_BY_USERS_API
        _fill_from_users_api(realm_api, state, groups, roles, verify_all_links, listed or set())
    state.requests = sum(api.requests.values()) - before
    return state


def fetch_staff_state(api: KeycloakAdmin, realm: str, alias: str) -> tuple[str | None, str | None]:
    """Every user as the extension's endpoint writes it (text), or (None, why) when it cannot answer."""
    try:
        answer = api.realm(realm).get(STAFF_STATE_URL, params={"idp": alias, "attribute": list(NEEDED_ATTRIBUTES)},
                                      allow_404=True, obj="staff state", text=True)
    except KeycloakError as exc:
        if exc.status == 409:  # a user federation provider: its users are not all local
            return None, str(exc)
        raise
    if answer is None:
        return None, "the smur-iam Keycloak extension (staff-state endpoint) is not installed"
    header = answer[:answer.find("\n")]
    try:
        spoken = json.loads(header).get("format")
    except (ValueError, AttributeError):
        spoken = None
    if spoken != STAFF_STATE_FORMAT:
        return None, (f"the staff-state endpoint answers in format {spoken or 'unknown'}, this tool reads "
                      f"{STAFF_STATE_FORMAT}: install the extension of the same version in Keycloak")
    return answer, None


def record_of(line: str) -> dict:
    """One state line as a user representation with a few more keys (link, groups, realmRoles, credentials:
    the types of the credentials the account holds)."""
    # The eight values are JSON and JSON escapes tabs inside strings: tab -> comma makes one array.
    username, user_id, core, email, groups, roles, credentials, names = json.loads(f"[{line.replace(chr(9), ',')}]")
    enabled, attributes, link = core
    first_name, last_name = names
    record = {"id": user_id, "username": username, "enabled": enabled, "attributes": attributes, "link": link,
              "groups": groups, "realmRoles": roles, "credentials": credentials}
    for key, value in (("firstName", first_name), ("lastName", last_name), ("email", email)):
        if value is not None:
            record[key] = value
    return record


def _fill_from_lines(state: RealmStaffState, text: str, groups: set[str], roles: set[str],
                     expected: InSyncLines | None) -> None:
    state.group_members = {path: set() for path in groups if path in state.group_ids}
    state.role_members = {role: set() for role in roles if role in state.role_ids}
    lines = text.split("\n")
    for line in lines[1:]:  # after the header
        if not line:
            continue
        if expected is not None:
            username = expected.username_if_in_sync(line)
            if username is not None:
                state.in_sync[username] = line
                continue
        _index_record(state, record_of(line))


def _index_record(state: RealmStaffState, record: dict) -> None:
    user_id = record["id"]
    _index_user(state, record)
    if record["link"] is not None:
        state.linked_user_ids.add(user_id)
        state.link_of[user_id] = record["link"]
    for path in record["groups"]:
        if path in state.group_members:
            state.group_members[path].add(user_id)
    for role in record["realmRoles"]:
        if role in state.role_members:
            state.role_members[role].add(user_id)


def _index_user(state: RealmStaffState, user: dict) -> None:
    state.users_by_username[user["username"]] = user
    for idnat in user.get("attributes", {}).get("idnat", []):
        state.users_by_idnat.setdefault(idnat, []).append(user)


def _fill_from_users_api(realm_api: RealmAdmin, state: RealmStaffState, groups: set[str], roles: set[str],
                         verify_all_links: bool, listed: set[str]) -> None:
    alias = state.alias
    for user in realm_api.get_all(USER_URLS["collection"], obj="users", page_size=PAGE,
                                  params={"briefRepresentation": "false"}):
        _index_user(state, user)
    # The users listing carries no credentials. Read them for the accounts whose credentials the tool
    # would remove (those it manages or the list names), not for every account of the realm: one request
    # each. Other accounts carry no "credentials" key: nothing is reported about them.
    ours = [u for u in state.users_by_username.values() if is_managed(u) or u["username"] in listed]

    def read_credentials(user: dict) -> None:
        found = realm_api.get(USER_URLS["credentials"], id=user["id"], obj=f"credentials of user '{user['username']}'")
        user["credentials"] = sorted({c["type"] for c in found})

    with ThreadPoolExecutor(max_workers=LISTINGS_IN_FLIGHT) as pool:
        list(pool.map(read_credentials, ours))
    linked = realm_api.get_all(USER_URLS["collection"], obj="users", page_size=PAGE,
                               params={"idpAlias": alias, "briefRepresentation": "true"})
    state.linked_user_ids = {u["id"] for u in linked}
    by_id = {u["id"]: u for u in state.users_by_username.values()}
    to_read = []
    for user_id in state.linked_user_ids:
        user = by_id.get(user_id)
        if user and is_managed(user) and not verify_all_links:
            state.link_of[user_id] = user["username"]  # we linked it with its username
        else:
            to_read.append(user_id)

    def read_link(user_id: str) -> None:  # one request per user: in flight together, as credentials
        for link in realm_api.get(LINK_URLS["collection"], id=user_id, obj="user links"):
            if link["identityProvider"] == alias:
                state.link_of[user_id] = link["userId"]

    with ThreadPoolExecutor(max_workers=LISTINGS_IN_FLIGHT) as pool:
        list(pool.map(read_link, to_read))
    for path in groups:
        if path in state.group_ids:
            members = realm_api.get_all(GROUP_URLS["members"], id=state.group_ids[path], obj=f"group '{path}'",
                                        page_size=PAGE, params={"briefRepresentation": "true"})
            state.group_members[path] = {m["id"] for m in members}
    for role in roles:
        if role in state.role_ids:
            members = realm_api.get_all(ROLE_URLS["users"], name=role, obj=f"role '{role}'", page_size=PAGE,
                                        params={"briefRepresentation": "true"})
            state.role_members[role] = {m["id"] for m in members}
