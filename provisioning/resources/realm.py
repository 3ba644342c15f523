"""The realm itself (natural key: its name). Never deleted: a realm holds a region's staff.

Keycloak replaces the realm's whole attribute map on update, and the map also
holds smur-iam's ownership record, so attributes are always sent merged into
the latest known map (`ctx.realm_attributes`).
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType

URLS = {
    "collection": "/admin/realms",
    "item": "/admin/realms/{realm}",
}
INSEE_ATTRIBUTE = "smurIam.inseeRegion"
LIFESPANS = ("accessTokenLifespan", "ssoSessionIdleTimeout", "ssoSessionMaxLifespan")


def read_realm(ctx) -> dict | None:
    """The realm representation, read once per plan; it also tells whether the realm exists."""
    if "realm" not in ctx.cache:
        found = ctx.api.get(url(URLS["item"], realm=ctx.realm), allow_404=True, realm=ctx.realm, obj="realm")
        ctx.cache["realm"] = found
        ctx.realm_exists = found is not None
        ctx.realm_attributes = dict((found or {}).get("attributes") or {})
    return ctx.cache["realm"]


def write_realm_attributes(ctx, attributes: dict[str, str], obj: str) -> None:
    """Set some realm attributes, keeping every other one (the PUT replaces the map)."""
    merged = {**ctx.realm_attributes, **attributes}
    ctx.api.put(url(URLS["item"], realm=ctx.realm), {"attributes": merged}, realm=ctx.realm, obj=obj)
    ctx.realm_attributes = merged


class RealmResource(ResourceType):
    kind = "realm"
    deletable = False

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
        for name in LIFESPANS:
            if getattr(region, name) is not None:
                rep[name] = getattr(region, name)
        if region.inseeCode is not None:
            rep["attributes"] = {INSEE_ATTRIBUTE: region.inseeCode}
        return {region.realm: rep}

    def read(self, ctx, keys):
        found = read_realm(ctx)
        return {ctx.realm: found} if found else {}

    def create(self, ctx, desired):
        extras = ctx.realm_creation_extras
        body = {**desired, **extras,
                "attributes": {**desired.get("attributes", {}), **extras.get("attributes", {})}}
        ctx.api.post(URLS["collection"], body, realm=ctx.realm, obj="realm")
        ctx.realm_exists = True
        ctx.realm_attributes = dict(body["attributes"])

    def update(self, ctx, desired, current):
        # Keycloak's realm update only touches the fields present in the body, but replaces attributes whole.
        body = dict(desired)
        if "attributes" in desired:
            body["attributes"] = {**ctx.realm_attributes, **desired["attributes"]}
        ctx.api.put(url(URLS["item"], realm=ctx.realm), body, realm=ctx.realm, obj="realm")
        ctx.realm_attributes = dict(body.get("attributes", ctx.realm_attributes))

    def describe(self, key):
        return f"realm '{key}'"
