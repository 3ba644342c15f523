"""Authentication flows smur-iam writes (natural key: the flow's alias).

Two sources state them: the PSC broker's first-login flow (first_login_flow.py,
one per policy) and the realm's own sign-in flows (sign_in_flows.py). Every
flow is a flat list of executions, each a provider, a requirement and a config.

A flow left half-built by an interrupted apply is completed by the next one;
a flow whose steps differ from the files' (edited by hand) is emptied and
rebuilt. Steps are added DISABLED and enabled in order, so every intermediate
state lets nobody in (tests/firstlogin prove an emptied first-login flow refuses;
an emptied browser flow has no step that can sign anyone in).
"""
from __future__ import annotations

from ..keycloak_api import url
from .base import FieldChange, Inventory, ResourceType, stated_diff
from .first_login_flow import first_login_flow
from .sign_in_flows import sign_in_flows

URLS = {
    "collection": "/admin/realms/{realm}/authentication/flows",
    "item": "/admin/realms/{realm}/authentication/flows/{id}",
    "executions": "/admin/realms/{realm}/authentication/flows/{alias}/executions",
    "add_execution": "/admin/realms/{realm}/authentication/flows/{alias}/executions/execution",
    "execution": "/admin/realms/{realm}/authentication/executions/{id}",
    "execution_config": "/admin/realms/{realm}/authentication/executions/{id}/config",
    "config": "/admin/realms/{realm}/authentication/config/{id}",
}


def _flows(ctx) -> list[dict]:
    if "flows" not in ctx.cache:
        ctx.cache["flows"] = ctx.api.get(url(URLS["collection"], realm=ctx.realm), realm=ctx.realm,
                                         obj="authentication flows") if ctx.realm_exists else []
    return ctx.cache["flows"]


class AuthenticationFlowResource(ResourceType):
    kind = "authentication-flow"
    depends_on = ("realm",)

    def desired(self, ctx):
        flows = sign_in_flows(ctx.region)
        if ctx.region.identityProvider is not None:
            flows.append(first_login_flow(ctx.region.identityProvider))
        return {flow["alias"]: flow for flow in flows}

    def read(self, ctx, keys):
        found = {}
        for flow in _flows(ctx):
            if flow["alias"] in keys:
                found[flow["alias"]] = {"alias": flow["alias"], "description": flow.get("description"),
                                        "executions": self._steps(ctx, flow["alias"]), "_id": flow["id"]}
        return found

    def _steps(self, ctx, alias: str) -> list[dict]:
        obj = self.describe(alias)
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
        """Make the flow's executions exactly the desired steps, whatever state it was left in."""
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
