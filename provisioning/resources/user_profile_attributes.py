"""User-profile attributes such as `rpps` and `idnat` (natural key: attribute name).

They live inside the profile document (user_profile.py), which is written whole:
each write re-reads the document and changes only its own attribute.
"""
from __future__ import annotations

from ..config.model import BUILTIN_PROFILE_ATTRIBUTES
from .base import Inventory, ResourceType, merged
from .user_profile import edit_profile, profile_document


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


class UserProfileAttributeResource(ResourceType):
    kind = "user-profile-attribute"
    depends_on = ("realm",)

    def desired(self, ctx):
        return {a.name: attribute_rep(a) for a in ctx.region.userProfile.attributes}

    def _all(self, ctx) -> dict[str, dict]:
        if not ctx.realm_exists:
            return {}
        return {a["name"]: a for a in profile_document(ctx).get("attributes", [])}

    def read(self, ctx, keys):
        return {name: rep for name, rep in self._all(ctx).items() if name in keys}

    def inventory(self, ctx):
        return Inventory(set(self._all(ctx)) - BUILTIN_PROFILE_ATTRIBUTES)

    def create(self, ctx, desired):
        def add(document):
            attributes = document.setdefault("attributes", [])
            if not any(a["name"] == desired["name"] for a in attributes):
                attributes.append(desired)
        edit_profile(ctx, add, self.describe(desired["name"]))

    def update(self, ctx, desired, current):
        def replace(document):
            document["attributes"] = [merged(a, desired) if a["name"] == desired["name"] else a
                                      for a in document.get("attributes", [])]
        edit_profile(ctx, replace, self.describe(desired["name"]))

    def delete(self, ctx, key, current):
        def remove(document):
            document["attributes"] = [a for a in document.get("attributes", []) if a["name"] != key]
        edit_profile(ctx, remove, self.describe(key))

    def export(self, ctx):
        attributes = []
        for attr in profile_document(ctx).get("attributes", []):
            if attr["name"] in BUILTIN_PROFILE_ATTRIBUTES:
                continue
            item = {"name": attr["name"]}
            if attr.get("displayName"):
                item["displayName"] = attr["displayName"]
            item["multivalued"] = bool(attr.get("multivalued"))
            pattern = (attr.get("validations") or {}).get("pattern") or {}
            if pattern.get("pattern"):
                item["pattern"] = pattern["pattern"]
                if pattern.get("error-message"):
                    item["patternErrorMessage"] = pattern["error-message"]
            item["userCanView"] = "user" in ((attr.get("permissions") or {}).get("view") or [])
            attributes.append(item)
        return {"userProfile": {"attributes": attributes}}

    def describe(self, key):
        return f"user-profile attribute '{key}'"
