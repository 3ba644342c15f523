"""Mappers of the PSC identity provider, from `mappers/catalogue.yaml`.

Natural key: "<identity provider alias>/<mapper name>". Every mapper of a
managed identity provider is read with one listing per provider.
"""
from __future__ import annotations

from .base import Inventory, ResourceType, merged, without_private

URLS = {
    "collection": "/admin/realms/{realm}/identity-provider/instances/{alias}/mappers",
    "item": "/admin/realms/{realm}/identity-provider/instances/{alias}/mappers/{id}",
}


def _key(alias: str, name: str) -> str:
    return f"{alias}/{name}"


class IdentityProviderMapperResource(ResourceType):
    kind = "identity-provider-mapper"
    depends_on = ("identity-provider", "user-profile-attribute")
    not_exported = "they come from the mapper catalogue (deployment.yaml's mapperCatalogue), not a region file"

    def desired(self, ctx):
        idp = ctx.region.identityProvider
        if idp is None:
            return {}
        return {
            _key(idp.alias, spec.name): {
                "name": spec.name,
                "identityProviderAlias": idp.alias,
                "identityProviderMapper": spec.type,
                "config": {"syncMode": spec.syncMode, **spec.config},
            }
            for spec in ctx.config.identity_provider_mappers
        }

    def _mappers_of(self, ctx, alias: str) -> list[dict]:
        cache_key = ("idp-mappers", alias)
        if cache_key not in ctx.cache:
            mappers = []
            if ctx.realm_exists:  # a missing identity provider (404) has no mappers
                mappers = ctx.realm_api.get(URLS["collection"], alias=alias, allow_404=True,
                                            obj=f"mappers of identity provider '{alias}'") or []
            ctx.cache[cache_key] = mappers
        return ctx.cache[cache_key]

    def read(self, ctx, keys):
        found = {}
        for alias in sorted({key.split("/", 1)[0] for key in keys}):
            for mapper in self._mappers_of(ctx, alias):
                key = _key(alias, mapper["name"])
                if key in keys:
                    found.setdefault(key, mapper)
        return found

    def inventory(self, ctx):
        idp = ctx.region.identityProvider
        if idp is None:
            return Inventory(set())
        return Inventory({_key(idp.alias, m["name"]) for m in self._mappers_of(ctx, idp.alias)})

    def create(self, ctx, desired):
        alias = desired["identityProviderAlias"]
        ctx.realm_api.post(URLS["collection"], without_private(desired), alias=alias,
                           obj=self.describe(_key(alias, desired["name"])))

    def update(self, ctx, desired, current):
        alias = desired["identityProviderAlias"]
        ctx.realm_api.put(URLS["item"], merged(current, desired), alias=alias, id=current["id"],
                          obj=self.describe(_key(alias, desired["name"])))

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], alias=current["identityProviderAlias"], id=current["id"], allow_404=True,
                             obj=self.describe(key))

    def describe(self, key):
        return f"identity-provider mapper '{key}'"
