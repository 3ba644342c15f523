"""Federated links between staff accounts and their PSC identity (natural key: national id).

Keycloak finds a brokered user by (identity provider, brokered user id); the
PSC mappers make that id the national id, so a link created here with the
national id lets the professional in without any first-login step.
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType

URLS = {
    "collection": "/admin/realms/{realm}/users/{id}/federated-identity",
    "item": "/admin/realms/{realm}/users/{id}/federated-identity/{alias}",
}


class UserLinkResource(ResourceType):
    kind = "user-link"
    depends_on = ("user", "identity-provider")

    def desired(self, ctx):
        if ctx.region.identityProvider is None:
            return {}
        alias = ctx.region.identityProvider.alias
        return {
            key: {"identityProvider": alias, "userId": key, "userName": key}
            for key in (u.nationalId for u in ctx.region.users)
        }

    def read(self, ctx, keys):
        alias = ctx.region.identityProvider.alias if ctx.region.identityProvider else None
        found = {}
        for key in sorted(keys):
            user_id = ctx.ids.get(("user", key))
            if not user_id:
                continue
            links = ctx.api.get(url(URLS["collection"], realm=ctx.realm, id=user_id),
                                realm=ctx.realm, obj=self.describe(key))
            for link in links:
                # The link to the region's PSC broker; for a key leaving the files, whichever link we made.
                if link["identityProvider"] == alias or (alias is None and link.get("userId") == key):
                    found[key] = link
        return found

    def create(self, ctx, desired):
        key = desired["userId"]
        ctx.api.post(url(URLS["item"], realm=ctx.realm, id=ctx.id_of("user", key), alias=desired["identityProvider"]),
                     desired, realm=ctx.realm, obj=self.describe(key))

    def update(self, ctx, desired, current):
        # A link cannot be edited in Keycloak: replace this one link (never the others).
        key = desired["userId"]
        item = url(URLS["item"], realm=ctx.realm, id=ctx.id_of("user", key), alias=desired["identityProvider"])
        ctx.api.delete(item, realm=ctx.realm, obj=self.describe(key))
        ctx.api.post(item, desired, realm=ctx.realm, obj=self.describe(key))

    def delete(self, ctx, key, current):
        user_id = ctx.ids.get(("user", key))
        if user_id:
            ctx.api.delete(url(URLS["item"], realm=ctx.realm, id=user_id, alias=current["identityProvider"]),
                           allow_404=True, realm=ctx.realm, obj=self.describe(key))

    def describe(self, key):
        return f"PSC link of '{key}'"
