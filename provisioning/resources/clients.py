"""Downstream OIDC clients, the region's SMUR apps (natural key: clientId).

Three kinds of app, each with the least it needs:
- public (an app on a tablet): code flow with PKCE S256, no secret;
- confidential (a server-side web app): code flow, a secret given by reference;
- bearer-only (a service API that only validates tokens): every flow off, so
  nobody can sign in through it.
Apps do plain OIDC against the realm; nothing PSC-specific leaks to them.
No client gets the password grant or a flow override of its own (the realm's
flows are PSC-only, sign_in_flows.py), nor offline tokens unless it declares
`offlineAccess` (offline_access.py).
"""
from __future__ import annotations

from ..config.model import BUILTIN_CLIENTS
from .base import FieldChange, Inventory, ResourceType, merged, reveal
from .listing import find_by_key, read_listing
from .offline_access import FIELD as OFFLINE_FIELD
from .offline_access import OFFLINE, client_offline_change, set_client_offline_access

URLS = {
    "collection": "/admin/realms/{realm}/clients",
    "item": "/admin/realms/{realm}/clients/{id}",
}


def _listing(ctx):
    return read_listing(ctx, "clients", URLS["collection"])


def _lookup(ctx, client_id: str) -> dict | None:
    matches = ctx.realm_api.get(URLS["collection"], params={"clientId": client_id}, obj=f"client '{client_id}'")
    return next((c for c in matches if c["clientId"] == client_id), None)


def client_reps(ctx, client_ids: set[str]) -> dict[str, dict]:
    """Clients by clientId, with their protocol mappers; each read at most once per plan."""
    known = ctx.cache.setdefault("client-reps", {})
    missing = client_ids - known.keys()
    if missing and ctx.realm_exists:
        found = find_by_key(_listing(ctx), lambda c: c["clientId"], missing, lambda cid: _lookup(ctx, cid))
        for client_id in missing:
            known[client_id] = found.get(client_id)
            if client_id in found:
                ctx.ids[("client", client_id)] = found[client_id]["id"]
    return {cid: known[cid] for cid in client_ids if known.get(cid)}


# A client-level override could bind a flow of Keycloak's (with a password form) to one app:
# an empty value clears an override (Keycloak keeps the keys a client does not send).
NO_FLOW_OVERRIDES = {"browser": "", "direct_grant": ""}


def without_offline_field(rep: dict) -> dict:
    return {k: v for k, v in rep.items() if k != OFFLINE_FIELD}


def _flows(client) -> dict:
    if client.type == "bearer-only":
        # An API that only validates tokens: no flow at all, so no token is ever issued to it.
        return {"publicClient": False, "standardFlowEnabled": False, "redirectUris": [], "webOrigins": []}
    return {
        "publicClient": client.type == "public",
        "standardFlowEnabled": True,
        "redirectUris": list(client.redirectUris),
        "webOrigins": list(client.webOrigins),
    }


