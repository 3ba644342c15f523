"""The realm itself (natural key: its name). Never deleted: a realm holds a region's staff.

Keycloak replaces the realm's whole attribute map on update, and the map also
holds smur-iam's ownership record, so attributes are always sent merged into
the latest known map (`ctx.realm_attributes`).
"""
from __future__ import annotations

from .base import ResourceType

URLS = {
    "collection": "/admin/realms",
    "item": "/admin/realms/{realm}",
}
INSEE_ATTRIBUTE = "smurIam.inseeRegion"
# Read by the smur login theme (mappers/psc-extension, theme/smur/login): the "not registered" page shows the
# region's own message (the first-login flow's text, which Keycloak hands the page without saying which step
# wrote it) and the region's support contact.
SUPPORT_CONTACT_ATTRIBUTE = "smurIam.supportContact"
NOT_REGISTERED_ATTRIBUTE = "smurIam.notRegisteredMessage"
LIFESPANS = ("accessTokenLifespan", "ssoSessionIdleTimeout", "ssoSessionMaxLifespan")
ADMIN_EVENTS_EXPIRATION = "adminEventsExpiration"  # a realm attribute in Keycloak 26, in seconds

# Fixed by the tool, like the broker's security settings: a PSC-only realm has no credential of its own.
PSC_ONLY_SETTINGS = {
    # Staff come only through PSC or the provisioning: no self-service accounts, no password reset,
    # nothing a login form would use.
    "registrationAllowed": False,
    "resetPasswordAllowed": False,
    "rememberMe": False,
    "loginWithEmailAllowed": False,
    "verifyEmail": False,
    "editUsernameAllowed": False,
    "sslRequired": "external",
    # A safety net: nothing here takes a password, but any future credential would be rate-limited.
    # Never a permanent lockout: it would disable a doctor's account in the middle of an emergency.
    "bruteForceProtected": True,
    "permanentLockout": False,
    "failureFactor": 10,
    "waitIncrementSeconds": 60,
    "maxFailureWaitSeconds": 900,
    "maxDeltaTimeSeconds": 43200,
    # A refresh token is used once: a stolen copy used after the app's own refresh is refused.
    "revokeRefreshToken": True,
    "refreshTokenMaxReuse": 0,
    # Offline tokens (only for clients that declare offlineAccess) end at the realm's maximum.
    "offlineSessionMaxLifespanEnabled": True,
}


def read_realm(ctx) -> dict | None:
    """The realm representation, read once per plan; it also tells whether the realm exists."""
    if "realm" not in ctx.cache:
        found = ctx.realm_api.get(URLS["item"], allow_404=True, obj="realm")
        ctx.cache["realm"] = found
        ctx.realm_exists = found is not None
        ctx.realm_attributes = dict((found or {}).get("attributes") or {})
    return ctx.cache["realm"]


def write_realm_attributes(ctx, attributes: dict[str, str], obj: str) -> None:
    """Set some realm attributes, keeping every other one (the PUT replaces the map)."""
    merged = {**ctx.realm_attributes, **attributes}
    ctx.realm_api.put(URLS["item"], {"attributes": merged}, obj=obj)
    ctx.realm_attributes = merged


class RealmResource(ResourceType):
    kind = "realm"
    deletable = False

    def desired(self, ctx):
        region = ctx.region
        rep = {"realm": region.realm, "enabled": region.enabled, **PSC_ONLY_SETTINGS}
        attributes = {}
        if region.displayName is not None:
            rep["displayName"] = region.displayName
        for name in LIFESPANS:
            if getattr(region, name) is not None:
                rep[name] = getattr(region, name)
        if region.offlineSessionMaxLifespan is not None:
            # Idle never longer than the maximum: an offline token unused for that long is dead anyway.
            rep["offlineSessionMaxLifespan"] = rep["offlineSessionIdleTimeout"] = region.offlineSessionMaxLifespan
        if region.events is not None:
            seconds = region.events.retentionDays * 86400
            rep |= {"eventsEnabled": True, "eventsExpiration": seconds, "enabledEventTypes": list(region.events.types),
                    "adminEventsEnabled": region.events.adminEvents,
                    # Admin events with representations would store client secrets in the event table.
                    "adminEventsDetailsEnabled": False}
            attributes[ADMIN_EVENTS_EXPIRATION] = str(seconds)
        if region.inseeCode is not None:
            attributes[INSEE_ATTRIBUTE] = region.inseeCode
        if region.locale is not None:
            rep |= {"internationalizationEnabled": True, "supportedLocales": list(region.locale.supported),
                    "defaultLocale": region.locale.default}
        if region.loginTheme is not None:
            rep["loginTheme"] = region.loginTheme
        if region.supportContact is not None:
            attributes[SUPPORT_CONTACT_ATTRIBUTE] = region.supportContact
        if region.identityProvider is not None:
            attributes[NOT_REGISTERED_ATTRIBUTE] = region.identityProvider.firstLoginDenyMessage
        if attributes:
            rep["attributes"] = attributes
        return {region.realm: rep}

    def read(self, ctx, keys):
        found = read_realm(ctx)
        return {ctx.realm: found} if found else {}

    def create(self, ctx, desired):
        extras = ctx.realm_creation_extras
        body = {**desired, **extras,
                "attributes": {**desired.get("attributes", {}), **extras.get("attributes", {})}}
        ctx.realm_api.post(URLS["collection"], body, obj="realm")
        ctx.realm_exists = True
        ctx.realm_attributes = dict(body["attributes"])

    def update(self, ctx, desired, current):
        # Keycloak's realm update only touches the fields present in the body, but replaces attributes whole.
        body = dict(desired)
        if "attributes" in desired:
            body["attributes"] = {**ctx.realm_attributes, **desired["attributes"]}
        ctx.realm_api.put(URLS["item"], body, obj="realm")
        ctx.realm_attributes = dict(body.get("attributes", ctx.realm_attributes))

    def export(self, ctx):
        rep = ctx.realm_rep
        attributes = rep.get("attributes") or {}
        out = {"realm": rep["realm"]}
        if attributes.get(INSEE_ATTRIBUTE):
            out["inseeCode"] = attributes[INSEE_ATTRIBUTE]
        if rep.get("displayName"):
            out["displayName"] = rep["displayName"]
        out["enabled"] = rep.get("enabled", True)
        for name in LIFESPANS:
            if rep.get(name) is not None:
                out[name] = rep[name]
        if rep.get("offlineSessionMaxLifespanEnabled"):
            out["offlineSessionMaxLifespan"] = rep.get("offlineSessionMaxLifespan")
        if rep.get("eventsEnabled"):
            events = {"types": sorted(rep.get("enabledEventTypes") or []),
                      "adminEvents": bool(rep.get("adminEventsEnabled"))}
            if rep.get("eventsExpiration"):  # none: kept forever, which the files cannot say (the default applies)
                events["retentionDays"] = max(1, rep["eventsExpiration"] // 86400)
            out["events"] = events
        if rep.get("internationalizationEnabled"):
            out["locale"] = {"default": rep.get("defaultLocale") or "en",
                             "supported": list(rep.get("supportedLocales") or [])}
        if rep.get("loginTheme"):
            out["loginTheme"] = rep["loginTheme"]
        if attributes.get(SUPPORT_CONTACT_ATTRIBUTE):
            out["supportContact"] = attributes[SUPPORT_CONTACT_ATTRIBUTE]
        return out

    def describe(self, key):
        return f"realm '{key}'"
