"""Top-level groups, e.g. one per SMUR base (natural key: group name, i.e. path "/<name>").

A group's attributes and its realm-role mappings are part of the group; the
mappings are written through the group's role-mapping endpoint (Keycloak
ignores `realmRoles` in a group body). Members come from the staff lists.
"""
from __future__ import annotations

from .base import Inventory, ResourceType, file_attributes
from .listing import find_by_key, read_listing
from .realm_roles import role_rep

URLS = {
    "collection": "/admin/realms/{realm}/groups",
    "item": "/admin/realms/{realm}/groups/{id}",
    "by_path": "/admin/realms/{realm}/group-by-path/{name}",
    "realm_roles": "/admin/realms/{realm}/groups/{id}/role-mappings/realm",
    "children": "/admin/realms/{realm}/groups/{id}/children",
    "members": "/admin/realms/{realm}/groups/{id}/members",
}


def _listing(ctx):
    # Full representations carry attributes and realm roles; no sub-group counting (costly in big realms).
    return read_listing(ctx, "groups", URLS["collection"], {"briefRepresentation": "false", "subGroupsCount": "false"})


class GroupResource(ResourceType):
    kind = "group"
    depends_on = ("realm", "realm-role")

    def desired(self, ctx):
        return {
            group.name: {
                "name": group.name,
                "path": f"/{group.name}",
                "attributes": {k: list(v) for k, v in group.attributes.items()},
                "realmRoles": sorted(group.realmRoles),
            }
            for group in ctx.region.groups
        }

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        found = find_by_key(_listing(ctx), lambda g: g["name"], set(keys), lambda name: ctx.realm_api.get(
            URLS["by_path"], name=name, allow_404=True, obj=self.describe(name)))
        for name, group in found.items():
            ctx.ids[("group", name)] = group["id"]
        return found

    def inventory(self, ctx):
        if not ctx.realm_exists:
            return Inventory(set())
        listing = _listing(ctx)
        return Inventory({g["name"] for g in listing.items}, listing.complete)

    def create(self, ctx, desired):
        body = {"name": desired["name"], "attributes": desired["attributes"]}
        group_id = ctx.realm_api.post(URLS["collection"], body, obj=self.describe(desired["name"]))
        ctx.ids[("group", desired["name"])] = group_id
        self._map_roles(ctx, desired["name"], group_id, add=desired["realmRoles"], remove=[])

    def update(self, ctx, desired, current):
        attributes = {**current.get("attributes", {}), **desired["attributes"]}
        if attributes != current.get("attributes", {}):
            # Keycloak replaces the attribute map: keep the attributes the file does not state.
            ctx.realm_api.put(URLS["item"], {"id": current["id"], "name": desired["name"], "attributes": attributes},
                              id=current["id"], obj=self.describe(desired["name"]))
        have, want = set(current.get("realmRoles", [])), set(desired["realmRoles"])
        self._map_roles(ctx, desired["name"], current["id"], add=sorted(want - have), remove=sorted(have - want))

    def _map_roles(self, ctx, name, group_id, add, remove):
        for method, roles in (("POST", add), ("DELETE", remove)):
            found = [(r, role_rep(ctx, r)) for r in roles]
            reps = [{"id": rep["id"], "name": r} for r, rep in found if rep]  # a role gone meanwhile is no mapping
            if reps:
                ctx.realm_api.request(method, URLS["realm_roles"], json=reps, id=group_id, obj=self.describe(name))

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], id=current["id"], allow_404=True, obj=self.describe(key))

    def export(self, ctx):
        out = []
        listing = ctx.realm_api.get_all(URLS["collection"], obj="groups", params={"briefRepresentation": "false"})
        for group in sorted(listing, key=lambda g: g["name"]):
            if group.get("subGroupCount") or group.get("subGroups"):
                ctx.warnings.append(f"group '{group['name']}' has sub-groups: only top-level groups are exported")
            if group.get("clientRoles"):
                ctx.warnings.append(f"group '{group['name']}' has client-role mappings: not exported")
            out.append({"name": group["name"], "attributes": file_attributes(group.get("attributes")),
                        "realmRoles": sorted(group.get("realmRoles") or [])})
        return {"groups": out}

    def describe(self, key):
        return f"group '{key}'"
