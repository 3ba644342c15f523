"""The first-broker-login flow: what Keycloak does with a PSC identity it has no link for.

Policy `deny` (the default) is a flow holding only Keycloak's deny-access
authenticator: the user sees the region's message and no account is created.
Pre-linked staff never reach this flow (Keycloak finds their link first).
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import FieldChange, ResourceType, stated_diff

URLS = {
    "collection": "/admin/realms/{realm}/authentication/flows",
    "executions": "/admin/realms/{realm}/authentication/flows/{alias}/executions",
    "add_execution": "/admin/realms/{realm}/authentication/flows/{alias}/executions/execution",
    "execution_config": "/admin/realms/{realm}/authentication/executions/{id}/config",
    "config": "/admin/realms/{realm}/authentication/config/{id}",
}

POLICY_STEPS = {
    # policy -> [(authenticator, requirement, config builder)]
    "deny": [("deny-access-authenticator", "REQUIRED",
              lambda idp: {"denyErrorMessage": idp.firstLoginDenyMessage})],
}


def flow_alias(idp) -> str:
    return f"{idp.alias}-first-login-{idp.firstLoginPolicy}"


class FirstLoginFlowResource(ResourceType):
    kind = "authentication-flow"
    depends_on = ("realm",)

    def desired(self, ctx):
        idp = ctx.region.identityProvider
        alias = flow_alias(idp)
        return {alias: {
            "alias": alias,
            "description": f"First login through '{idp.alias}' with policy '{idp.firstLoginPolicy}' (managed by smur-iam)",
            "executions": [
                {"providerId": provider, "requirement": requirement, "config": build(idp)}
                for provider, requirement, build in POLICY_STEPS[idp.firstLoginPolicy]
            ],
        }}

    def current(self, ctx, desired):
        if not ctx.realm_exists:
            return {}
        flows = ctx.api.get(url(URLS["collection"], realm=ctx.realm), realm=ctx.realm, obj="authentication flows")
        found = {}
        for flow in flows:
            if flow["alias"] not in desired:
                continue
            executions = ctx.api.get(url(URLS["executions"], realm=ctx.realm, alias=flow["alias"]),
                                     realm=ctx.realm, obj=f"flow '{flow['alias']}'")
            steps = []
            for execution in executions:
                config = {}
                if execution.get("authenticationConfig"):
                    rep = ctx.api.get(url(URLS["config"], realm=ctx.realm, id=execution["authenticationConfig"]),
                                      realm=ctx.realm, obj=f"flow '{flow['alias']}'")
                    config = rep.get("config", {})
                steps.append({"providerId": execution.get("providerId"), "requirement": execution.get("requirement"),
                              "config": config, "_id": execution["id"],
                              "_configId": execution.get("authenticationConfig")})
            found[flow["alias"]] = {"alias": flow["alias"], "description": flow.get("description"), "executions": steps}
        return found

    def compare(self, desired, current):
        strip = [{k: v for k, v in step.items() if not k.startswith("_")} for step in current["executions"]]
        changes = stated_diff({"description": desired["description"]}, current)
        if strip != desired["executions"]:
            changes.append(FieldChange("executions", strip, desired["executions"]))
        return changes

    def create(self, ctx, desired):
        alias = desired["alias"]
        obj = f"flow '{alias}'"
        ctx.api.post(url(URLS["collection"], realm=ctx.realm),
                     {"alias": alias, "description": desired["description"], "providerId": "basic-flow",
                      "topLevel": True, "builtIn": False}, realm=ctx.realm, obj=obj)
        for step in desired["executions"]:
            ctx.api.post(url(URLS["add_execution"], realm=ctx.realm, alias=alias),
                         {"provider": step["providerId"]}, realm=ctx.realm, obj=obj)
        self._set_steps(ctx, desired)

    def update(self, ctx, desired, current):
        providers = [s["providerId"] for s in current["executions"]]
        if providers != [s["providerId"] for s in desired["executions"]]:
            raise NotImplementedError(
                f"realm '{ctx.realm}': flow '{desired['alias']}' holds other steps than its policy; "
                "delete it in Keycloak and re-run (policy changes come with the first-login policies)")
        self._set_steps(ctx, desired)

    def _set_steps(self, ctx, desired):
        """Set each execution's requirement and config (new executions start DISABLED)."""
        alias = desired["alias"]
        obj = f"flow '{alias}'"
        executions = ctx.api.get(url(URLS["executions"], realm=ctx.realm, alias=alias), realm=ctx.realm, obj=obj)
        for execution, step in zip(executions, desired["executions"], strict=True):
            if execution.get("requirement") != step["requirement"]:
                ctx.api.put(url(URLS["executions"], realm=ctx.realm, alias=alias),
                            {**execution, "requirement": step["requirement"]}, realm=ctx.realm, obj=obj)
            config_rep = {"alias": f"{alias}-{step['providerId']}", "config": step["config"]}
            if execution.get("authenticationConfig"):
                current = ctx.api.get(url(URLS["config"], realm=ctx.realm, id=execution["authenticationConfig"]),
                                      realm=ctx.realm, obj=obj)
                if current.get("config") != step["config"]:
                    ctx.api.put(url(URLS["config"], realm=ctx.realm, id=execution["authenticationConfig"]),
                                {**current, "config": step["config"]}, realm=ctx.realm, obj=obj)
            elif step["config"]:
                ctx.api.post(url(URLS["execution_config"], realm=ctx.realm, id=execution["id"]),
                             config_rep, realm=ctx.realm, obj=obj)
