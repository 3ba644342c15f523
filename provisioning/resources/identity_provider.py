"""The PSC identity provider (natural key: its alias), an `oidc` broker: Keycloak's own, which
the PSC extension overrides under the same provider id to check `acr` (and send no secret with
tls_client_auth); a broker without the `smurIam.*` keys behaves as stock.

Every security setting is fixed here, not left to each region file:
- `acr_values=<minimumAcr>` written into the authorization URL, and nothing an app sends
  forwarded to PSC (see NO_FORWARDED_PARAMETERS and `prompt` below);
- the returned `acr` is a minimum, checked by the PSC extension (`smurIam.minimumAcr`,
  mappers/psc-extension PscOidcIdentityProvider): eidas1 < eidas2 < eidas3, and a missing, empty,
  unknown or list value is refused before any account lookup, with an event that says why.
  Not Keycloak's own claim filter: it matches a regular expression, accepts a JSON list when ANY
  element matches (`["eidas0","eidas2"]` against `eidas[12]`, `["eidas1"]` against `eidas1`),
  and refuses with a generic page and an event without a reason. So the filter is turned off, and
  its name and value are removed from a realm that had them (OBSOLETE_KEYS);
- PKCE S256, signature validated against PSC's JWKS, issuer checked;
- `trustEmail` off, `syncMode` IMPORT (the tool owns the attributes it writes).
The client secret cannot be read back (Keycloak masks it), so a salted
fingerprint of the applied secret is stored beside it to detect rotation.

With `tls_client_auth` (RFC 8705) the broker sends no secret: Keycloak presents the
deployment's client certificate (a server-wide keystore, see runtime/outgoing_tls.py)
to PSC's mTLS endpoint aliases, and the config holds no secret nor fingerprint —
a secret left from an earlier method is removed, never kept unseen.
"""
from __future__ import annotations

from ..config.model import ACR_LEVELS
from ..config.references import MASK, expand_values
from .authentication_flows import URLS as FLOW_URLS
from .base import FieldChange, Inventory, ResourceType, merged, reveal
from .first_login_flow import POLICY_STEPS, flow_alias, region_message_step
from .listing import find_by_key, read_listing

URLS = {
    "collection": "/admin/realms/{realm}/identity-provider/instances",
    "item": "/admin/realms/{realm}/identity-provider/instances/{alias}",
}
SECRET_FINGERPRINT = "smurIam.clientSecretFingerprint"
# Read by the PSC extension's oidc broker: the lowest acr accepted (eidas1, eidas2 or eidas3).
MINIMUM_ACR = "smurIam.minimumAcr"
# Keycloak's claim filter, which older versions of this tool set (acr=eidas1): removed on update.
OBSOLETE_KEYS = ("claimFilterName", "claimFilterValue")
# Keycloak 26.7 forwards each name listed here, from the app's extra request parameters or else from the
# login session's notes; an empty list means `acr_values`. No list can be empty, and any unknown name
# (the placeholder we used) is an extra parameter an app may send. `request_uri` is one of the names
# Keycloak's authorization endpoint never keeps as an extra parameter and never stores as a note
# (AuthzEndpointRequestParser.KNOWN_REQ_PARAMS), so nothing is forwarded; tests/security check the query.
NO_FORWARDED_PARAMETERS = "request_uri"
# Without a configured prompt Keycloak forwards the app's (`prompt=none`, `consent`...). A fixed
# `login` forwards nothing of the app's and makes every new Keycloak session a fresh e-CPS approval:
# on a tablet shared by a SMUR team, a PSC session left open by the previous user never signs the
# next one in. Keycloak's own SSO cookie still spares re-authentication within a session.
PSC_PROMPT = "login"
TLS_CLIENT_AUTH = "tls_client_auth"
# What only a secret-authenticated broker holds; removed when a region moves to tls_client_auth.
SECRET_KEYS = ("clientSecret", SECRET_FINGERPRINT)


def _with_query(endpoint: str, query: str) -> str:
    return endpoint + ("&" if "?" in endpoint else "?") + query


