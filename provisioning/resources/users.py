"""Staff accounts (natural key: national id, which is also the username).

Accounts are passwordless: staff sign in only through PSC. The `rpps` and
`idnat` attributes are what apps receive in their tokens. Users are not
inventoried: accounts the files do not name belong to `smur-iam links`.
"""
from __future__ import annotations

from ..keycloak_api import url
from ..national_id import parse_national_id
from .base import ResourceType, merged

URLS = {
    "collection": "/admin/realms/{realm}/users",
    "item": "/admin/realms/{realm}/users/{id}",
    "count": "/admin/realms/{realm}/users/count",
}


def username_of(national_id: str) -> str:
    # Keycloak lower-cases usernames; national ids with letters (FINESS-based) stay unambiguous.
    return national_id.lower()


class UserResource(ResourceType):
    kind = "user"
    depends_on = ("realm", "user-profile", "user-profile-attribute")

    def desired(self, ctx):
        sandbox = ctx.config.deployment.psc.selected.nationalIdMode == "sandbox"
        found = {}
        for user in ctx.region.users:
            national_id = parse_national_id(user.nationalId, sandbox=sandbox)
            attributes = {"idnat": [national_id.value]}
            if national_id.rpps:
                attributes["rpps"] = [national_id.rpps]
            rep = {
                "username": username_of(national_id.value),
                "enabled": user.enabled,
                "firstName": user.firstName,
                "lastName": user.lastName,
                "attributes": attributes,
            }
            if user.email is not None:
                # Never trusted for linking; shown to admins only.
                rep["email"] = user.email
                rep["emailVerified"] = False
            found[national_id.value] = rep
        return found

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        found = {}
        # One exact lookup per staff member of the files (few: staff lists at scale go through `smur-iam links`).
        for key in sorted(keys):
            matches = ctx.api.get(url(URLS["collection"], realm=ctx.realm),
                                  params={"username": username_of(key), "exact": "true", "briefRepresentation": "false"},
                                  realm=ctx.realm, obj=self.describe(key))
            if matches:
                ctx.ids[("user", key)] = matches[0]["id"]
                found[key] = matches[0]
        return found

    def create(self, ctx, desired):
        key = desired["attributes"]["idnat"][0]
        ctx.ids[("user", key)] = ctx.api.post(url(URLS["collection"], realm=ctx.realm), desired,
                                             realm=ctx.realm, obj=self.describe(key))

    def update(self, ctx, desired, current):
        key = desired["attributes"]["idnat"][0]
        body = merged(current, desired)
        # Keycloak replaces the attribute map on update: keep the ones we do not manage.
        body["attributes"] = {**current.get("attributes", {}), **desired["attributes"]}
        ctx.api.put(url(URLS["item"], realm=ctx.realm, id=current["id"]), body,
                    realm=ctx.realm, obj=self.describe(key))

    def delete(self, ctx, key, current):
        ctx.api.delete(url(URLS["item"], realm=ctx.realm, id=current["id"]), allow_404=True, realm=ctx.realm,
                       obj=self.describe(key))

    def describe(self, key):
        return f"user '{key}'"
