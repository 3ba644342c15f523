"""Federated links between staff accounts and their PSC identity (natural key: national id).

Keycloak finds a brokered user by (identity provider, brokered user id); the
PSC mappers make that id the national id, so a link created here with the
national id lets the professional in without any first-login step.
"""
from __future__ import annotations

from .base import ResourceType
from .staff_account import psc_link

URLS = {
    "collection": "/admin/realms/{realm}/users/{id}/federated-identity",
    "item": "/admin/realms/{realm}/users/{id}/federated-identity/{alias}",
}


class UserLinkResource(ResourceType):
    kind = "user-link"
    depends_on = ("user", "identity-provider")
    not_exported = "a link is the user's national id at the region's PSC broker: the user's export implies it"

    def desired(self, ctx):
        if ctx.region.identityProvider is None:
            return {}
        alias = ctx.region.identityProvider.alias
        return {key: psc_link(alias, key) for key in (u.nationalId for u in ctx.region.users)}

    def read(self, ctx, keys):
        alias = ctx.region.identityProvider.alias if ctx.region.identityProvider else None
        found = {}
        for key in sorted(keys):
            user_id = ctx.ids.get(("user", key))
            if not user_id:
                continue
            links = ctx.realm_api.get(URLS["collection"], id=user_id, obj=self.describe(key))
            for link in links:
                # The link to the region's PSC broker; for a key leaving the files, whichever link we made.
                if link["identityProvider"] == alias or (alias is None and link.get("userId") == key):
                    found[key] = link
        return found

    def create(self, ctx, desired):
        key = desired["userId"]
        ctx.realm_api.post(URLS["item"], desired, id=ctx.id_of("user", key), alias=desired["identityProvider"],
                           obj=self.describe(key))

    def update(self, ctx, desired, current):
        # A link cannot be edited in Keycloak: replace this one link (never the others).
        key = desired["userId"]
        link = {"id": ctx.id_of("user", key), "alias": desired["identityProvider"]}
        ctx.realm_api.delete(URLS["item"], **link, obj=self.describe(key))
        ctx.realm_api.post(URLS["item"], desired, **link, obj=self.describe(key))

    def delete(self, ctx, key, current):
        user_id = ctx.ids.get(("user", key))
        if user_id:
            ctx.realm_api.delete(URLS["item"], id=user_id, alias=current["identityProvider"], allow_404=True,
                                 obj=self.describe(key))

    def describe(self, key):
        return f"PSC link of '{key}'"
