"""Compare a staff list with the realm: who to create, update, unlink, and which rows conflict."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..resources.base import FieldChange
from ..resources.staff_account import CREDENTIALS, changes_from_list, is_managed, username_of
from .realm_state import RealmStaffState
from .staff import StaffList, StaffMember


@dataclass
class Conflict:
    where: str  # file:line, or the Keycloak user concerned
    national_id: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class UserUpdate:
    member: StaffMember
    user: dict
    fields: list[FieldChange] = field(default_factory=list)
    add_link: bool = False
    adopt: bool = False  # an account made by hand that the staff list now manages
    groups_add: set[str] = field(default_factory=set)
    groups_remove: set[str] = field(default_factory=set)
    roles_add: set[str] = field(default_factory=set)
    roles_remove: set[str] = field(default_factory=set)

    @property
    def credentials(self) -> list[str]:
        """Types of the credentials to remove (a staff account holds none)."""
        return next((change.before for change in self.fields if change.path == CREDENTIALS), [])


@dataclass
class LinkRemoval:
    """A managed account whose holder left the list: its link removed and its sessions ended, online and
    offline (in the same step: a refresh token must not outlive the link), its credentials removed."""
    user: dict
    unlink: bool
    disable: bool
    credentials: list[str] = field(default_factory=list)  # types found on the account, all removed


@dataclass
class LinksPlan:
    realm: str
    alias: str
    state: RealmStaffState
    rows_read: int
    creates: list[StaffMember] = field(default_factory=list)
    updates: list[UserUpdate] = field(default_factory=list)
    removals: list[LinkRemoval] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0
    read_seconds: float = 0.0  # reading the file and the realm, and planning

    @property
    def pending(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.removals)


def build_links_plan(staff: StaffList, state: RealmStaffState, *, disable_leavers: bool = False) -> LinksPlan:
    plan = LinksPlan(state.realm, state.alias, state, staff.rows_read)
    plan.conflicts += [Conflict(str(p.source), p.national_id, p.message) for p in staff.problems]
    holders: dict[str, list[str]] = {}  # PSC user id -> Keycloak user ids holding a link to it
    for user_id, psc_id in state.link_of.items():
        holders.setdefault(psc_id, []).append(user_id)
    by_id = {u["id"]: u for u in state.users_by_username.values()}
    mentioned_groups, mentioned_roles = staff.mentioned()

    unknown_groups = mentioned_groups - state.group_ids.keys()
    unknown_roles = mentioned_roles - state.role_ids.keys()
    for national_id, member in staff.members.items():
        username = username_of(national_id)
        user = state.users_by_username.get(username)
        if user is None and username in state.in_sync:
            if national_id not in state.users_by_idnat and national_id not in holders:
                plan.unchanged += 1  # exactly as the list wants, and nobody else claims this national id
                continue
            user = state.parse_in_sync(username)  # another account claims it: compare in full
        problems = _conflicts_of(member, user, state, holders, by_id, unknown_groups, unknown_roles)
        if problems:
            plan.conflicts += [Conflict(member.where, national_id, message) for message in problems]
            continue
        if user is None:
            plan.creates.append(member)
            continue
        groups_add, groups_remove = _membership_changes(user["id"], member.groups, mentioned_groups,
                                                        state.group_members)
        roles_add, roles_remove = _membership_changes(user["id"], member.roles, mentioned_roles, state.role_members)
        fields, adopt = changes_from_list(member, user), not is_managed(user)
        add_link = user["id"] not in state.linked_user_ids
        if not (fields or add_link or groups_add or groups_remove or roles_add or roles_remove):
            plan.unchanged += 1  # the common case of a re-sync: nothing allocated for it
            continue
        plan.updates.append(UserUpdate(member, user, fields, add_link, adopt, groups_add, groups_remove,
                                       roles_add, roles_remove))

    listed = {username_of(n) for n in staff.members}
    for user in state.users_by_username.values():
        if not is_managed(user) or user["username"] in listed:
            continue
        unlink = user["id"] in state.linked_user_ids
        disable = disable_leavers and user.get("enabled", True)
        credentials = list(user.get(CREDENTIALS) or [])
        if unlink or disable or credentials:
            plan.removals.append(LinkRemoval(user, unlink, disable, credentials))
    return plan


def _membership_changes(user_id: str, wanted, mentioned: set[str], members: dict[str, set[str]]):
    """(to add, to remove) among the groups or roles the staff list mentions; others are not ours."""
    add, remove = set(), set()
    for name in mentioned:
        inside = user_id in members.get(name, ())
        if name in wanted and not inside:
            add.add(name)
        elif name not in wanted and inside:
            remove.add(name)
    return add, remove


def _conflicts_of(member, user, state, holders, by_id, unknown_groups, unknown_roles) -> list[str]:
    problems = []
    national_id = member.national_id
    for owner in state.users_by_idnat.get(national_id, []):
        if user is None or owner["id"] != user["id"]:
            problems.append(f"national id {national_id} is already the idnat of Keycloak user '{owner['username']}'")
    for holder_id in holders.get(national_id, []):
        if user is None or holder_id != user["id"]:
            holder = by_id.get(holder_id, {}).get("username", holder_id)
            problems.append(f"PSC identity {national_id} is linked to Keycloak user '{holder}', "
                            f"not to '{username_of(national_id)}'")
    if user is not None:
        linked_to = state.link_of.get(user["id"])
        if linked_to is not None and linked_to != national_id:
            problems.append(f"Keycloak user '{user['username']}' is linked to PSC identity {linked_to}, "
                            f"not {national_id}")
    for path in sorted(member.groups & unknown_groups) if unknown_groups else ():
        problems.append(f"group '{path}' does not exist in realm '{state.realm}'")
    for role in sorted(member.roles & unknown_roles) if unknown_roles else ():
        problems.append(f"realm role '{role}' does not exist in realm '{state.realm}'")
    return problems
