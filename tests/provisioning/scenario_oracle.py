"""Hand edits and look-ups per resource type, done with python-keycloak (independent of smur-iam's client).

Each adapter plays the admin in the console: find an object by its natural key,
change some of its fields by hand, or make a new one by hand.
"""
from __future__ import annotations

from keycloak.exceptions import KeycloakError as OracleError


def deep_update(rep: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(rep.get(key), dict):
            deep_update(rep[key], value)
        else:
            rep[key] = value
    return rep


def _quiet(call):
    try:
        return call()
    except OracleError:
        return None


class RealmRoles:
    def find(self, kc, key):
        return _quiet(lambda: kc.get_realm_role(key))

    def edit(self, kc, key, changes):
        kc.update_realm_role(key, deep_update(self.find(kc, key), changes))

    def make(self, kc, key):
        kc.create_realm_role({"name": key})


class Groups:
    def find(self, kc, key):
        return _quiet(lambda: kc.get_group_by_path(f"/{key}"))

    def edit(self, kc, key, changes):
        group = self.find(kc, key)
        kc.update_group(group["id"], deep_update({"name": group["name"], "attributes": group["attributes"]}, changes))

    def make(self, kc, key):
        kc.create_group({"name": key})


class Clients:
    def find(self, kc, key):
        internal = kc.get_client_id(key)
        return kc.get_client(internal) if internal else None

    def edit(self, kc, key, changes):
        client = self.find(kc, key)
        kc.update_client(client["id"], deep_update(client, changes))

    def make(self, kc, key):
        kc.create_client({"clientId": key, "publicClient": True, "redirectUris": ["https://elsewhere.example/cb"]})


class ClientProtocolMappers:
    def find(self, kc, key):
        client_id, name = key.split("/", 1)
        client = Clients().find(kc, client_id)
        return next((m for m in (client or {}).get("protocolMappers", []) if m["name"] == name), None)

    def edit(self, kc, key, changes):
        client = Clients().find(kc, key.split("/", 1)[0])
        mapper = self.find(kc, key)
        kc.update_client_mapper(client["id"], mapper["id"], deep_update(mapper, changes))

    def make(self, kc, key):
        client_id, name = key.split("/", 1)
        client = Clients().find(kc, client_id)
        kc.add_mapper_to_client(client["id"], {
            "name": name, "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
            "config": {"claim.name": "made_by_hand", "claim.value": "yes", "access.token.claim": "true"}})


class ProfileAttributes:
    def find(self, kc, key):
        return next((a for a in kc.get_realm_users_profile()["attributes"] if a["name"] == key), None)

    def edit(self, kc, key, changes):
        profile = kc.get_realm_users_profile()
        for attr in profile["attributes"]:
            if attr["name"] == key:
                deep_update(attr, changes)
        kc.update_realm_users_profile(profile)

    def make(self, kc, key):
        profile = kc.get_realm_users_profile()
        profile["attributes"].append({"name": key, "permissions": {"view": ["admin"], "edit": ["admin"]}})
        kc.update_realm_users_profile(profile)


class UserProfile:
    def find(self, kc, key):
        return kc.get_realm_users_profile()

    def edit(self, kc, key, changes):
        profile = kc.get_realm_users_profile()
        for attr in profile["attributes"]:
            if attr["name"] == "email":
                if changes["emailRequired"]:
                    attr["required"] = {"roles": ["user"]}
                else:
                    attr.pop("required", None)
        kc.update_realm_users_profile(profile)


class Realms:
    def find(self, kc, key):
        return _quiet(lambda: kc.get_realm(key))

    def edit(self, kc, key, changes):
        kc.update_realm(key, changes)


class Flows:
    def find(self, kc, key):
        return next((f for f in kc.get_authentication_flows() if f["alias"] == key), None)

    def edit(self, kc, key, changes):
        for execution in kc.get_authentication_flow_executions(key):
            if execution.get("authenticationConfig"):
                config = kc.get_authenticator_config(execution["authenticationConfig"])
                config["config"].update(changes)
                kc.update_authenticator_config(config, execution["authenticationConfig"])

    def make(self, kc, key):
        kc.copy_authentication_flow({"newName": key}, "browser")


class IdentityProviders:
    def find(self, kc, key):
        return _quiet(lambda: kc.get_idp(key))

    def edit(self, kc, key, changes):
        kc.update_idp(key, deep_update(self.find(kc, key), changes))

    def make(self, kc, key):
        kc.create_idp({"alias": key, "providerId": "oidc", "config": {
            "clientId": "hand", "clientSecret": "hand-made-secret", "authorizationUrl": "https://idp.example/auth",
            "tokenUrl": "https://idp.example/token"}})


class IdentityProviderMappers:
    def find(self, kc, key):
        alias, name = key.split("/", 1)
        return next((m for m in (_quiet(lambda: kc.get_idp_mappers(alias)) or []) if m["name"] == name), None)

    def edit(self, kc, key, changes):
        alias = key.split("/", 1)[0]
        mapper = deep_update(self.find(kc, key), changes)
        kc.update_mapper_in_idp(alias, mapper["id"], mapper)

    def make(self, kc, key):
        alias, name = key.split("/", 1)
        kc.add_mapper_to_idp(alias, {"name": name, "identityProviderAlias": alias,
                                     "identityProviderMapper": "hardcoded-attribute-idp-mapper",
                                     "config": {"attribute": "made_by_hand", "attribute.value": "yes",
                                                "syncMode": "INHERIT"}})


class Users:
    def find(self, kc, key):
        users = kc.get_users({"username": key, "exact": True})
        return users[0] if users else None

    def edit(self, kc, key, changes):
        kc.update_user(self.find(kc, key)["id"], changes)

    def make(self, kc, key):
        kc.create_user({"username": key, "enabled": True})


class UserLinks:
    def find(self, kc, key):
        user = Users().find(kc, key)
        links = kc.get_user_social_logins(user["id"]) if user else []
        return links[0] if links else None

    def edit(self, kc, key, changes):
        user, link = Users().find(kc, key), self.find(kc, key)
        kc.delete_user_social_login(user["id"], link["identityProvider"])
        changed = {**link, **changes}
        kc.add_user_social_login(user["id"], changed["identityProvider"], changed["userId"], changed["userName"])


class RequiredActions:
    """The realm's required actions as one object: which are enabled, which are default."""

    def find(self, kc, key):
        actions = kc.get_required_actions()
        return {"enabled": sorted(a["alias"] for a in actions if a.get("enabled")),
                "default": sorted(a["alias"] for a in actions if a.get("defaultAction"))}

    def edit(self, kc, key, changes):
        # changes: action alias -> its fields to set, e.g. {"CONFIGURE_TOTP": {"enabled": True}}
        for alias, fields in changes.items():
            kc.update_required_action(alias, {**kc.get_required_action_by_alias(alias), **fields})


class OfflineAccess:
    """Whether new users get the offline_access role, and new clients the offline_access optional scope."""

    def find(self, kc, key):
        return {"defaultRole": any(r["name"] == "offline_access" for r in kc.get_realm_default_roles()),
                "defaultOptionalScope": any(s["name"] == "offline_access"
                                            for s in kc.get_default_optional_client_scopes())}

    def edit(self, kc, key, changes):
        if "defaultOptionalScope" in changes:
            scope = next(s for s in kc.get_client_scopes() if s["name"] == "offline_access")
            if changes["defaultOptionalScope"]:
                kc.add_default_optional_client_scope(scope["id"])
            else:
                kc.delete_default_optional_client_scope(scope["id"])
        if "defaultRole" in changes:
            role = kc.get_realm_role("offline_access")
            if changes["defaultRole"]:
                kc.add_realm_default_roles([role])
            else:
                kc.remove_realm_default_roles([role])


ADAPTERS = {
    "realm-role": RealmRoles(),
    "group": Groups(),
    "client": Clients(),
    "client-protocol-mapper": ClientProtocolMappers(),
    "user-profile-attribute": ProfileAttributes(),
    "user-profile": UserProfile(),
    "realm": Realms(),
    "authentication-flow": Flows(),
    "identity-provider": IdentityProviders(),
    "identity-provider-mapper": IdentityProviderMappers(),
    "user": Users(),
    "user-link": UserLinks(),
    "realm-sign-in": Realms(),  # the bindings are fields of the realm representation
    "required-actions": RequiredActions(),
    "builtin-client": Clients(),
    "offline-access": OfflineAccess(),
}