class ClientResource(ResourceType):
    kind = "client"
    depends_on = ("realm",)

    def desired(self, ctx):
        found = {}
        for client in ctx.region.clients:
            rep = {
                "clientId": client.clientId,
                "protocol": "openid-connect",
                "enabled": True,
                "bearerOnly": False,
                # Apps use the code flow only: no implicit flow, no passwords through apps.
                "implicitFlowEnabled": False,
                "directAccessGrantsEnabled": False,
                "serviceAccountsEnabled": False,
                "authenticationFlowBindingOverrides": dict(NO_FLOW_OVERRIDES),
                OFFLINE_FIELD: client.offlineAccess,
                **_flows(client),
            }
            if client.type != "bearer-only":
                attributes = {"post.logout.redirect.uris": "##".join(sorted(client.postLogoutRedirectUris))}
                if client.pkce:
                    attributes["pkce.code.challenge.method"] = client.pkce
                rep["attributes"] = attributes
            for field in ("name", "description"):
                if getattr(client, field) is not None:
                    rep[field] = getattr(client, field)
            if client.secret is not None:
                rep["clientAuthenticatorType"] = "client-secret"
                rep["secret"] = client.secret
            found[client.clientId] = rep
        return found

    def read(self, ctx, keys):
        return client_reps(ctx, set(keys))

    def inventory(self, ctx):
        if not ctx.realm_exists:
            return Inventory(set())
        listing = _listing(ctx)
        return Inventory({c["clientId"] for c in listing.items} - BUILTIN_CLIENTS, listing.complete)

    def compare(self, desired, current):
        changes = super().compare(without_offline_field(desired), current) + client_offline_change(desired, current)
        # Keycloak shows a confidential client's secret to admins: compare it directly.
        secret = desired.get("secret")
        if secret is not None and current.get("secret") != secret.reveal():
            changes.append(FieldChange("secret", current.get("secret"), secret))
        return changes

    def create(self, ctx, desired):
        obj = self.describe(desired["clientId"])
        new_id = ctx.realm_api.post(URLS["collection"], reveal(without_offline_field(desired)), obj=obj)
        ctx.ids[("client", desired["clientId"])] = new_id
        # Not left to the realm's default optional scopes, whatever they are at this point.
        set_client_offline_access(ctx, new_id, desired[OFFLINE_FIELD], obj)

    def update(self, ctx, desired, current):
        obj = self.describe(desired["clientId"])
        body = merged(current, reveal(without_offline_field(desired)))
        body.pop("protocolMappers", None)  # managed as their own resource
        ctx.realm_api.put(URLS["item"], body, id=current["id"], obj=obj)
        if client_offline_change(desired, current):
            set_client_offline_access(ctx, current["id"], desired[OFFLINE_FIELD], obj)

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], id=current["id"], allow_404=True, obj=self.describe(key))

    def export(self, ctx):
        # Imported here: client_protocol_mappers reads its mappers through this module's client_reps.
        from .client_protocol_mappers import token_fields

        out = []
        listing = ctx.realm_api.get_all(URLS["collection"], obj="clients")
        for client in sorted(listing, key=lambda c: c["clientId"]):
            client_id = client["clientId"]
            if client_id in BUILTIN_CLIENTS or (ctx.realm == "master" and client_id.endswith("-realm")):
                continue  # Keycloak's own (and, in master, one per realm)
            kind = _type_of(client)
            attributes = client.get("attributes") or {}
            item = {"clientId": client_id}
            for name in ("name", "description"):
                if client.get(name):
                    item[name] = client[name]
            item["type"] = kind
            if kind == "confidential":
                item["secret"] = ctx.client_secret(client_id)
            if kind != "bearer-only":
                item["redirectUris"] = sorted(client.get("redirectUris") or [])
                item["webOrigins"] = sorted(client.get("webOrigins") or [])
                logout = attributes.get("post.logout.redirect.uris") or ""
                item["postLogoutRedirectUris"] = sorted(u for u in logout.split("##") if u)
                item["pkce"] = attributes.get("pkce.code.challenge.method") or None
                if kind == "public" and item["pkce"] != "S256":
                    ctx.warnings.append(f"client '{client_id}' is public without PKCE S256: exported with pkce: S256, "
                                        "apply would require it")
                    item["pkce"] = "S256"
            for flag in ("implicitFlowEnabled", "directAccessGrantsEnabled", "serviceAccountsEnabled"):
                if client.get(flag):
                    ctx.warnings.append(f"client '{client_id}' has {flag} on: smur-iam apps use the code flow only, "
                                        "apply would turn it off")
            tokens = token_fields(client, ctx.warnings)
            if OFFLINE in (client.get("optionalClientScopes") or []):
                # Keycloak gives every new client this scope: exporting it would keep a default nobody chose.
                ctx.warnings.append(f"client '{client_id}' can get offline tokens (Keycloak's default scope "
                                    "offline_access): exported without; apply would remove it unless you add "
                                    "offlineAccess: true")
            out.append(item | tokens)
        return {"clients": out}

    def describe(self, key):
        return f"client '{key}'"


def _type_of(client: dict) -> str:
    """The kind of app a client is, as the files name it (the reverse of `_flows`)."""
    if client.get("publicClient"):
        return "public"
    if client.get("bearerOnly") or not client.get("standardFlowEnabled", True):
        return "bearer-only"
    return "confidential"
