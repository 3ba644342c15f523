"""Mappers of the PSC identity provider (natural key: mapper name), from `mappers/catalogue.yaml`."""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType, merged

URLS = {
    "collection": "/admin/realms/{realm}/identity-provider/instances/{alias}/mappers",
    "item": "/admin/realms/{realm}/identity-provider/instances/{alias}/mappers/{id}",
}


class IdentityProviderMapperResource(ResourceType):
    kind = "identity-provider-mapper"
    depends_on = ("identity-provider",)

    def desired(self, ctx):
        alias = ctx.region.identityProvider.alias
        return {
            spec.name: {
                "name": spec.name,
                "identityProviderAlias": alias,
                "identityProviderMapper": spec.type,
                "config": {"syncMode": spec.syncMode, **spec.config},
            }
            for spec in ctx.config.identity_provider_mappers
        }

    def current(self, ctx, desired):
        if not ctx.realm_exists:
            return {}
        alias = ctx.region.identityProvider.alias
        mappers = ctx.api.get(url(URLS["collection"], realm=ctx.realm, alias=alias), allow_404=True,
                              realm=ctx.realm, obj=f"mappers of identity provider '{alias}'") or []
        return {m["name"]: m for m in mappers}

    def create(self, ctx, desired):
        alias = desired["identityProviderAlias"]
        ctx.api.post(url(URLS["collection"], realm=ctx.realm, alias=alias), desired,
                     realm=ctx.realm, obj=self.describe(desired["name"]))

    def update(self, ctx, desired, current):
        alias = desired["identityProviderAlias"]
        ctx.api.put(url(URLS["item"], realm=ctx.realm, alias=alias, id=current["id"]), merged(current, desired),
                    realm=ctx.realm, obj=self.describe(desired["name"]))

    def describe(self, key):
        return f"identity-provider mapper '{key}'"
