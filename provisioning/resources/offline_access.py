"""Offline access: refresh tokens that outlive the session, only where a client declares it.

Keycloak gives every user the `offline_access` role (through the realm's default
roles) and every new client the `offline_access` optional scope, so any app can
ask for a token that survives logout and, with no offline maximum, the shift.
Here a client has it only with `offlineAccess: true` in the files:

- the realm (`offline-access`, natural key: the realm's name): `offline_access`
  is in the default roles only when one of the region's clients declares it, and
  never a default optional scope of new clients (a client made by hand gets none);
- each client (clients.py, builtin_clients.py): the `offline_access` optional
  scope attached exactly when it declares it (`FIELD` in its representation).

The offline session maximum is a realm setting (realm.py, `offlineSessionMaxLifespan`).
"""
from __future__ import annotations

from .base import FieldChange, ResourceType
from .realm_roles import URLS as ROLE_URLS
from .realm_roles import default_roles

URLS = {
    "scopes": "/admin/realms/{realm}/client-scopes",
    "client_optional_scope": "/admin/realms/{realm}/clients/{id}/optional-client-scopes/{scope}",
    "realm_optional_scopes": "/admin/realms/{realm}/default-optional-client-scopes",
    "realm_optional_scope": "/admin/realms/{realm}/default-optional-client-scopes/{scope}",
}
OFFLINE = "offline_access"  # Keycloak's name for the role and for the client scope
FIELD = "_offlineAccess"  # in a client's desired representation; not a Keycloak field (never sent)


def _offline_scope_id(ctx) -> str | None:
    if "offline-scope-id" not in ctx.cache:
        scopes = ctx.realm_api.get(URLS["scopes"], obj="client scopes")
        ctx.cache["offline-scope-id"] = next((s["id"] for s in scopes if s["name"] == OFFLINE), None)
    return ctx.cache["offline-scope-id"]


def client_offline_change(desired: dict, current: dict) -> list[FieldChange]:
    """The client's offline access as a field of its own: on when the offline scope is one of its optional scopes."""
    has = OFFLINE in (current.get("optionalClientScopes") or [])
    return [] if has == desired[FIELD] else [FieldChange("offlineAccess", has, desired[FIELD])]


def set_client_offline_access(ctx, client_uuid: str, wanted: bool, obj: str) -> None:
    scope = _offline_scope_id(ctx)
    if scope is None:
        return  # the realm has no offline scope at all: nothing can grant offline tokens
    if wanted:
        ctx.realm_api.put(URLS["client_optional_scope"], id=client_uuid, scope=scope, obj=obj)
    else:
        ctx.realm_api.delete(URLS["client_optional_scope"], id=client_uuid, scope=scope, allow_404=True, obj=obj)


class OfflineAccessResource(ResourceType):
    kind = "offline-access"
    depends_on = ("realm",)
    deletable = False
    not_exported = ("the realm's defaults follow from the clients' offlineAccess; a client that can get offline "
                    "tokens is named by the client export")

    def desired(self, ctx):
        declared = any(client.offlineAccess for client in ctx.region.clients)
        return {ctx.realm: {"defaultRole": declared, "defaultOptionalScope": False}}

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        roles = ctx.realm_api.get(ROLE_URLS["realm_composites"], name=default_roles(ctx.realm), obj="default roles")
        scopes = ctx.realm_api.get(URLS["realm_optional_scopes"], obj="default optional client scopes")
        return {ctx.realm: {"defaultRole": any(r["name"] == OFFLINE for r in roles),
                            "defaultOptionalScope": any(s["name"] == OFFLINE for s in scopes)}}

    def create(self, ctx, desired):
        self.update(ctx, desired, self.read(ctx, {ctx.realm})[ctx.realm])  # Keycloak's defaults come with the realm

    def update(self, ctx, desired, current):
        obj = self.describe(ctx.realm)
        if desired["defaultRole"] != current["defaultRole"]:
            role = ctx.realm_api.get(ROLE_URLS["item"], name=OFFLINE, obj=obj)
            body = [{"id": role["id"], "name": OFFLINE}]
            method = "POST" if desired["defaultRole"] else "DELETE"
            ctx.realm_api.request(method, ROLE_URLS["composites"], json=body, name=default_roles(ctx.realm), obj=obj)
        if desired["defaultOptionalScope"] != current["defaultOptionalScope"]:
            scope = _offline_scope_id(ctx)
            if desired["defaultOptionalScope"]:
                ctx.realm_api.put(URLS["realm_optional_scope"], scope=scope, obj=obj)
            else:
                ctx.realm_api.delete(URLS["realm_optional_scope"], scope=scope, allow_404=True, obj=obj)

    def describe(self, key):
        return "offline access (default role, default client scope)"
