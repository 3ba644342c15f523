"""Staff accounts the region files name (natural key: national id, which is also the username).

Their shape (attributes, names that only seed, no credential) is staff_account.py's,
shared with `smur-iam links`: a credential found on an account the files state is a
change to undo, `credentials: ['password'] -> []`: plan and drift report it, apply
deletes it; a name PSC set is not drift, and apply never writes the file's name back.

Users are not inventoried: accounts the files do not name belong to `smur-iam links`.
"""
from __future__ import annotations

from psc_ids.national_id import parse_national_id

from .base import ResourceType, merged
from .staff_account import CREDENTIALS, SEED_ONLY, account, changes_from_files, username_of

URLS = {
    "collection": "/admin/realms/{realm}/users",
    "item": "/admin/realms/{realm}/users/{id}",
    "count": "/admin/realms/{realm}/users/count",
    "credentials": "/admin/realms/{realm}/users/{id}/credentials",
    "credential": "/admin/realms/{realm}/users/{id}/credentials/{credential}",
    "group": "/admin/realms/{realm}/users/{id}/groups/{group}",  # membership: PUT adds, DELETE removes
    "realm_roles": "/admin/realms/{realm}/users/{id}/role-mappings/realm",
    "logout": "/admin/realms/{realm}/users/{id}/logout",
    "consents": "/admin/realms/{realm}/users/{id}/consents",
    "consent": "/admin/realms/{realm}/users/{id}/consents/{client}",
}
FOUND_CREDENTIALS = "_credentials"  # what read() saw: [{"id", "type"}], for apply to delete by id


class UserResource(ResourceType):
    kind = "user"
    depends_on = ("realm", "user-profile", "user-profile-attribute")

    def desired(self, ctx):
        sandbox = ctx.config.deployment.psc.selected.nationalIdMode == "sandbox"
        found = {}
        for user in ctx.region.users:
            national_id = parse_national_id(user.nationalId, sandbox=sandbox)
            found[national_id.value] = account(national_id.value, national_id.rpps, user.firstName, user.lastName,
                                               user.email, enabled=user.enabled)
        return found

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        found = {}
        # One exact lookup per staff member of the files (few: staff lists at scale go through `smur-iam links`).
        for key in sorted(keys):
            matches = ctx.realm_api.get(URLS["collection"], params={"username": username_of(key), "exact": "true",
                                                                    "briefRepresentation": "false"},
                                        obj=self.describe(key))
            if matches:
                user = matches[0]
                ctx.ids[("user", key)] = user["id"]
                credentials = ctx.realm_api.get(URLS["credentials"], id=user["id"],
                                                obj=f"credentials of {self.describe(key)}")
                user[FOUND_CREDENTIALS] = sorted(({"id": c["id"], "type": c["type"]} for c in credentials),
                                                 key=lambda c: (c["type"], c["id"]))
                found[key] = user
        return found

    def compare(self, desired, current):
        return changes_from_files(desired, current, [c["type"] for c in current.get(FOUND_CREDENTIALS, [])])

    def create(self, ctx, desired):
        key = desired["attributes"]["idnat"][0]
        ctx.ids[("user", key)] = ctx.realm_api.post(URLS["collection"], desired, obj=self.describe(key))

    def update(self, ctx, desired, current):
        key = desired["attributes"]["idnat"][0]
        if any(change.path != CREDENTIALS for change in self.compare(desired, current)):
            stated = {k: v for k, v in desired.items() if k not in SEED_ONLY}
            body = merged({k: v for k, v in current.items() if k != FOUND_CREDENTIALS}, stated)
            # Keycloak replaces the attribute map on update: keep the ones we do not manage.
            body["attributes"] = {**current.get("attributes", {}), **desired["attributes"]}
            ctx.realm_api.put(URLS["item"], body, id=current["id"], obj=self.describe(key))
        for credential in current.get(FOUND_CREDENTIALS, []):
            ctx.realm_api.delete(URLS["credential"], id=current["id"], credential=credential["id"], allow_404=True,
                                 obj=f"{self.describe(key)}, {credential['type']} credential")

    def notes(self, ctx, change):
        types = sorted(c["type"] for c in (change.current or {}).get(FOUND_CREDENTIALS, []))
        if change.action != "update" or not types:
            return []
        return [f"realm {ctx.realm}: removed the {', '.join(types)} credential(s) of {self.describe(change.key)} "
                "(a staff account holds none: PSC is the only way in)"]

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], id=current["id"], allow_404=True, obj=self.describe(key))

    def export(self, ctx):
        """The accounts smur-iam created from the files (its ownership record names them); the other accounts
        are the staff lists' (`smur-iam links`), counted in a warning."""
        out = []
        for national_id in sorted(ctx.record.keys("user")):
            found = ctx.realm_api.get(URLS["collection"], params={"username": username_of(national_id), "exact": "true",
                                                                  "briefRepresentation": "false"},
                                      obj=f"user '{national_id}'")
            if not found:
                continue
            user = found[0]
            item = {"nationalId": national_id, "firstName": user.get("firstName", ""),
                    "lastName": user.get("lastName", "")}
            if user.get("email"):
                item["email"] = user["email"]
            item["enabled"] = user.get("enabled", True)
            out.append(item)
        others = ctx.realm_api.get(URLS["count"], obj="users") - len(out)
        if others > 0:
            ctx.warnings.append(f"{others} user account(s) not in the files are not exported: staff accounts "
                                "go through `smur-iam links`")
        return {"users": out}

    def describe(self, key):
        return f"user '{key}'"
