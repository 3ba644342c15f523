"""`smur-iam export`: the live state of realms written back as region files, in our format.

Each resource type reads its own objects back (`ResourceType.export`, the reverse
of `desired`: Keycloak's own objects left out, what the format cannot express, such
as an implicit flow left on, a composite role or sub-groups, named in a warning since
the next apply would change it). This module puts the parts together and normalises
the file so a hand-made realm can be brought under management: fields in the model's
order, every value the region would inherit anyway stripped (equal to the national
defaults of the directory, or to the model's default). Secrets cannot be read back:
they are written as `${env:...}` references (the region file's own, when there is one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pydantic
import yaml

from .config import DEFAULTS_FILE, region_file_paths
from .config.inheritance import inherit, model_in
from .config.model import Region
from .config.references import REFERENCE, expand_values
from .config.yaml_source import YamlDocument, load_yaml
from .keycloak_api import KeycloakAdmin
from .ownership import OwnershipRecord
from .resources import TYPES_BY_KIND
from .resources.context import ExportContext, env_name
from .resources.realm import URLS as REALM_URLS

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

# Each type writes its own part (ResourceType.export); this is the order they read the realm in, which is the
# order of the warnings. The other types say why they have nothing to write (`not_exported`).
EXPORT_ORDER = ("realm", "realm-sign-in", "required-actions", "identity-provider", "user-profile",
                "user-profile-attribute", "realm-role", "group", "client", "user")


def _merge(exported: dict, part: dict) -> None:
    """Lay one type's part over the file (two types write parts of `userProfile`)."""
    for name, value in part.items():
        if isinstance(value, dict) and isinstance(exported.get(name), dict):
            exported[name] = {**exported[name], **value}
        else:
            exported[name] = value


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


def _export_context(api: KeycloakAdmin, realm_name: str, defaults: dict, region_doc: YamlDocument | None,
                    env: dict) -> ExportContext:
    """The live realm (it must exist) and the references to write for its secrets: the region file's own when
    it has them, else named after the realm."""
    realm_api = api.realm(realm_name)
    rep = realm_api.get(REALM_URLS["item"], allow_404=True, obj="realm")
    if rep is None:
        raise ExportError(f"realm '{realm_name}' does not exist on {api.server_url}")
    suffix = env_name(realm_name.removeprefix("smur-"))
    data = region_doc.data if region_doc else {}
    idp = data.get("identityProvider") or {}
    client_secrets = {c["clientId"]: c["secret"] for c in data.get("clients") or []
                      if isinstance(c, dict) and c.get("clientId") and c.get("secret")}
    return ExportContext(realm_api, rep, defaults, env,
                         record=OwnershipRecord.from_attributes(rep.get("attributes") or {}, realm_name),
                         env_suffix=suffix,
                         psc_secret=idp.get("clientSecret") or f"${{env:PSC_CLIENT_SECRET_{suffix}}}",
                         client_secrets=client_secrets, psc_client_id=idp.get("clientId"))


def export_realm(api: KeycloakAdmin, realm_name: str, defaults: YamlDocument | None,
                 region_doc: YamlDocument | None, env: dict, directory: Path) -> ExportedRealm:
    defaults_data = _expanded(defaults.data, env, directory) if defaults else {}
    ctx = _export_context(api, realm_name, defaults_data, region_doc, env)
    exported: dict = {}
    for kind in EXPORT_ORDER:
        _merge(exported, TYPES_BY_KIND[kind].export(ctx))

    removed_idp = exported.get("identityProvider") == {"remove": True}
    body = strip_inherited({k: v for k, v in exported.items() if not (k == "identityProvider" and removed_idp)},
                           defaults_data, Region)
    if removed_idp:
        body["identityProvider"] = {"remove": True}
    body = {name: body[name] for name in Region.model_fields if name in body}  # the model's order
    _check_loads(body, defaults, env, directory, ctx.warnings)
    header = (f"# yaml-language-server: $schema=schema/region.schema.json\n"
              f"# Exported by smur-iam from {api.server_url} on {datetime.now(UTC):%Y-%m-%d}.\n"
              + (f"# Inherits {DEFAULTS_FILE}: only what differs from it is stated.\n" if defaults else "")
              + "# Secrets cannot be read back: set the variables these references name.\n")
    text = header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)
    return ExportedRealm(realm_name, text, ctx.warnings)


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
