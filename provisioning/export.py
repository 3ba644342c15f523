"""`smur-iam export`: the live state of realms written back as region files, in our format.

Normalised so a hand-made realm can be brought under management: fields in the
model's order, Keycloak's own objects left out, and every value the region
would inherit anyway stripped (equal to the national defaults of the
directory, or to the model's default). What the format cannot express (an
implicit flow left on, a composite role, sub-groups) is named in a warning,
since the next apply would change it. Secrets cannot be read back: they are
written as `${env:...}` references (the region file's own, when there is one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pydantic
import yaml

from .config import DEFAULTS_FILE, region_file_paths
from .config.inheritance import inherit, model_in
from .config.model import ACR_LEVELS, BUILTIN_CLIENTS, BUILTIN_PROFILE_ATTRIBUTES, Region
from .config.references import REFERENCE, expand_values
from .config.yaml_source import YamlDocument, load_yaml
from .keycloak_api import KeycloakAdmin
from .ownership import OwnershipRecord
from .resources import clients, groups, identity_provider, realm, realm_roles, user_profile, users
from .resources.client_protocol_mappers import AUDIENCE_PREFIX, SESSION_NOTE_PREFIX
from .resources.authentication_flows import URLS as FLOW_URLS
from .resources.first_login_flow import POLICY_STEPS, region_message_step
from .resources.offline_access import OFFLINE
from .resources.realm import INSEE_ATTRIBUTE, LIFESPANS, PSC_ONLY_SETTINGS, SUPPORT_CONTACT_ATTRIBUTE
from .resources.required_actions import ALLOWED as ALLOWED_REQUIRED_ACTIONS
from .resources.required_actions import URLS as REQUIRED_ACTION_URLS
from .resources.sign_in_flows import BINDINGS
from .resources.realm_roles import builtin_roles

KEYCLOAK_DEFAULT_LIFESPANS = {"accessTokenLifespan": 300, "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000}
MISSING = object()


class ExportError(Exception):
    pass


@dataclass
class ExportedRealm:
    realm: str
    text: str
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading the live realm

class _Reader:
    def __init__(self, api: KeycloakAdmin, realm_name: str):
        self.api, self.realm = api.realm(realm_name), realm_name
        self.warnings: list[str] = []

    def get(self, template: str, what: str, **values):
        return self.api.get(template, obj=what, **values)

    def all(self, template: str, what: str, params: dict | None = None) -> list[dict]:
        return self.api.get_all(template, obj=what, params=params)


def _attributes(values: dict) -> dict:
    """Keycloak's multi-valued attributes, written as the files write them: one value as a string."""
    return {k: (v[0] if len(v) == 1 else list(v)) for k, v in sorted((values or {}).items())}


