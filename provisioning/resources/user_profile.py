"""The realm's declarative user profile: its settings (one per realm, never deleted).

Keycloak silently drops writes to attributes the profile does not declare, so
`rpps`/`idnat` must be declared before any user is written. The document is
replaced as a whole by PUT, so every write re-reads it and changes only its part.
The attributes themselves are a resource type of their own (user_profile_attributes.py).

Keycloak's own attributes (username, e-mail, names) are editable by the user by
default: through the account API a signed-in user could rename herself, and an
intervention sheet would show a colleague's name. Here only administrators
(and the PSC mapper, which rewrites the names at every login) may write them.
"""
from __future__ import annotations

from collections.abc import Callable

from .base import ResourceType

URLS = {"item": "/admin/realms/{realm}/users/profile"}
KEY = "user-profile"
# What PSC decides (names) or an administrator (username, e-mail): never the user.
ADMIN_ONLY = ("username", "email", "firstName", "lastName")


def _editable_by_user(document: dict) -> list[str]:
    return sorted(a["name"] for a in document.get("attributes", [])
                  if a["name"] in ADMIN_ONLY and "user" in ((a.get("permissions") or {}).get("edit") or []))


def profile_document(ctx) -> dict:
    """The profile as read for the plan (one GET per plan)."""
    if "user-profile" not in ctx.cache:
        ctx.cache["user-profile"] = ctx.realm_api.get(URLS["item"], obj="user profile")
    return ctx.cache["user-profile"]


def edit_profile(ctx, change: Callable[[dict], None], obj: str) -> None:
    """Read the current document, apply ``change`` to it, write it back whole."""
    document = ctx.realm_api.get(URLS["item"], obj=obj)
    change(document)
    ctx.realm_api.put(URLS["item"], document, obj=obj)


class UserProfileResource(ResourceType):
    kind = "user-profile"
    depends_on = ("realm",)
    deletable = False

    def desired(self, ctx):
        return {KEY: {"emailRequired": ctx.region.userProfile.emailRequired, "editableByUsers": []}}

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        document = profile_document(ctx)
        email = next((a for a in document.get("attributes", []) if a["name"] == "email"), {})
        return {KEY: {"emailRequired": bool(email.get("required")), "editableByUsers": _editable_by_user(document)}}

    def create(self, ctx, desired):
        # A new realm already has the default profile: "create" is an update of it.
        self.update(ctx, desired, None)

    def update(self, ctx, desired, current):
        def set_builtin_attributes(document):
            for attr in document.get("attributes", []):
                if attr["name"] == "email":
                    if desired["emailRequired"]:
                        attr.setdefault("required", {"roles": ["user"]})
                    else:
                        attr.pop("required", None)
                if attr["name"] in ADMIN_ONLY:
                    permissions = attr.setdefault("permissions", {})
                    permissions["edit"] = ["admin"] + (["user"] if attr["name"] in desired["editableByUsers"] else [])
        edit_profile(ctx, set_builtin_attributes, "user profile")

    def export(self, ctx):
        email = next((a for a in profile_document(ctx).get("attributes", []) if a["name"] == "email"), {})
        return {"userProfile": {"emailRequired": bool(email.get("required"))}}

    def describe(self, key):
        return "user profile"
