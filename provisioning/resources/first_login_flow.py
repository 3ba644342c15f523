"""The first-broker-login flow: what Keycloak does with a PSC identity it has no link for.

Pre-linked staff never reach this flow (Keycloak finds their link first). One
flow per policy (`POLICY_STEPS`, the region's `firstLoginPolicy`):

- `deny` (the default): Keycloak's deny-access step; the region's message, no account;
- `link-by-rpps`: the PSC extension's step (mappers/psc-extension,
  PscLinkByRppsAuthenticator) attaches the identity to the one account whose
  `rpps` attribute is the RPPS of its `8`-type national id, and refuses with a
  page otherwise (no match, several, disabled, a staff-list leaver, not an RPPS);
- `create`: Keycloak's create-user-if-unique makes the account from PSC's claims
  (the PSC mapper then writes rpps/idnat and grants the profession roles); if an
  account already has that username or e-mail, the next alternative refuses with
  a page: nothing is linked.

No policy may contain a step that links an existing account by e-mail or
username, asks the person to pick or confirm one, or lets them edit their
profile first (`NEVER_IN_A_FLOW`, checked when this module loads).

The flow's alias names its policy, so changing the policy creates the new flow,
re-binds the identity provider to it (an update, run before any delete) and
then deletes the old flow, which Keycloak would refuse while it is bound.
A flow left half-built by an interrupted apply is completed by the next one;
a flow whose steps differ from its policy's (edited by hand) is emptied and
rebuilt. Steps are added DISABLED and enabled in order, so every intermediate
state creates and links nothing (tests/firstlogin prove an emptied flow refuses).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..keycloak_api import url
from .base import FieldChange, Inventory, ResourceType, stated_diff

URLS = {
    "collection": "/admin/realms/{realm}/authentication/flows",
    "item": "/admin/realms/{realm}/authentication/flows/{id}",
    "executions": "/admin/realms/{realm}/authentication/flows/{alias}/executions",
    "add_execution": "/admin/realms/{realm}/authentication/flows/{alias}/executions/execution",
    "execution": "/admin/realms/{realm}/authentication/executions/{id}",
    "execution_config": "/admin/realms/{realm}/authentication/executions/{id}/config",
    "config": "/admin/realms/{realm}/authentication/config/{id}",
}


@dataclass(frozen=True)
class Step:
    """One execution of a first-login flow."""
    provider: str
    requirement: str
    region_message_key: str | None = None  # config key that gets the region's firstLoginDenyMessage
    fixed_config: dict = field(default_factory=dict)

    def config(self, idp) -> dict:
        region = {self.region_message_key: idp.firstLoginDenyMessage} if self.region_message_key else {}
        return {**self.fixed_config, **region}


# Shown by the `create` policy when an account already has the PSC identity's username (national
# id) or e-mail: Keycloak's default flow would go on to link it; this flow refuses instead.
CREATE_REFUSED_MESSAGE = (
    "Connexion refusée : un compte de ce SMUR porte déjà votre identifiant ou votre adresse e-mail ; il n’a pas "
    "été relié à Pro Santé Connect. Contactez l’administrateur de votre SMUR. / Sign-in refused: an account of "
    "this SMUR already has your national id or e-mail; it was not linked. Contact your SMUR administrator."
)

# The steps of each policy, in order. Alternatives: the first that succeeds ends the flow.
POLICY_STEPS: dict[str, list[Step]] = {
    "deny": [Step("deny-access-authenticator", "REQUIRED", region_message_key="denyErrorMessage")],
    "link-by-rpps": [Step("psc-link-by-rpps", "REQUIRED", region_message_key="notRegisteredMessage")],
    "create": [
        Step("idp-create-user-if-unique", "ALTERNATIVE"),
        Step("deny-access-authenticator", "ALTERNATIVE", fixed_config={"denyErrorMessage": CREATE_REFUSED_MESSAGE}),
    ],
}

# Keycloak steps that find an existing account by e-mail or username and link it (silently or after
# a confirmation or an e-mail), or let the person edit the e-mail/username first.
NEVER_IN_A_FLOW = frozenset({
    "idp-detect-existing-broker-user", "idp-auto-link", "idp-confirm-link", "idp-confirm-override-link",
    "idp-email-verification", "idp-username-password-form", "idp-review-profile",
})
for _policy, _steps in POLICY_STEPS.items():
    if {step.provider for step in _steps} & NEVER_IN_A_FLOW:
        raise RuntimeError(f"first-login policy '{_policy}' holds a step that links accounts by e-mail or username")


def region_message_step(policy: str) -> Step | None:
    """The step of ``policy`` that shows the region's firstLoginDenyMessage (None: the policy shows none)."""
    return next((step for step in POLICY_STEPS[policy] if step.region_message_key), None)


def flow_alias(idp) -> str:
    return f"{idp.alias}-first-login-{idp.firstLoginPolicy}"


def _flows(ctx) -> list[dict]:
    if "flows" not in ctx.cache:
        ctx.cache["flows"] = ctx.api.get(url(URLS["collection"], realm=ctx.realm), realm=ctx.realm,
                                         obj="authentication flows") if ctx.realm_exists else []
    return ctx.cache["flows"]