def _realm_part(rep: dict) -> dict:
    out = {"realm": rep["realm"]}
    insee = (rep.get("attributes") or {}).get(INSEE_ATTRIBUTE)
    if insee:
        out["inseeCode"] = insee
    if rep.get("displayName"):
        out["displayName"] = rep["displayName"]
    out["enabled"] = rep.get("enabled", True)
    for name in LIFESPANS:
        if rep.get(name) is not None:
            out[name] = rep[name]
    if rep.get("offlineSessionMaxLifespanEnabled"):
        out["offlineSessionMaxLifespan"] = rep.get("offlineSessionMaxLifespan")
    if rep.get("eventsEnabled"):
        events = {"types": sorted(rep.get("enabledEventTypes") or []), "adminEvents": bool(rep.get("adminEventsEnabled"))}
        if rep.get("eventsExpiration"):  # none: kept forever, which the files cannot say (the default applies)
            events["retentionDays"] = max(1, rep["eventsExpiration"] // 86400)
        out["events"] = events
    if rep.get("internationalizationEnabled"):
        out["locale"] = {"default": rep.get("defaultLocale") or "en", "supported": list(rep.get("supportedLocales") or [])}
    if rep.get("loginTheme"):
        out["loginTheme"] = rep["loginTheme"]
    contact = (rep.get("attributes") or {}).get(SUPPORT_CONTACT_ATTRIBUTE)
    if contact:
        out["supportContact"] = contact
    return out


def _sign_in_warnings(reader: _Reader, rep: dict) -> None:
    """What apply would close: the export has no field for it, PSC-only is not a choice."""
    opened = [name for name, flow in BINDINGS.items() if rep.get(name) != flow]
    opened += [name for name, value in PSC_ONLY_SETTINGS.items() if name in rep and rep[name] != value]
    if opened:
        reader.warnings.append(f"realm '{reader.realm}' is not PSC-only ({', '.join(opened)}): apply would bind "
                               "smur-iam's sign-in flows and settings")
    enabled = sorted(a["alias"] for a in reader.get(REQUIRED_ACTION_URLS["collection"], "required actions")
                     if a.get("enabled") and a["alias"] not in ALLOWED_REQUIRED_ACTIONS)
    if enabled:
        reader.warnings.append(f"required action(s) {', '.join(enabled)} enabled: apply would disable them")


def _identity_provider(reader: _Reader, alias: str, secret_ref: str) -> dict | None:
    idps = reader.get(identity_provider.URLS["collection"], "identity providers")
    for other in idps:
        if other["alias"] != alias:
            reader.warnings.append(f"identity provider '{other['alias']}' is not the PSC broker '{alias}': "
                                   "not exported (it stays as it is, reported as made by hand)")
    idp = next((i for i in idps if i["alias"] == alias), None)
    if idp is None:
        return None
    config = idp.get("config", {})
    method = config.get("clientAuthMethod", "client_secret_post")
    out = {"alias": alias, "displayName": idp.get("displayName") or alias, "enabled": idp.get("enabled", True),
           "clientId": config.get("clientId", "")}
    if method != identity_provider.TLS_CLIENT_AUTH:  # a certificate broker has no secret to refer to
        out["clientSecret"] = secret_ref
    out["clientAuthMethod"] = method
    minimum = config.get(identity_provider.MINIMUM_ACR)
    if minimum in ACR_LEVELS:
        out["minimumAcr"] = minimum  # stripped later when the region inherits the same
    flow = idp.get("firstBrokerLoginFlowAlias", "")
    policy = flow.removeprefix(f"{alias}-first-login-")
    if policy in POLICY_STEPS and policy != flow:
        out["firstLoginPolicy"] = policy
        message = _deny_message(reader, flow, policy)
        if message:
            out["firstLoginDenyMessage"] = message
    else:
        reader.warnings.append(f"identity provider '{alias}' uses first-login flow '{flow}', not a smur-iam policy: "
                               "apply would bind it to the 'deny' policy")
    if idp.get("trustEmail") or minimum not in ACR_LEVELS:
        reader.warnings.append(f"identity provider '{alias}' lacks smur-iam's fixed security settings "
                               "(trustEmail off, the acr minimum the PSC extension checks, ...): apply would set them")
    return out


def _deny_message(reader: _Reader, flow: str, policy: str) -> str | None:
    step = region_message_step(policy)  # the step showing the region's message, if the policy has one
    if step is None:
        return None
    for execution in reader.get(FLOW_URLS["executions"], f"flow '{flow}'", alias=flow):
        if execution.get("providerId") == step.provider and execution.get("authenticationConfig"):
            config = reader.get(FLOW_URLS["config"], f"flow '{flow}'", id=execution["authenticationConfig"])
            return config.get("config", {}).get(step.region_message_key)
    return None


def _user_profile(reader: _Reader) -> dict:
    document = reader.get(user_profile.URLS["item"], "user profile")
    attributes = []
    email_required = False
    for attr in document.get("attributes", []):
        if attr["name"] == "email":
            email_required = bool(attr.get("required"))
        if attr["name"] in BUILTIN_PROFILE_ATTRIBUTES:
            continue
        item = {"name": attr["name"]}
        if attr.get("displayName"):
            item["displayName"] = attr["displayName"]
        item["multivalued"] = bool(attr.get("multivalued"))
        pattern = (attr.get("validations") or {}).get("pattern") or {}
        if pattern.get("pattern"):
            item["pattern"] = pattern["pattern"]
            if pattern.get("error-message"):
                item["patternErrorMessage"] = pattern["error-message"]
        item["userCanView"] = "user" in ((attr.get("permissions") or {}).get("view") or [])
        attributes.append(item)
    return {"attributes": attributes, "emailRequired": email_required}


def _roles(reader: _Reader) -> list[dict]:
    out = []
    builtin = builtin_roles(reader.realm)
    for role in sorted(reader.all(realm_roles.URLS["collection"], "realm roles", {"briefRepresentation": "false"}),
                       key=lambda r: r["name"]):
        if role["name"] in builtin:
            continue
        if role.get("composite"):
            reader.warnings.append(f"realm role '{role['name']}' is composite: exported without its composites "
                                   "(smur-iam leaves them as they are)")
        if not re.match(r"^[a-z0-9][a-z0-9._-]*$", role["name"]):
            reader.warnings.append(f"realm role '{role['name']}' has a name the files do not accept (lower-case "
                                   "letters, digits, . _ -): rename it before bringing it under management")
        item = {"name": role["name"]}
        if role.get("description"):
            item["description"] = role["description"]
        item["attributes"] = _attributes(role.get("attributes"))
        out.append(item)
    return out


def _groups(reader: _Reader) -> list[dict]:
    out = []
    for group in sorted(reader.all(groups.URLS["collection"], "groups", {"briefRepresentation": "false"}),
                        key=lambda g: g["name"]):
        if group.get("subGroupCount") or group.get("subGroups"):
            reader.warnings.append(f"group '{group['name']}' has sub-groups: only top-level groups are exported")
        if group.get("clientRoles"):
            reader.warnings.append(f"group '{group['name']}' has client-role mappings: not exported")
        out.append({"name": group["name"], "attributes": _attributes(group.get("attributes")),
                    "realmRoles": sorted(group.get("realmRoles") or [])})
    return out


def _client_type(client: dict) -> str:
    if client.get("publicClient"):
        return "public"
    if client.get("bearerOnly") or not client.get("standardFlowEnabled", True):
        return "bearer-only"
    return "confidential"


def _clients(reader: _Reader, secret_refs: dict[str, str], slug: str) -> list[dict]:
    out = []
    for client in sorted(reader.all(clients.URLS["collection"], "clients"), key=lambda c: c["clientId"]):
        client_id = client["clientId"]
        if client_id in BUILTIN_CLIENTS or (reader.realm == "master" and client_id.endswith("-realm")):
            continue  # Keycloak's own (and, in master, one per realm)
        kind = _client_type(client)
        attributes = client.get("attributes") or {}
        item = {"clientId": client_id}
        for name in ("name", "description"):
            if client.get(name):
                item[name] = client[name]
        item["type"] = kind
        if kind == "confidential":
            item["secret"] = secret_refs.get(client_id) or f"${{env:{_env_name(client_id)}_SECRET_{slug}}}"
        if kind != "bearer-only":
            item["redirectUris"] = sorted(client.get("redirectUris") or [])
            item["webOrigins"] = sorted(client.get("webOrigins") or [])
            logout = attributes.get("post.logout.redirect.uris") or ""
            item["postLogoutRedirectUris"] = sorted(u for u in logout.split("##") if u)
            item["pkce"] = attributes.get("pkce.code.challenge.method") or None
            if kind == "public" and item["pkce"] != "S256":
                reader.warnings.append(f"client '{client_id}' is public without PKCE S256: exported with pkce: S256, "
                                       "apply would require it")
                item["pkce"] = "S256"
        for flag in ("implicitFlowEnabled", "directAccessGrantsEnabled", "serviceAccountsEnabled"):
            if client.get(flag):
                reader.warnings.append(f"client '{client_id}' has {flag} on: smur-iam apps use the code flow only, "
                                       "apply would turn it off")
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
                reader.warnings.append(f"client '{client_id}': protocol mapper '{mapper['name']}' is not one smur-iam "
                                       "writes (tokenClaims, audiences, sessionClaims): not exported, reported as made by hand")
        item["tokenClaims"] = claims
        item["audiences"] = sorted(audiences)
        if OFFLINE in (client.get("optionalClientScopes") or []):
            # Keycloak gives every new client this scope: exporting it would keep a default nobody chose.
            reader.warnings.append(f"client '{client_id}' can get offline tokens (Keycloak's default scope "
                                   "offline_access): exported without; apply would remove it unless you add "
                                   "offlineAccess: true")
        if session_claims:
            item["sessionClaims"] = session_claims
        out.append(item)
    return out


def _managed_users(reader: _Reader, record: OwnershipRecord) -> list[dict]:
    out = []
    for national_id in sorted(record.keys("user")):
        found = reader.api.get(users.URLS["collection"], params={"username": users.username_of(national_id),
                                                                 "exact": "true", "briefRepresentation": "false"},
                               obj=f"user '{national_id}'")
        if not found:
            continue
        user = found[0]
        item = {"nationalId": national_id, "firstName": user.get("firstName", ""), "lastName": user.get("lastName", "")}
        if user.get("email"):
            item["email"] = user["email"]
        item["enabled"] = user.get("enabled", True)
        out.append(item)
    return out


def _env_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


# ---------------------------------------------------------------- normalising

def _effective_default(info, name: str):
    if name in KEYCLOAK_DEFAULT_LIFESPANS:
        return KEYCLOAK_DEFAULT_LIFESPANS[name]
    if info.default is not pydantic.fields.PydanticUndefined:
        default = info.default
        return default.model_dump() if isinstance(default, pydantic.BaseModel) else default
    return MISSING


def _same(value, inherited) -> bool:
    if isinstance(value, list) and isinstance(inherited, list) and all(not isinstance(v, dict) for v in value):
        return sorted(map(str, value)) == sorted(map(str, inherited))
    return value == inherited


def strip_inherited(exported: dict, inherited: dict | None, model) -> dict:
    """Keep only what differs from what the region would get anyway (national defaults, else model defaults)."""
    out = {}
    inherited = inherited or {}
    for name, info in model.model_fields.items():
        if name not in exported:
            continue
        value, base = exported[name], inherited.get(name, MISSING)
        sub = model_in(info.annotation)
        key = getattr(sub, "natural_key", None) if sub else None
        if key and isinstance(value, list):
            items = _strip_list(value, base if isinstance(base, list) else [], sub, key)
            if items:
                out[name] = items
        elif sub and isinstance(value, dict):
            stripped = strip_inherited(value, base if isinstance(base, dict) else None, sub)
            if stripped:
                out[name] = stripped
        else:
            effective = base if base is not MISSING else _effective_default(info, name)
            if effective is MISSING or not _same(value, effective):
                out[name] = value
    return out


def _strip_list(items: list[dict], inherited: list, model, key: str) -> list[dict]:
    inherited_by_key = {i[key]: i for i in inherited if isinstance(i, dict) and key in i}
    out = []
    for item in items:
        stripped = strip_inherited(item, inherited_by_key.get(item[key]), model)
        stripped.pop(key, None)
        if stripped or item[key] not in inherited_by_key:
            out.append({key: item[key], **stripped})
    exported_keys = {item[key] for item in items}
    out += [{key: name, "remove": True} for name in inherited_by_key if name not in exported_keys]
    return out


def _expanded(value, env: dict, base_dir: Path):
    """The national defaults as the loader sees them: references expanded (secrets are never inherited)."""
    if isinstance(value, dict):
        return {k: _expanded(v, env, base_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_expanded(v, env, base_dir) for v in value]
    if isinstance(value, str) and REFERENCE.search(value):
        try:
            return expand_values(value, env)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------- putting it together

def _region_files_by_realm(directory: Path) -> dict[str, YamlDocument]:
    found = {}
    if Path(directory).is_dir():
        for path in region_file_paths(directory):
            doc, _ = load_yaml(path)
            if doc and isinstance(doc.data, dict) and isinstance(doc.data.get("realm"), str):
                found[doc.data["realm"]] = doc
    return found


def _secret_refs(doc: YamlDocument | None, slug: str) -> tuple[str, dict[str, str], str | None]:
    """Secret references to write: the region file's own when it has them, else named after the realm."""
    data = doc.data if doc else {}
    idp = data.get("identityProvider") or {}
    psc = idp.get("clientSecret") or f"${{env:PSC_CLIENT_SECRET_{slug}}}"
    client_secrets = {c["clientId"]: c["secret"] for c in data.get("clients") or []
                      if isinstance(c, dict) and c.get("clientId") and c.get("secret")}
    return psc, client_secrets, idp.get("clientId")


def export_realm(api: KeycloakAdmin, realm_name: str, defaults: YamlDocument | None,
                 region_doc: YamlDocument | None, env: dict, directory: Path) -> ExportedRealm:
    reader = _Reader(api, realm_name)
    rep = reader.api.get(realm.URLS["item"], allow_404=True, obj="realm")
    if rep is None:
        raise ExportError(f"realm '{realm_name}' does not exist on {api.server_url}")
    slug = _env_name(realm_name.removeprefix("smur-"))
    psc_secret, client_secrets, psc_client_id_ref = _secret_refs(region_doc, slug)
    defaults_data = _expanded(defaults.data, env, directory) if defaults else {}
    alias = (defaults_data.get("identityProvider") or {}).get("alias", "psc")
    record = OwnershipRecord.from_attributes(rep.get("attributes") or {}, realm_name)

    exported = _realm_part(rep)
    _sign_in_warnings(reader, rep)
    idp = _identity_provider(reader, alias, psc_secret)
    if idp:
        if psc_client_id_ref and expand_values(psc_client_id_ref, env) == idp["clientId"]:
            idp["clientId"] = psc_client_id_ref  # keep the file's own reference
        exported["identityProvider"] = idp
    elif defaults_data.get("identityProvider"):
        exported["identityProvider"] = {"remove": True}
    exported["userProfile"] = _user_profile(reader)
    exported["roles"] = _roles(reader)
    exported["groups"] = _groups(reader)
    exported["clients"] = _clients(reader, client_secrets, slug)
    exported["users"] = _managed_users(reader, record)
    others = reader.api.get(users.URLS["count"], obj="users") - len(exported["users"])
    if others > 0:
        reader.warnings.append(f"{others} user account(s) not in the files are not exported: staff accounts "
                               "go through `smur-iam links`")

    removed_idp = exported.get("identityProvider") == {"remove": True}
    body = strip_inherited({k: v for k, v in exported.items() if not (k == "identityProvider" and removed_idp)},
                           defaults_data, Region)
    if removed_idp:
        body["identityProvider"] = {"remove": True}
    body = {name: body[name] for name in Region.model_fields if name in body}  # the model's order
    _check_loads(body, defaults, env, directory, reader.warnings)
    header = (f"# yaml-language-server: $schema=schema/region.schema.json\n"
              f"# Exported by smur-iam from {api.server_url} on {datetime.now(UTC):%Y-%m-%d}.\n"
              + (f"# Inherits {DEFAULTS_FILE}: only what differs from it is stated.\n" if defaults else "")
              + "# Secrets cannot be read back: set the variables these references name.\n")
    text = header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)
    return ExportedRealm(realm_name, text, reader.warnings)


def _check_loads(body: dict, defaults: YamlDocument | None, env: dict, directory: Path, warnings: list[str]) -> None:
    """The export must be a file `validate` accepts; say so when it is not."""
    merged, errors = inherit(defaults, YamlDocument("<export>", body), Region)
    try:
        Region.model_validate(merged.data, context={"env": env, "base_dir": directory, "skip_secrets": True,
                                                    "national_id_mode": "sandbox"})
    except pydantic.ValidationError as exc:
        errors += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)]
    for error in errors:
        warnings.append(f"the exported file needs a hand edit before `validate` accepts it: {error}")


def export_realms(api: KeycloakAdmin, directory: Path, realms: list[str], env: dict | None = None) -> list[ExportedRealm]:
    """Export the named realms, or every realm the region files of ``directory`` name."""
    import os

    env = dict(os.environ if env is None else env)
    region_docs = _region_files_by_realm(directory)
    names = realms or sorted(region_docs)
    if not names:
        raise ExportError(f"no realm to export: name one with --realm, or give a directory of region files "
                          f"({directory} has none)")
    defaults = None
    defaults_path = Path(directory) / DEFAULTS_FILE
    if defaults_path.exists():
        defaults, errors = load_yaml(defaults_path)
        if errors:
            raise ExportError("\n".join(str(e) for e in errors))
    return [export_realm(api, name, defaults, region_docs.get(name), env, Path(directory)) for name in names]
