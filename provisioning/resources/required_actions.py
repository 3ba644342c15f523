"""The realm's required actions, as one object: which are enabled (natural key: `required-actions`).

Keycloak enables actions that give a PSC-only realm a second way in or let a
user rewrite what PSC decides: UPDATE_PASSWORD (an app's `kc_action` sets a
password, then the password form would sign in), CONFIGURE_TOTP, WebAuthn
registration, UPDATE_EMAIL, UPDATE_PROFILE, identity-provider linking... A
disabled action asked for through `kc_action` is refused by Keycloak
(`kc_action_status=error` back to the app) and changes nothing.

Only `ALLOWED` stay enabled, whatever Keycloak version registers more: the
object states the whole set, so an action enabled by hand shows as drift.
No action is a default action (one added to every new account).
"""
from __future__ import annotations

from .base import ResourceType

URLS = {
    "collection": "/admin/realms/{realm}/authentication/required-actions",
    "item": "/admin/realms/{realm}/authentication/required-actions/{alias}",
}
KEY = "required-actions"
# Choosing the pages' language stores a `locale` attribute: nothing PSC decides, no credential.
ALLOWED = ("update_user_locale",)


def _registered(ctx) -> list[dict]:
    if "required-actions" not in ctx.cache:
        ctx.cache["required-actions"] = ctx.realm_api.get(URLS["collection"], obj="required actions")
    return ctx.cache["required-actions"]


class RequiredActionsResource(ResourceType):
    kind = "required-actions"
    depends_on = ("realm",)
    deletable = False

    def desired(self, ctx):
        return {KEY: {"enabled": sorted(ALLOWED), "default": []}}

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        actions = _registered(ctx)
        return {KEY: {"enabled": sorted(a["alias"] for a in actions if a.get("enabled")),
                      "default": sorted(a["alias"] for a in actions if a.get("defaultAction"))}}

    def create(self, ctx, desired):
        self.update(ctx, desired, None)  # a new realm comes with Keycloak's actions: "create" sets them

    def update(self, ctx, desired, current):
        ctx.cache.pop("required-actions", None)  # re-read: the plan's copy may be another realm state's
        for action in _registered(ctx):
            enabled = action["alias"] in desired["enabled"]
            default = action["alias"] in desired["default"]
            if bool(action.get("enabled")) != enabled or bool(action.get("defaultAction")) != default:
                ctx.realm_api.put(URLS["item"], {**action, "enabled": enabled, "defaultAction": default},
                                  alias=action["alias"], obj=f"required action '{action['alias']}'")

    def export(self, ctx):
        """Nothing to write (the set is fixed): an action enabled by hand is named, since apply disables it."""
        enabled = sorted(a["alias"] for a in _registered(ctx) if a.get("enabled") and a["alias"] not in ALLOWED)
        if enabled:
            ctx.warnings.append(f"required action(s) {', '.join(enabled)} enabled: apply would disable them")
        return {}

    def describe(self, key):
        return "required actions"
