"""What downstream clients put in their tokens (natural key: "<clientId>/<mapper name>").

- each `tokenClaims` entry: a user-attribute mapper putting that attribute in
  the ID token, the access token, userinfo and introspection;
- each `audiences` entry: an audience mapper adding that client (e.g. the SMUR
  API) to the `aud` of access tokens, so the API can check tokens are meant for it;
- each `sessionClaims` entry: a user-session-note mapper putting that note (e.g.
  `auth_mode`, which the PSC mapper sets at each login) in the ID token, the
  access token and userinfo. Named `session-<note>`, so a claim moved between
  `tokenClaims` and `sessionClaims` is a delete and a create, not a type change.
Read from the client representations (clients.py), so no request per mapper.
"""
from __future__ import annotations

from .base import Inventory, ResourceType, merged, without_private
from .clients import client_reps

URLS = {
    "collection": "/admin/realms/{realm}/clients/{id}/protocol-mappers/models",
    "item": "/admin/realms/{realm}/clients/{id}/protocol-mappers/models/{mapper}",
}
AUDIENCE_PREFIX = "aud-"
SESSION_NOTE_PREFIX = "session-"


def _key(client_id: str, name: str) -> str:
    return f"{client_id}/{name}"


# A claim apps read wherever they look for it.
IN_EVERY_TOKEN = {
    "id.token.claim": "true",
    "access.token.claim": "true",
    "userinfo.token.claim": "true",
    "introspection.token.claim": "true",
}


def _mapper(name: str, mapper_type: str, config: dict) -> dict:
    return {"name": name, "protocol": "openid-connect", "protocolMapper": mapper_type, "config": config}


def claim_mapper(claim: str, multivalued: bool = False) -> dict:
    return _mapper(claim, "oidc-usermodel-attribute-mapper", {
        "user.attribute": claim,
        "claim.name": claim,
        "jsonType.label": "String",
        "multivalued": "true" if multivalued else "false",  # a JSON array for multi-valued attributes
        **IN_EVERY_TOKEN,
    })


def audience_mapper(audience: str) -> dict:
    return _mapper(AUDIENCE_PREFIX + audience, "oidc-audience-mapper", {
        "included.client.audience": audience,
        "id.token.claim": "false",
        "access.token.claim": "true",
        "introspection.token.claim": "true",
    })


def session_note_mapper(note: str) -> dict:
    return _mapper(SESSION_NOTE_PREFIX + note, "oidc-usersessionmodel-note-mapper", {
        "user.session.note": note,
        "claim.name": note,
        "jsonType.label": "String",
        **IN_EVERY_TOKEN,
    })


def token_fields(client: dict, warnings: list[str]) -> dict:
    """A client's mappers read back as the fields that make them (the reverse of the three builders above):
    ``tokenClaims``, ``audiences``, ``sessionClaims``. A mapper none of them makes is named in ``warnings``."""
    claims, audiences, session_claims = [], [], []
    for mapper in client.get("protocolMappers") or []:
        config = mapper.get("config", {})
        if (mapper.get("protocolMapper") == "oidc-usermodel-attribute-mapper"
                and mapper["name"] == config.get("user.attribute") == config.get("claim.name")):
            claims.append(mapper["name"])
        elif (mapper.get("protocolMapper") == "oidc-audience-mapper"
              and mapper["name"] == AUDIENCE_PREFIX + str(config.get("included.client.audience"))):
            audiences.append(config["included.client.audience"])
        elif (mapper.get("protocolMapper") == "oidc-usersessionmodel-note-mapper"
              and mapper["name"] == SESSION_NOTE_PREFIX + str(config.get("user.session.note"))
              and config.get("user.session.note") == config.get("claim.name")):
            session_claims.append(config["user.session.note"])
        else:
            warnings.append(f"client '{client['clientId']}': protocol mapper '{mapper['name']}' is not one smur-iam "
                            "writes (tokenClaims, audiences, sessionClaims): not exported, reported as made by hand")
    fields = {"tokenClaims": claims, "audiences": sorted(audiences)}
    if session_claims:
        fields["sessionClaims"] = session_claims
    return fields


class ClientProtocolMapperResource(ResourceType):
    kind = "client-protocol-mapper"
    depends_on = ("client", "user-profile-attribute")
    not_exported = "exported with its client, as tokenClaims, audiences and sessionClaims (token_fields)"

    def desired(self, ctx):
        found = {}
        multivalued = {a.name: a.multivalued for a in ctx.region.userProfile.attributes}
        for client in ctx.region.clients:
            mappers = ([claim_mapper(c, multivalued.get(c, False)) for c in client.tokenClaims]
                       + [audience_mapper(a) for a in client.audiences]
                       + [session_note_mapper(n) for n in client.sessionClaims])
            for mapper in mappers:
                found[_key(client.clientId, mapper["name"])] = {**mapper, "_client": client.clientId}
        return found

    def _mappers(self, ctx, client_ids: set[str]) -> dict[str, dict]:
        found = {}
        for client_id, client in client_reps(ctx, client_ids).items():
            for mapper in client.get("protocolMappers", []):
                found.setdefault(_key(client_id, mapper["name"]), {**mapper, "_client": client_id})
        return found

    def read(self, ctx, keys):
        clients = {key.split("/", 1)[0] for key in keys}
        return {key: rep for key, rep in self._mappers(ctx, clients).items() if key in keys}

    def inventory(self, ctx):
        # Hand-made mappers on the clients smur-iam manages (other clients are reported whole).
        return Inventory(set(self._mappers(ctx, {c.clientId for c in ctx.region.clients})))

    def create(self, ctx, desired):
        client_id = ctx.id_of("client", desired["_client"])
        ctx.realm_api.post(URLS["collection"], without_private(desired), id=client_id,
                           obj=self.describe(_key(desired["_client"], desired["name"])))

    def update(self, ctx, desired, current):
        client_id = ctx.id_of("client", desired["_client"])
        ctx.realm_api.put(URLS["item"], without_private(merged(current, desired)), id=client_id,
                          mapper=current["id"], obj=self.describe(_key(desired["_client"], desired["name"])))

    def delete(self, ctx, key, current):
        client_id = ctx.id_of("client", current["_client"])
        ctx.realm_api.delete(URLS["item"], id=client_id, mapper=current["id"], allow_404=True,
                             obj=self.describe(key))

    def describe(self, key):
        return f"token mapper '{key}'"
