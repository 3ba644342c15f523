"""Realm roles, e.g. one per SMUR profession (natural key: role name).

Updates and deletes go through the role's id (`roles-by-id`), never its name,
so a role renamed by hand meanwhile is not touched by mistake.
"""
from __future__ import annotations

import re

from ..config.model import BUILTIN_ROLES, RESERVED_ROLES
from .base import Inventory, ResourceType, file_attributes, merged
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

    def export(self, ctx):
        out = []
        builtin = builtin_roles(ctx.realm)
        listing = ctx.realm_api.get_all(URLS["collection"], obj="realm roles", params={"briefRepresentation": "false"})
        for role in sorted(listing, key=lambda r: r["name"]):
            if role["name"] in builtin:
                continue
            if role.get("composite"):
                ctx.warnings.append(f"realm role '{role['name']}' is composite: exported without its composites "
                                    "(smur-iam leaves them as they are)")
            if not re.match(r"^[a-z0-9][a-z0-9._-]*$", role["name"]):
                ctx.warnings.append(f"realm role '{role['name']}' has a name the files do not accept (lower-case "
                                    "letters, digits, . _ -): rename it before bringing it under management")
            item = {"name": role["name"]}
            if role.get("description"):
                item["description"] = role["description"]
            item["attributes"] = file_attributes(role.get("attributes"))
            out.append(item)
        return {"roles": out}

    def describe(self, key):
        return f"realm role '{key}'"
