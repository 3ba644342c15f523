"""Keycloak's own clients of a regional realm, closed like ours (natural key: clientId).

Every realm comes with `account`, `account-console`, `admin-cli`, `broker`,
`security-admin-console` and `realm-management`. smur-iam does not own them
(never created, deleted or reported as hand-made) but states the few fields
that would open a second way in: no password grant (a regional `admin-cli`
accepts one by default), no implicit flow, no flow override of their own, no
offline tokens. Only those fields are compared and written.

`realm-management` is left out: Keycloak refuses any change to it (HTTP 403,
even to the master realm's administrator), and it needs none: it is
bearer-only, so it never signs anyone in nor issues a token.
"""
from __future__ import annotations

from ..config.model import BUILTIN_CLIENTS
from .base import ResourceType, merged
from .clients import NO_FLOW_OVERRIDES, URLS, client_reps, without_offline_field
from .offline_access import FIELD as OFFLINE_FIELD
from .offline_access import client_offline_change, set_client_offline_access

UNCHANGEABLE = frozenset({"realm-management"})


class BuiltinClientResource(ResourceType):
    kind = "builtin-client"
    depends_on = ("realm",)
    deletable = False
    not_exported = "Keycloak's own clients are in no region file: the fields smur-iam closes on them are fixed"

    def desired(self, ctx):
        return {client_id: {"clientId": client_id, "directAccessGrantsEnabled": False, "implicitFlowEnabled": False,
                            "authenticationFlowBindingOverrides": dict(NO_FLOW_OVERRIDES), OFFLINE_FIELD: False}
                for client_id in sorted(BUILTIN_CLIENTS - UNCHANGEABLE)}

    def read(self, ctx, keys):
        return client_reps(ctx, set(keys))

    def compare(self, desired, current):
        return super().compare(without_offline_field(desired), current) + client_offline_change(desired, current)

    def create(self, ctx, desired):
        # Keycloak makes these clients with the realm: "create" is the first update of the one it made.
        current = client_reps(ctx, {desired["clientId"]}).get(desired["clientId"])
        if current is None:
            return  # deleted by hand: nothing left to close
        self.update(ctx, desired, current)

    def update(self, ctx, desired, current):
        obj = self.describe(desired["clientId"])
        body = merged(current, without_offline_field(desired))
        body.pop("protocolMappers", None)
        ctx.realm_api.put(URLS["item"], body, id=current["id"], obj=obj)
        if client_offline_change(desired, current):
            set_client_offline_access(ctx, current["id"], desired[OFFLINE_FIELD], obj)

    def describe(self, key):
        return f"Keycloak's client '{key}'"
