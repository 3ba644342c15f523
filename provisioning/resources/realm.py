"""The realm itself (natural key: its name)."""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType

URLS = {
    "collection": "/admin/realms",
    "item": "/admin/realms/{realm}",
}


class RealmResource(ResourceType):
    kind = "realm"

    def desired(self, ctx):
        region = ctx.region
        rep = {
            "realm": region.realm,
            "enabled": region.enabled,
            # Staff come only through PSC or the provisioning: no self-service accounts.
            "registrationAllowed": False,
            "editUsernameAllowed": False,
            "sslRequired": "external",
        }
        if region.displayName is not None:
            rep["displayName"] = region.displayName
        return {region.realm: rep}

    def current(self, ctx, desired):
        found = ctx.api.get(url(URLS["item"], realm=ctx.realm), allow_404=True, realm=ctx.realm, obj="realm")
        ctx.realm_exists = found is not None
        return {ctx.realm: found} if found else {}

    def create(self, ctx, desired):
        ctx.api.post(URLS["collection"], desired, realm=ctx.realm, obj="realm")
        ctx.realm_exists = True

    def update(self, ctx, desired, current):
        # Keycloak's realm update only touches the fields present in the body.
        ctx.api.put(url(URLS["item"], realm=ctx.realm), desired, realm=ctx.realm, obj="realm")
