"""Load and check `realm/`: every error at once, before anything talks to Keycloak."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from .catalogue import IdentityProviderMapperSpec, MapperCatalogue
from .errors import ConfigError, ConfigInvalid, format_path
from .model import Deployment, Region
from .yaml_source import YamlDocument, load_yaml

DEPLOYMENT_FILE = "deployment.yaml"

__all__ = [
    "ConfigError",
    "ConfigInvalid",
    "Configuration",
    "Deployment",
    "Region",
    "load_config",
]


@dataclass
class Configuration:
    directory: Path
    deployment: Deployment
    regions: list[Region]
    identity_provider_mappers: list[IdentityProviderMapperSpec]
    region_files: dict[str, str] = field(default_factory=dict)  # realm -> file, for messages

    def region(self, realm: str) -> Region:
        for region in self.regions:
            if region.realm == realm:
                return region
        raise KeyError(realm)


def _pydantic_errors(exc: pydantic.ValidationError, doc: YamlDocument, model: type) -> list[ConfigError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            expected = _field_names(model, loc[:-1])
            message = f"unknown key '{loc[-1]}'" + (f" (expected one of: {', '.join(expected)})" if expected else "")
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "value_error":
            message = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        else:
            message = f"{err['msg']} (got {_short(err.get('input'))})"
        errors.append(doc.error(loc, message, format_path(loc)))
    return errors


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_names(model: type, loc: tuple) -> list[str]:
    """The keys allowed at ``loc`` in ``model``, to suggest the right spelling."""
    current = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = getattr(current, "model_fields", {}).get(part)
        current = _model_in(info.annotation) if info else None
    return sorted(getattr(current, "model_fields", {})) if current else []


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found:
            return found
    return None


def _validate(doc: YamlDocument, model: type, context: dict):
    if not isinstance(doc.data, dict):
        return None, [doc.error((), f"expected a mapping at the top of the file, got {type(doc.data).__name__}", "")]
    try:
        return model.model_validate(doc.data, context=context), []
    except pydantic.ValidationError as exc:
        return None, _pydantic_errors(exc, doc, model)


def _region_checks(region: Region, doc: YamlDocument) -> list[ConfigError]:
    """Rules that span several fields of one region file."""
    errors = []
    declared = {attr.name for attr in region.userProfile.attributes}

    def dup_check(items, key, what):
        seen = {}
        for index, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                path = (what, index, key)
                errors.append(doc.error(path, f"'{value}' already given at {what}[{seen[value]}]", format_path(path)))
            seen.setdefault(value, index)

    dup_check(region.clients, "clientId", "clients")
    dup_check(region.users, "nationalId", "users")
    for ci, client in enumerate(region.clients):
        for i, claim in enumerate(client.tokenClaims):
            if claim not in declared:
                path = ("clients", ci, "tokenClaims", i)
                errors.append(doc.error(
                    path, f"'{claim}' is not declared in userProfile.attributes (Keycloak would drop it)",
                    format_path(path)))
    if region.users:
        for needed in ("rpps", "idnat"):
            if needed not in declared:
                path = ("userProfile", "attributes")
                errors.append(doc.error(
                    path, f"staff users carry '{needed}': declare it in userProfile.attributes "
                          "(Keycloak silently drops undeclared attributes)", format_path(path)))
    return errors


def load_config(directory: Path | str, env: Mapping[str, str] | None = None) -> Configuration:
    """Read `deployment.yaml`, every region file and the mapper catalogue; raise ConfigInvalid with all errors."""
    directory = Path(directory)
    env = dict(os.environ if env is None else env)
    errors: list[ConfigError] = []
    if not directory.is_dir():
        raise ConfigInvalid([ConfigError(str(directory), None, None, "", "not a directory")])

    deployment = None
    deployment_path = directory / DEPLOYMENT_FILE
    if not deployment_path.exists():
        errors.append(ConfigError(str(deployment_path), None, None, "",
                                  "missing: every realm directory needs a deployment.yaml choosing the PSC environment"))
    else:
        doc, errs = load_yaml(deployment_path)
        errors += errs
        if doc:
            deployment, errs = _validate(doc, Deployment, {"env": env, "base_dir": directory})
            errors += errs

    mappers: list[IdentityProviderMapperSpec] = []
    if deployment is not None:
        catalogue_path = (directory / deployment.mapperCatalogue).resolve()
        doc, errs = load_yaml(catalogue_path)
        errors += errs
        if doc:
            catalogue, errs = _validate(doc, MapperCatalogue, {"env": env, "base_dir": catalogue_path.parent})
            errors += errs
            mappers = list(catalogue.identityProviderMappers) if catalogue else []

    mode = deployment.psc.selected.nationalIdMode if deployment else "strict"
    regions: list[Region] = []
    region_files: dict[str, str] = {}
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.name != DEPLOYMENT_FILE)
    if not files:
        errors.append(ConfigError(str(directory), None, None, "", "no region file (*.yaml) found"))
    for path in files:
        doc, errs = load_yaml(path)
        errors += errs
        if not doc:
            continue
        region, errs = _validate(doc, Region, {"env": env, "base_dir": directory, "national_id_mode": mode})
        errors += errs
        if region is None:
            continue
        errors += _region_checks(region, doc)
        if region.realm in region_files:
            errors.append(doc.error(("realm",), f"realm '{region.realm}' is already defined in {region_files[region.realm]}", "realm"))
            continue
        region_files[region.realm] = str(path)
        regions.append(region)

    if errors:
        raise ConfigInvalid(errors)
    return Configuration(directory, deployment, regions, mappers, region_files)
