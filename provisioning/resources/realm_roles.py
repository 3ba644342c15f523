"""Realm roles, e.g. one per SMUR profession (natural key: role name).

Updates and deletes go through the role's id (`roles-by-id`), never its name,
so a role renamed by hand meanwhile is not touched by mistake.
"""
from __future__ import annotations

from ..config.model import BUILTIN_ROLES, RESERVED_ROLES
from .base import Inventory, ResourceType, merged
from .listing import find_by_key, read_listing

URLS = {
    "collection": "/admin/realms/{realm}/roles",
    "item": "/admin/realms/{realm}/roles/{name}",
    "by_id": "/admin/realms/{realm}/roles-by-id/{id}",
    "users": "/admin/realms/{realm}/roles/{name}/users",  # the users holding it directly
    "composites": "/admin/realms/{realm}/roles/{name}/composites",  # add, remove
    "realm_composites": "/admin/realms/{realm}/roles/{name}/composites/realm",  # read
}


def roles_listing(ctx):
    return read_listing(ctx, "realm roles", URLS["collection"], {"briefRepresentation": "false"})


def default_roles(realm: str) -> str:
    """The composite role Keycloak gives every new user of ``realm``."""
    return f"default-roles-{realm}"


def builtin_roles(realm: str) -> set[str]:
    return set(BUILTIN_ROLES | RESERVED_ROLES) | {default_roles(realm)}


def role_rep(ctx, name: str) -> dict | None:
    """A role with its id (needed to map it to a group), read at most once per run."""
    known = ctx.cache.setdefault("role-reps", {})
    if known.get(name) is None:
        known[name] = ctx.realm_api.get(URLS["item"], name=name, allow_404=True, obj=f"realm role '{name}'")
    return known[name]


class RealmRoleResource(ResourceType):
    kind = "realm-role"
    depends_on = ("realm",)

    def desired(self, ctx):
        found = {}
        for role in ctx.region.roles:
            rep = {"name": role.name, "composite": False,
                   "attributes": {k: list(v) for k, v in role.attributes.items()}}
            if role.description is not None:
                rep["description"] = role.description
            found[role.name] = rep
        return found

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        found = find_by_key(roles_listing(ctx), lambda r: r["name"], set(keys), lambda name: role_rep(ctx, name))
        ctx.cache.setdefault("role-reps", {}).update(found)
        return found

    def inventory(self, ctx):
        if not ctx.realm_exists:
            return Inventory(set())
        listing = roles_listing(ctx)
        return Inventory({r["name"] for r in listing.items} - builtin_roles(ctx.realm), listing.complete)

    def create(self, ctx, desired):
        ctx.realm_api.post(URLS["collection"], desired, obj=self.describe(desired["name"]))
        ctx.cache.setdefault("role-reps", {}).pop(desired["name"], None)  # its id is read when a group needs it

    def update(self, ctx, desired, current):
        body = merged(current, desired)
        # Keycloak replaces a role's attribute map: keep the attributes the file does not state.
        body["attributes"] = {**current.get("attributes", {}), **desired["attributes"]}
        ctx.realm_api.put(URLS["by_id"], body, id=current["id"], obj=self.describe(desired["name"]))

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["by_id"], id=current["id"], allow_404=True, obj=self.describe(key))

    def describe(self, key):
        return f"realm role '{key}'"
