"""The realm's declarative user profile (one document per realm).

Keycloak silently drops writes to attributes the profile does not declare, so
`rpps`/`idnat` must be declared before any user is written. The document is
replaced as a whole by PUT, so we always merge into the server's current one.
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType, merged, stated_diff

URLS = {"item": "/admin/realms/{realm}/users/profile"}
KEY = "user-profile"


def attribute_rep(attr) -> dict:
    rep = {
        "name": attr.name,
        "multivalued": attr.multivalued,
        "permissions": {"view": ["admin", "user"] if attr.userCanView else ["admin"], "edit": ["admin"]},
    }
    if attr.displayName is not None:
        rep["displayName"] = attr.displayName
    if attr.pattern is not None:
        pattern = {"pattern": attr.pattern}
        if attr.patternErrorMessage:
            pattern["error-message"] = attr.patternErrorMessage
        rep["validations"] = {"pattern": pattern}
    return rep


class UserProfileResource(ResourceType):
    kind = "user-profile"
    depends_on = ("realm",)

    def desired(self, ctx):
        profile = ctx.region.userProfile
        return {KEY: {
            "attributes": {a.name: attribute_rep(a) for a in profile.attributes},
            "emailRequired": profile.emailRequired,
        }}

    def current(self, ctx, desired):
        if not ctx.realm_exists:
            return {}
        document = ctx.api.get(url(URLS["item"], realm=ctx.realm), realm=ctx.realm, obj="user profile")
        ctx.cache["user-profile"] = document
        return {KEY: self._view(document)}

    @staticmethod
    def _view(document: dict) -> dict:
        attributes = {a["name"]: a for a in document.get("attributes", [])}
        email = attributes.get("email", {})
        return {"attributes": attributes, "emailRequired": bool(email.get("required"))}

    def compare(self, desired, current):
        return stated_diff(desired, current)

    def _document(self, ctx, desired: dict) -> dict:
        document = ctx.api.get(url(URLS["item"], realm=ctx.realm), realm=ctx.realm, obj="user profile")
        attributes = document.setdefault("attributes", [])
        by_name = {a["name"]: i for i, a in enumerate(attributes)}
        for name, rep in desired["attributes"].items():
            if name in by_name:
                attributes[by_name[name]] = merged(attributes[by_name[name]], rep)
            else:
                attributes.append(rep)
        for attr in attributes:
            if attr["name"] == "email":
                if desired["emailRequired"]:
                    attr.setdefault("required", {"roles": ["user"]})
                else:
                    attr.pop("required", None)
        return document

    def create(self, ctx, desired):
        # A new realm already has the default profile: "create" is a merge into it.
        self.update(ctx, desired, None)

    def update(self, ctx, desired, current):
        ctx.api.put(url(URLS["item"], realm=ctx.realm), self._document(ctx, desired),
                    realm=ctx.realm, obj="user profile")

    def describe(self, key):
        return "user profile"