class FirstLoginFlowResource(ResourceType):
    kind = "authentication-flow"
    depends_on = ("realm",)

    def desired(self, ctx):
        idp = ctx.region.identityProvider
        if idp is None:
            return {}
        alias = flow_alias(idp)
        return {alias: {
            "alias": alias,
            "description": f"First login through '{idp.alias}' with policy '{idp.firstLoginPolicy}' (managed by smur-iam)",
            "executions": [
                {"providerId": step.provider, "requirement": step.requirement, "config": step.config(idp)}
                for step in POLICY_STEPS[idp.firstLoginPolicy]
            ],
        }}

    def read(self, ctx, keys):
        found = {}
        for flow in _flows(ctx):
            if flow["alias"] in keys:
                found[flow["alias"]] = {"alias": flow["alias"], "description": flow.get("description"),
                                        "executions": self._steps(ctx, flow["alias"]), "_id": flow["id"]}
        return found

    def _steps(self, ctx, alias: str) -> list[dict]:
        obj = f"flow '{alias}'"
        steps = []
        for execution in ctx.api.get(url(URLS["executions"], realm=ctx.realm, alias=alias), realm=ctx.realm, obj=obj):
            config = {}
            if execution.get("authenticationConfig"):
                rep = ctx.api.get(url(URLS["config"], realm=ctx.realm, id=execution["authenticationConfig"]),
                                  realm=ctx.realm, obj=obj)
                config = rep.get("config", {})
            steps.append({"providerId": execution.get("providerId"), "requirement": execution.get("requirement"),
                          "config": config})
        return steps

    def inventory(self, ctx):
        return Inventory({f["alias"] for f in _flows(ctx) if not f.get("builtIn") and f.get("topLevel", True)})

    def compare(self, desired, current):
        changes = stated_diff({"description": desired["description"]}, current)
        if current["executions"] != desired["executions"]:
            changes.append(FieldChange("executions", current["executions"], desired["executions"]))
        return changes

    def create(self, ctx, desired):
        ctx.api.post(url(URLS["collection"], realm=ctx.realm),
                     {"alias": desired["alias"], "description": desired["description"], "providerId": "basic-flow",
                      "topLevel": True, "builtIn": False}, realm=ctx.realm, obj=self.describe(desired["alias"]))
        self._converge(ctx, desired)

    def update(self, ctx, desired, current):
        if current.get("description") != desired["description"]:
            ctx.api.put(url(URLS["item"], realm=ctx.realm, id=current["_id"]),
                        {"id": current["_id"], "alias": desired["alias"], "description": desired["description"],
                         "providerId": "basic-flow", "topLevel": True, "builtIn": False},
                        realm=ctx.realm, obj=self.describe(desired["alias"]))
        self._converge(ctx, desired)

    def delete(self, ctx, key, current):
        ctx.api.delete(url(URLS["item"], realm=ctx.realm, id=current["_id"]), allow_404=True,
                       realm=ctx.realm, obj=self.describe(key))

    def _converge(self, ctx, desired):
        """Make the flow's executions exactly the policy's steps, whatever state it was left in."""
        alias = desired["alias"]
        obj = self.describe(alias)
        executions = ctx.api.get(url(URLS["executions"], realm=ctx.realm, alias=alias), realm=ctx.realm, obj=obj)
        wanted = [step["providerId"] for step in desired["executions"]]
        if [e.get("providerId") for e in executions] != wanted:
            for execution in executions:
                ctx.api.delete(url(URLS["execution"], realm=ctx.realm, id=execution["id"]), allow_404=True,
                               realm=ctx.realm, obj=obj)
            for provider in wanted:
                ctx.api.post(url(URLS["add_execution"], realm=ctx.realm, alias=alias), {"provider": provider},
                             realm=ctx.realm, obj=obj)
            executions = ctx.api.get(url(URLS["executions"], realm=ctx.realm, alias=alias), realm=ctx.realm, obj=obj)
        for execution, step in zip(executions, desired["executions"], strict=True):
            # New executions start DISABLED.
            if execution.get("requirement") != step["requirement"]:
                ctx.api.put(url(URLS["executions"], realm=ctx.realm, alias=alias),
                            {**execution, "requirement": step["requirement"]}, realm=ctx.realm, obj=obj)
            if execution.get("authenticationConfig"):
                config_url = url(URLS["config"], realm=ctx.realm, id=execution["authenticationConfig"])
                current = ctx.api.get(config_url, realm=ctx.realm, obj=obj)
                if current.get("config") != step["config"]:
                    ctx.api.put(config_url, {**current, "config": step["config"]}, realm=ctx.realm, obj=obj)
            elif step["config"]:
                ctx.api.post(url(URLS["execution_config"], realm=ctx.realm, id=execution["id"]),
                             {"alias": f"{alias}-{step['providerId']}", "config": step["config"]},
                             realm=ctx.realm, obj=obj)

    def describe(self, key):
        return f"authentication flow '{key}'"
