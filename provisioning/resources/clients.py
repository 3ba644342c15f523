"""Downstream OIDC clients, the region's SMUR apps (natural key: clientId).

Apps do plain OIDC against the realm; nothing PSC-specific leaks to them.
All clients of a realm are read in one paginated listing (no lookup per client).
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import FieldChange, ResourceType, merged, reveal

URLS = {
    "collection": "/admin/realms/{realm}/clients",
    "item": "/admin/realms/{realm}/clients/{id}",
}
PAGE = 200


def list_clients(ctx) -> list[dict]:
    """Every client of the realm with its protocol mappers, read once per plan."""
    if "clients" not in ctx.cache:
        clients, first = [], 0
        while True:
            page = ctx.api.get(url(URLS["collection"], realm=ctx.realm), params={"first": first, "max": PAGE},
                               realm=ctx.realm, obj="clients")
            clients += page
            if len(page) < PAGE:
                break
            first += PAGE
        ctx.cache["clients"] = clients
    return ctx.cache["clients"]


class ClientResource(ResourceType):
    kind = "client"
    depends_on = ("realm",)

    def desired(self, ctx):
        found = {}
        for client in ctx.region.clients:
            attributes = {"post.logout.redirect.uris": "##".join(sorted(client.postLogoutRedirectUris))}
            if client.pkce:
                attributes["pkce.code.challenge.method"] = client.pkce
            rep = {
                "clientId": client.clientId,
                "protocol": "openid-connect",
                "enabled": True,
                "publicClient": client.type == "public",
                "bearerOnly": False,
                "standardFlowEnabled": True,
                # Tablets and web apps use the code flow only; no passwords through apps.
                "implicitFlowEnabled": False,
                "directAccessGrantsEnabled": False,
                "serviceAccountsEnabled": False,
                "redirectUris": list(client.redirectUris),
                "webOrigins": list(client.webOrigins),
                "attributes": attributes,
            }
            for field in ("name", "description"):
                if getattr(client, field) is not None:
                    rep[field] = getattr(client, field)
            if client.secret is not None:
                rep["secret"] = client.secret
            found[client.clientId] = rep
        return found

    def current(self, ctx, desired):
        if not ctx.realm_exists:
            return {}
        found = {}
        for client in list_clients(ctx):
            if client["clientId"] in desired:
                ctx.ids[("client", client["clientId"])] = client["id"]
                found[client["clientId"]] = client
        return found

    def compare(self, desired, current):
        changes = super().compare(desired, current)
        # Keycloak shows a confidential client's secret to admins: compare it directly.
        secret = desired.get("secret")
        if secret is not None and current.get("secret") != secret.reveal():
            changes.append(FieldChange("secret", current.get("secret"), secret))
        return changes

    def create(self, ctx, desired):
        new_id = ctx.api.post(url(URLS["collection"], realm=ctx.realm), reveal(desired),
                              realm=ctx.realm, obj=self.describe(desired["clientId"]))
        ctx.ids[("client", desired["clientId"])] = new_id

    def update(self, ctx, desired, current):
        body = merged(current, reveal(desired))
        body.pop("protocolMappers", None)  # managed as their own resource
        ctx.api.put(url(URLS["item"], realm=ctx.realm, id=current["id"]), body,
                    realm=ctx.realm, obj=self.describe(desired["clientId"]))
