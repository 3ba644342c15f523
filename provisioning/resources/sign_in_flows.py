"""The realm's sign-in: PSC is the only way in (natural key of the bindings: the realm's name).

Keycloak's own flows offer a username/password form, OTP, a password grant,
"forgot password" and registration. A regional realm gets two flows of its own
instead, and every binding of the realm points at one of them:

- `smur-browser-psc-only` (browser): the Keycloak SSO cookie, else the
  identity-provider redirector straight to PSC (`kc_idp_hint` or, without one,
  the PSC broker as default). No form: a PSC refusal comes back as Keycloak's
  error page, never as a login form;
- `smur-refuse-credentials` (direct grant, reset credentials, registration):
  Keycloak's deny-access step, always. Clients have direct access grants off
  anyway (clients.py, builtin_clients.py); this is the realm-wide second lock,
  for a client made by hand.

The flows themselves are written by authentication_flows.py like any flow;
this module defines them and owns the realm's bindings (`realm-sign-in`).
"""
from __future__ import annotations

from .base import ResourceType
from .realm import PSC_ONLY_SETTINGS, read_realm
from .realm import URLS as REALM_URLS

BROWSER_FLOW = "smur-browser-psc-only"
REFUSAL_FLOW = "smur-refuse-credentials"
REFUSAL_MESSAGE = (
    "Connexion uniquement par Pro Santé Connect : ce SMUR n’accepte ni mot de passe ni création de compte. / "
    "Sign-in only through Pro Santé Connect: this SMUR accepts no password and no self-registration."
)
# Realm field -> the flow bound to it. Client authentication (`clients`) and docker stay Keycloak's.
BINDINGS = {
    "browserFlow": BROWSER_FLOW,
    "directGrantFlow": REFUSAL_FLOW,
    "resetCredentialsFlow": REFUSAL_FLOW,
    "registrationFlow": REFUSAL_FLOW,
}


def sign_in_flows(region) -> list[dict]:
    """The two flows of a PSC-only realm (the representation authentication_flows.py writes)."""
    idp = region.identityProvider
    browser = [{"providerId": "auth-cookie", "requirement": "ALTERNATIVE", "config": {}}]
    if idp is not None:
        # An app's kc_idp_hint wins; without one, the PSC broker. A hint naming no enabled provider
        # ends on Keycloak's error page, as does a refusal from PSC: there is no form to fall back on.
        browser.append({"providerId": "identity-provider-redirector", "requirement": "ALTERNATIVE",
                        "config": {"defaultProvider": idp.alias}})
    return [
        {"alias": BROWSER_FLOW,
         "description": "Browser sign-in: Keycloak's SSO cookie, else straight to Pro Santé Connect; no form "
                        "(managed by smur-iam)",
         "executions": browser},
        {"alias": REFUSAL_FLOW,
         "description": "Direct grant, reset credentials, registration: always refused, PSC is the only way in "
                        "(managed by smur-iam)",
         "executions": [{"providerId": "deny-access-authenticator", "requirement": "REQUIRED",
                         "config": {"denyErrorMessage": REFUSAL_MESSAGE}}]},
    ]


class RealmSignInResource(ResourceType):
    """Which flow each of the realm's sign-in bindings runs."""

    kind = "realm-sign-in"
    depends_on = ("realm", "authentication-flow")
    deletable = False

    def desired(self, ctx):
        return {ctx.realm: dict(BINDINGS)}

    def read(self, ctx, keys):
        found = read_realm(ctx)
        return {ctx.realm: {name: found.get(name) for name in BINDINGS}} if found else {}

    def create(self, ctx, desired):
        self.update(ctx, desired, None)  # the bindings exist with the realm: "create" sets them

    def update(self, ctx, desired, current):
        ctx.realm_api.put(REALM_URLS["item"], desired, obj=self.describe(ctx.realm))

    def export(self, ctx):
        """Nothing to write (PSC-only is not a choice): a realm opened by hand is named, since apply closes it."""
        rep = ctx.realm_rep
        opened = [name for name, flow in BINDINGS.items() if rep.get(name) != flow]
        opened += [name for name, value in PSC_ONLY_SETTINGS.items() if name in rep and rep[name] != value]
        if opened:
            ctx.warnings.append(f"realm '{ctx.realm}' is not PSC-only ({', '.join(opened)}): apply would bind "
                                "smur-iam's sign-in flows and settings")
        return {}

    def describe(self, key):
        return "sign-in flow bindings"
