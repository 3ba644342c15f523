"""Token claims of downstream clients (natural key: "<clientId>/<claim>").

Each `tokenClaims` entry becomes a user-attribute mapper putting that
attribute in the ID token, the access token, userinfo and introspection.
Read from the clients listing, so no request per client.
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import ResourceType, merged
from .clients import list_clients

URLS = {
    "collection": "/admin/realms/{realm}/clients/{id}/protocol-mappers/models",
    "item": "/admin/realms/{realm}/clients/{id}/protocol-mappers/models/{mapper}",
}


def _key(client_id: str, name: str) -> str:
    return f"{client_id}/{name}"


class ClientProtocolMapperResource(ResourceType):
    kind = "client-protocol-mapper"
    depends_on = ("client", "user-profile")

    def desired(self, ctx):
        found = {}
        for client in ctx.region.clients:
            for claim in client.tokenClaims:
                found[_key(client.clientId, claim)] = {
                    "name": claim,
                    "protocol": "openid-connect",
                    "protocolMapper": "oidc-usermodel-attribute-mapper",
                    "config": {
                        "user.attribute": claim,
                        "claim.name": claim,
                        "jsonType.label": "String",
                        "multivalued": "false",
                        "id.token.claim": "true",
                        "access.token.claim": "true",
                        "userinfo.token.claim": "true",
                        "introspection.token.claim": "true",
                    },
                    "_client": client.clientId,
                }
        return found

    def current(self, ctx, desired):
        if not ctx.realm_exists:
            return {}
        found = {}
        for client in list_clients(ctx):
            for mapper in client.get("protocolMappers", []):
                key = _key(client["clientId"], mapper["name"])
                if key in desired:
                    found[key] = {**mapper, "_client": client["clientId"]}
        return found

    def create(self, ctx, desired):
        client_id = ctx.id_of("client", desired["_client"])
        body = {k: v for k, v in desired.items() if not k.startswith("_")}
        ctx.api.post(url(URLS["collection"], realm=ctx.realm, id=client_id), body,
                     realm=ctx.realm, obj=self.describe(_key(desired["_client"], desired["name"])))

    def update(self, ctx, desired, current):
        client_id = ctx.id_of("client", desired["_client"])
        body = {k: v for k, v in merged(current, desired).items() if not k.startswith("_")}
        ctx.api.put(url(URLS["item"], realm=ctx.realm, id=client_id, mapper=current["id"]), body,
                    realm=ctx.realm, obj=self.describe(_key(desired["_client"], desired["name"])))

    def describe(self, key):
        return f"token claim '{key}'"
