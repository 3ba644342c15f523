"""What the realm holds for staff, read in bulk: a few paginated listings, not one call per person.

- every user with its attributes (`users?briefRepresentation=false`, pages of 1000);
- which users are linked to the PSC identity provider (`users?idpAlias=psc`);
- realm roles and groups, and the members of those the staff list mentions.

A user created by this tool carries `provisioned_by=smur-iam-links` and was
linked with its username as PSC user id, so its link is trusted; the links of
other linked users are read one by one (they are few: hand-made accounts).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..keycloak_api import KeycloakAdmin, url

PAGE = 1000
MANAGED_BY = "smur-iam-links"
MARK_ATTRIBUTE = "provisioned_by"
NEEDED_ATTRIBUTES = ("rpps", "idnat", MARK_ATTRIBUTE)

URLS = {
    "users": "/admin/realms/{realm}/users",
    "user_links": "/admin/realms/{realm}/users/{id}/federated-identity",
    "roles": "/admin/realms/{realm}/roles",
    "role_users": "/admin/realms/{realm}/roles/{role}/users",
    "groups": "/admin/realms/{realm}/groups",
    "group_children": "/admin/realms/{realm}/groups/{id}/children",
    "group_members": "/admin/realms/{realm}/groups/{id}/members",
    "profile": "/admin/realms/{realm}/users/profile",
    "idp": "/admin/realms/{realm}/identity-provider/instances/{alias}",
}


class LinksPreconditionError(Exception):
    """The realm is not ready for staff links (no PSC provider, attributes not declared)."""


def paged(api: KeycloakAdmin, path: str, realm: str, obj: str, params: dict | None = None) -> list:
    items, first = [], 0
    while True:
        page = api.get(path, params={**(params or {}), "first": first, "max": PAGE}, realm=realm, obj=obj)
        items += page
        if len(page) < PAGE:
            return items
        first += PAGE


def is_managed(user: dict) -> bool:
    return MANAGED_BY in user.get("attributes", {}).get(MARK_ATTRIBUTE, [])


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
    requests: int = 0


def _group_paths(api, realm, groups, found):
    for group in groups:
        found[group["path"]] = group["id"]
        children = group.get("subGroups") or []
        if not children and group.get("subGroupCount"):
            children = paged(api, url(URLS["group_children"], realm=realm, id=group["id"]), realm, "groups")
        _group_paths(api, realm, children, found)


def read_realm_state(api: KeycloakAdmin, realm: str, alias: str, groups: set[str], roles: set[str],
                     verify_all_links: bool = False) -> RealmStaffState:
    before = sum(api.requests.values())
    if api.get(url(URLS["idp"], realm=realm, alias=alias), allow_404=True, realm=realm,
               obj=f"identity provider '{alias}'") is None:
        raise LinksPreconditionError(f"realm '{realm}' has no identity provider '{alias}': run `smur-iam apply` first")
    profile = api.get(url(URLS["profile"], realm=realm), realm=realm, obj="user profile")
    declared = {a["name"] for a in profile.get("attributes", [])}
    missing = [a for a in NEEDED_ATTRIBUTES if a not in declared]
    if missing:
        raise LinksPreconditionError(
            f"realm '{realm}': user profile does not declare {', '.join(missing)}; Keycloak would silently drop "
            "them. Declare them in the region's userProfile and run `smur-iam apply` first")

    state = RealmStaffState(realm, alias)
    for user in paged(api, url(URLS["users"], realm=realm), realm, "users", {"briefRepresentation": "false"}):
        state.users_by_username[user["username"]] = user
        for idnat in user.get("attributes", {}).get("idnat", []):
            state.users_by_idnat.setdefault(idnat, []).append(user)
    linked = paged(api, url(URLS["users"], realm=realm), realm, "users",
                   {"idpAlias": alias, "briefRepresentation": "true"})
    state.linked_user_ids = {u["id"] for u in linked}
    by_id = {u["id"]: u for u in state.users_by_username.values()}
    for user_id in state.linked_user_ids:
        user = by_id.get(user_id)
        if user and is_managed(user) and not verify_all_links:
            state.link_of[user_id] = user["username"]  # we linked it with its username
            continue
        for link in api.get(url(URLS["user_links"], realm=realm, id=user_id), realm=realm, obj="user links"):
            if link["identityProvider"] == alias:
                state.link_of[user_id] = link["userId"]

    state.role_ids = {r["name"]: r["id"] for r in api.get(url(URLS["roles"], realm=realm), params={"max": -1},
                                                          realm=realm, obj="realm roles")}
    _group_paths(api, realm, paged(api, url(URLS["groups"], realm=realm), realm, "groups",
                                   {"briefRepresentation": "true"}), state.group_ids)
    for path in groups:
        if path in state.group_ids:
            members = paged(api, url(URLS["group_members"], realm=realm, id=state.group_ids[path]), realm,
                            f"group '{path}'", {"briefRepresentation": "true"})
            state.group_members[path] = {m["id"] for m in members}
    for role in roles:
        if role in state.role_ids:
            members = paged(api, url(URLS["role_users"], realm=realm, role=role), realm, f"role '{role}'",
                            {"briefRepresentation": "true"})
            state.role_members[role] = {m["id"] for m in members}
    state.requests = sum(api.requests.values()) - before
    return state