def _client_authentication(idp, psc, salt: str) -> dict:
    """The config keys that differ between a secret and a certificate: the secret (or none) and
    the token and userinfo URLs (PSC binds tokens to the certificate only on its mTLS aliases)."""
    if idp.clientAuthMethod == TLS_CLIENT_AUTH:
        return {"clientAuthMethod": TLS_CLIENT_AUTH,
                "tokenUrl": psc.mtls_endpoint("token_endpoint"),
                "userInfoUrl": psc.mtls_endpoint("userinfo_endpoint")}
    return {"clientSecret": idp.clientSecret,
            SECRET_FINGERPRINT: idp.clientSecret.fingerprint(salt),
            "clientAuthMethod": idp.clientAuthMethod,
            "tokenUrl": psc.token_endpoint,
            "userInfoUrl": psc.userinfo_endpoint}


def _uses_certificate(rep: dict) -> bool:
    return rep.get("config", {}).get("clientAuthMethod") == TLS_CLIENT_AUTH


def _listing(ctx):
    return read_listing(ctx, "identity providers", URLS["collection"], {"briefRepresentation": "false"})


class IdentityProviderResource(ResourceType):
    kind = "identity-provider"
    depends_on = ("realm", "authentication-flow")

    def desired(self, ctx):
        idp = ctx.region.identityProvider
        if idp is None:
            return {}
        psc = ctx.discovery
        # The salt of this object's ownership digest too (ownership.object_digest): one scrypt for both.
        salt = f"{ctx.realm}/{self.kind}/{idp.alias}"
        return {idp.alias: {
            "alias": idp.alias,
            "displayName": idp.displayName,
            "providerId": "oidc",
            "enabled": idp.enabled,
            "trustEmail": False,
            "storeToken": False,
            "addReadTokenRoleOnCreate": False,
            "linkOnly": False,
            "firstBrokerLoginFlowAlias": flow_alias(idp),
            "config": {
                "clientId": idp.clientId,
                **_client_authentication(idp, psc, salt),
                "issuer": psc.issuer,
                "authorizationUrl": _with_query(psc.authorization_endpoint, f"acr_values={idp.minimumAcr}"),
                MINIMUM_ACR: idp.minimumAcr,
                "jwksUrl": psc.jwks_uri,
                "logoutUrl": psc.end_session_endpoint,
                "useJwksUrl": "true",
                "validateSignature": "true",
                "pkceEnabled": "true",
                "pkceMethod": "S256",
                "defaultScope": "openid scope_all",
                "forwardParameters": NO_FORWARDED_PARAMETERS,
                "prompt": PSC_PROMPT,
                "loginHint": "false",
                "passMaxAge": "false",
                "uiLocales": "false",
                "filteredByClaim": "false",  # the extension checks acr (module docstring)
                "syncMode": "IMPORT",
                "disableUserInfo": "false",
                "backchannelSupported": "false",
                "sendIdTokenOnLogout": "true",
                "sendClientIdOnLogout": "false",
            },
        }}

    def compare(self, desired, current):
        changes = super().compare(desired, current)
        for change in changes:
            if change.path == f"config.{SECRET_FINGERPRINT}":
                change.path = "config.clientSecret"  # what the admin changed, not our bookkeeping
        held_config = current.get("config", {})
        for key in OBSOLETE_KEYS:
            if held_config.get(key) not in (None, ""):
                changes.append(FieldChange(f"config.{key}", held_config[key], None))
        if _uses_certificate(desired):
            # Nothing states the secret any more: one Keycloak still holds is a change (its removal).
            held = current.get("config", {})
            if any(held.get(key) not in (None, "") for key in SECRET_KEYS):
                changes.append(FieldChange("config.clientSecret", held.get("clientSecret") or MASK, None))
        return changes

    def read(self, ctx, keys):
        if not ctx.realm_exists:
            return {}
        return find_by_key(_listing(ctx), lambda idp: idp["alias"], keys, lambda alias: ctx.realm_api.get(
            URLS["item"], alias=alias, allow_404=True, obj=self.describe(alias)))

    def inventory(self, ctx):
        if not ctx.realm_exists:
            return Inventory(set())
        listing = _listing(ctx)
        return Inventory({idp["alias"] for idp in listing.items}, listing.complete)

    def create(self, ctx, desired):
        ctx.realm_api.post(URLS["collection"], reveal(desired), obj=self.describe(desired["alias"]))

    def update(self, ctx, desired, current):
        # Merge into what Keycloak has: config keys the file does not state survive, but for the secret
        # of a broker that now authenticates with a certificate (Keycloak replaces the whole config).
        body = merged(current, desired)
        body["config"] = {k: v for k, v in body["config"].items() if k not in OBSOLETE_KEYS}  # old claim filter
        if _uses_certificate(desired):
            body["config"] = {k: v for k, v in body["config"].items() if k not in SECRET_KEYS}
        ctx.realm_api.put(URLS["item"], reveal(body), alias=desired["alias"], obj=self.describe(desired["alias"]))

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], alias=key, allow_404=True, obj=self.describe(key))

    def export(self, ctx):
        """The PSC broker (the alias the national defaults give, else `psc`); its first-login flow read back
        as the policy it implements, with the region's message. Other brokers are named, not exported."""
        alias = (ctx.defaults.get("identityProvider") or {}).get("alias", "psc")
        idps = ctx.realm_api.get(URLS["collection"], obj="identity providers")
        for other in idps:
            if other["alias"] != alias:
                ctx.warnings.append(f"identity provider '{other['alias']}' is not the PSC broker '{alias}': "
                                    "not exported (it stays as it is, reported as made by hand)")
        idp = next((i for i in idps if i["alias"] == alias), None)
        if idp is None:
            return {"identityProvider": {"remove": True}} if ctx.defaults.get("identityProvider") else {}
        config = idp.get("config", {})
        method = config.get("clientAuthMethod", "client_secret_post")
        out = {"alias": alias, "displayName": idp.get("displayName") or alias, "enabled": idp.get("enabled", True),
               "clientId": config.get("clientId", "")}
        if method != TLS_CLIENT_AUTH:  # a certificate broker has no secret to refer to
            out["clientSecret"] = ctx.psc_secret
        out["clientAuthMethod"] = method
        minimum = config.get(MINIMUM_ACR)
        if minimum in ACR_LEVELS:
            out["minimumAcr"] = minimum  # stripped later when the region inherits the same
        flow = idp.get("firstBrokerLoginFlowAlias", "")
        policy = flow.removeprefix(f"{alias}-first-login-")
        if policy in POLICY_STEPS and policy != flow:
            out["firstLoginPolicy"] = policy
            message = _deny_message(ctx, flow, policy)
            if message:
                out["firstLoginDenyMessage"] = message
        else:
            ctx.warnings.append(f"identity provider '{alias}' uses first-login flow '{flow}', not a smur-iam policy: "
                                "apply would bind it to the 'deny' policy")
        if idp.get("trustEmail") or minimum not in ACR_LEVELS:
            ctx.warnings.append(f"identity provider '{alias}' lacks smur-iam's fixed security settings "
                                "(trustEmail off, the acr minimum the PSC extension checks, ...): apply would set them")
        if ctx.psc_client_id and expand_values(ctx.psc_client_id, ctx.env) == out["clientId"]:
            out["clientId"] = ctx.psc_client_id  # keep the file's own reference
        return {"identityProvider": out}

    def describe(self, key):
        return f"identity provider '{key}'"


def _deny_message(ctx, flow: str, policy: str) -> str | None:
    """The region's message, as the first-login flow's step that shows it holds it (None: no such step)."""
    step = region_message_step(policy)
    if step is None:
        return None
    for execution in ctx.realm_api.get(FLOW_URLS["executions"], alias=flow, obj=f"flow '{flow}'"):
        if execution.get("providerId") == step.provider and execution.get("authenticationConfig"):
            config = ctx.realm_api.get(FLOW_URLS["config"], id=execution["authenticationConfig"], obj=f"flow '{flow}'")
            return config.get("config", {}).get(step.region_message_key)
    return None
