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
        alias = ctx.region.identityProvider.alias
        return {
            key: {"identityProvider": alias, "userId": key, "userName": key}
            for key in (u.nationalId for u in ctx.region.users)
        }

    def current(self, ctx, desired):
        found = {}
        for key, rep in desired.items():
            user_id = ctx.ids.get(("user", key))
            if not user_id:
                continue
            links = ctx.api.get(url(URLS["collection"], realm=ctx.realm, id=user_id),
                                realm=ctx.realm, obj=self.describe(key))
            for link in links:
                if link["identityProvider"] == rep["identityProvider"]:
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

    def describe(self, key):
        return f"PSC link of '{key}'"
