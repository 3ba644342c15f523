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
        ctx.cache["flows"] = (ctx.realm_api.get(URLS["collection"], obj="authentication flows")
                              if ctx.realm_exists else [])
    return ctx.cache["flows"]


class AuthenticationFlowResource(ResourceType):
    kind = "authentication-flow"
    depends_on = ("realm",)
    not_exported = ("the flows are smur-iam's own, built from the policy: the identity provider's export reads "
                    "its first-login flow back as firstLoginPolicy and firstLoginDenyMessage")

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
        for execution in ctx.realm_api.get(URLS["executions"], alias=alias, obj=obj):
            config = {}
            if execution.get("authenticationConfig"):
                rep = ctx.realm_api.get(URLS["config"], id=execution["authenticationConfig"], obj=obj)
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
        ctx.realm_api.post(URLS["collection"],
                           {"alias": desired["alias"], "description": desired["description"],
                            "providerId": "basic-flow", "topLevel": True, "builtIn": False},
                           obj=self.describe(desired["alias"]))
        self._converge(ctx, desired)

    def update(self, ctx, desired, current):
        if current.get("description") != desired["description"]:
            ctx.realm_api.put(URLS["item"],
                              {"id": current["_id"], "alias": desired["alias"], "description": desired["description"],
                               "providerId": "basic-flow", "topLevel": True, "builtIn": False},
                              id=current["_id"], obj=self.describe(desired["alias"]))
        self._converge(ctx, desired)

    def delete(self, ctx, key, current):
        ctx.realm_api.delete(URLS["item"], id=current["_id"], allow_404=True, obj=self.describe(key))

    def _converge(self, ctx, desired):
        """Make the flow's executions exactly the desired steps, whatever state it was left in."""
        alias = desired["alias"]
        obj = self.describe(alias)
        executions = ctx.realm_api.get(URLS["executions"], alias=alias, obj=obj)
        wanted = [step["providerId"] for step in desired["executions"]]
        if [e.get("providerId") for e in executions] != wanted:
            for execution in executions:
                ctx.realm_api.delete(URLS["execution"], id=execution["id"], allow_404=True, obj=obj)
            for provider in wanted:
                ctx.realm_api.post(URLS["add_execution"], {"provider": provider}, alias=alias, obj=obj)
            executions = ctx.realm_api.get(URLS["executions"], alias=alias, obj=obj)
        for execution, step in zip(executions, desired["executions"], strict=True):
            # New executions start DISABLED.
            if execution.get("requirement") != step["requirement"]:
                ctx.realm_api.put(URLS["executions"], {**execution, "requirement": step["requirement"]},
                                  alias=alias, obj=obj)
            if execution.get("authenticationConfig"):
                config_id = execution["authenticationConfig"]
                current = ctx.realm_api.get(URLS["config"], id=config_id, obj=obj)
                if current.get("config") != step["config"]:
                    ctx.realm_api.put(URLS["config"], {**current, "config": step["config"]}, id=config_id, obj=obj)
            elif step["config"]:
                ctx.realm_api.post(URLS["execution_config"],
                                   {"alias": f"{alias}-{step['providerId']}", "config": step["config"]},
                                   id=execution["id"], obj=obj)

    def describe(self, key):
        return f"authentication flow '{key}'"
