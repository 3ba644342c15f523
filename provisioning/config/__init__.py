"""Load and check `realm/`: every error at once, before anything talks to Keycloak."""
from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from .catalogue import IdentityProviderMapperSpec, MapperCatalogue
from .catalogue_file import installed_warning, locate_catalogue, missing_message
from .errors import ConfigError, ConfigInvalid, format_path
from .inheritance import inherit, model_in
from .model import BUILTIN_ROLES, REGION_ONLY_FIELDS, Deployment, Region
from .mtls_checks import certificate_problems, region_problems, uses_client_certificate
from .reference_fields import ReferenceCheck
from .references import DEFAULT_SECRET_DIRECTORIES
from .yaml_source import YamlDocument, load_yaml

DEPLOYMENT_FILE = "deployment.yaml"
DEFAULTS_FILE = "national-defaults.yaml"  # what every region inherits (optional)

__all__ = [
    "DEFAULTS_FILE",
    "DEPLOYMENT_FILE",
    "ConfigError",
    "ConfigInvalid",
    "Configuration",
    "Deployment",
    "Region",
    "load_config",
    "region_file_paths",
]


@dataclass
class Configuration:
    directory: Path
    deployment: Deployment
    regions: list[Region]
    identity_provider_mappers: list[IdentityProviderMapperSpec]
    region_files: dict[str, str] = field(default_factory=dict)  # realm -> file, for messages
    defaults_file: Path | None = None
    warnings: list[str] = field(default_factory=list)  # for the admin; nothing is refused for them

    def region(self, realm: str) -> Region:
        for region in self.regions:
            if region.realm == realm:
                return region
        raise KeyError(realm)


def _pydantic_errors(exc: pydantic.ValidationError, doc, model: type) -> list[ConfigError]:
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
        current = model_in(info.annotation) if info else None
    return sorted(getattr(current, "model_fields", {})) if current else []


def _validate(doc, model: type, context: dict):
    if not isinstance(doc.data, dict):
        return None, [doc.error((), f"expected a mapping at the top of the file, got {type(doc.data).__name__}", "")]
    try:
        return model.model_validate(doc.data, context=context), []
    except pydantic.ValidationError as exc:
        return None, _pydantic_errors(exc, doc, model)


def _region_checks(region: Region, doc) -> list[ConfigError]:
    """Rules that span several fields of one (merged) region."""
    errors = []

    def error(path: tuple, message: str):
        errors.append(doc.error(path, message, format_path(path)))

    declared = {attr.name for attr in region.userProfile.attributes}
    client_ids = {client.clientId for client in region.clients}
    role_names = {role.name for role in region.roles} | BUILTIN_ROLES | {f"default-roles-{region.realm}"}
    for ci, client in enumerate(region.clients):
        for i, claim in enumerate(client.tokenClaims):
            if claim not in declared:
                error(("clients", ci, "tokenClaims", i),
                      f"'{claim}' is not declared in userProfile.attributes (Keycloak would drop it)")
        for i, audience in enumerate(client.audiences):
            if audience not in client_ids:
                error(("clients", ci, "audiences", i),
                      f"'{audience}' is not a client of this region (expected one of: {', '.join(sorted(client_ids))})")
    for gi, group in enumerate(region.groups):
        for i, role in enumerate(group.realmRoles):
            if role not in role_names:
                error(("groups", gi, "realmRoles", i), f"role '{role}' is not declared in roles")
    if region.users:
        if region.identityProvider is None:
            error(("users",), "staff users are linked to the PSC identity provider: declare identityProvider")
        for needed in ("rpps", "idnat"):
            if needed not in declared:
                error(("userProfile", "attributes"),
                      f"staff users carry '{needed}': declare it in userProfile.attributes "
                      "(Keycloak silently drops undeclared attributes)")
    return errors


def _defaults_checks(doc: YamlDocument) -> list[ConfigError]:
    """The national defaults hold what every region shares: nothing that names one region."""
    if not isinstance(doc.data, dict):
        return [doc.error((), "expected a mapping at the top of the file", "")]
    return [doc.error((key,), f"'{key}' names one region: state it in the region files, not in {DEFAULTS_FILE}", key)
            for key in REGION_ONLY_FIELDS if key in doc.data]


def _own_secret_directories(doc: YamlDocument) -> list[str]:
    """Where deployment.yaml's own ${file:…} (the PSC client certificate) may read: the directories it
    allows, when they are well formed (else the model reports them and only the default applies)."""
    stated = doc.data.get("allowedSecretDirectories") if isinstance(doc.data, dict) else None
    if stated is None:
        return list(DEFAULT_SECRET_DIRECTORIES)
    if not isinstance(stated, list) or not all(
            isinstance(d, str) and os.path.isabs(d) and os.path.normpath(d) != "/" for d in stated):
        return list(DEFAULT_SECRET_DIRECTORIES)
    return stated


def load_config(directory: Path | str, env: Mapping[str, str] | None = None,
                resolve_secrets: bool = True, realms: Collection[str] | None = None) -> Configuration:
    """Read `deployment.yaml`, the national defaults, every region file and the mapper catalogue.

    Raises ConfigInvalid with every error found. ``resolve_secrets=False`` checks secret
    references without reading them (for a machine that does not hold the secrets).
    ``realms``: only these regions are validated and their references resolved (`--realm`: a
    regional admin holds her own region's secrets only); the other region files are parsed to
    know which realm each defines, never validated nor resolved. The configuration then holds
    the selected regions only.
    """
    directory = Path(directory)
    env = dict(os.environ if env is None else env)
    errors: list[ConfigError] = []
    if not directory.is_dir():
        raise ConfigInvalid([ConfigError(str(directory), None, None, "", "not a directory")])
    # Every file is read and its references checked before any is validated: the variables
    # the secret fields read must be known before a non-secret field may read a variable.
    references = ReferenceCheck()

    def read(path: Path, model: type, inherited_by: tuple[str, ...] = (), checked=lambda doc: True):
        """The parsed file, or None; its syntax errors, and its reference errors if ``checked(doc)``."""
        doc, errs = load_yaml(path)
        errors.extend(errs)
        if doc:
            reference_errors = references.check(doc, model, inherited_by)
            if checked(doc):
                errors.extend(reference_errors)
        return doc

    files = region_file_paths(directory)
    deployment_path = directory / DEPLOYMENT_FILE
    deployment_doc = read(deployment_path, Deployment) if deployment_path.exists() else None
    defaults_path = directory / DEFAULTS_FILE
    defaults_doc = read(defaults_path, Region, tuple(map(str, files))) if defaults_path.exists() else None
    # Another region's file is still parsed (which realm it defines; the variables its secrets read,
    # which no plain field may read), but its content is that region's admin's business.
    region_docs = [(path, read(path, Region, checked=lambda doc: not realms or realm_of(doc) in realms))
                   for path in files]
    if realms:
        region_docs, errs = _selected(region_docs, realms, directory)
        errors += errs

    context = {"env": env, "base_dir": directory, "config_dir": directory, "skip_secrets": not resolve_secrets,
               "references_checked": True, "secret_variables": references.secret_variables}

    deployment = None
    warnings: list[str] = []
    if not deployment_path.exists():
        errors.append(ConfigError(str(deployment_path), None, None, "",
                                  "missing: every realm directory needs a deployment.yaml choosing the PSC environment"))
    elif deployment_doc:
        # With --realm, the deployment's own secrets (the PSC client certificate) are read only
        # when a selected region authenticates with it (checked once the regions are known, below).
        deployment_context = context | {"allowed_secret_dirs": _own_secret_directories(deployment_doc),
                                        "skip_secrets": not resolve_secrets or bool(realms)}
        deployment, errs = _validate(deployment_doc, Deployment, deployment_context)
        errors += errs
        if deployment is not None and not realms:
            errs, found = certificate_problems(deployment_doc, deployment, secrets_read=resolve_secrets)
            errors += errs
            warnings += found
    context["allowed_secret_dirs"] = (deployment.allowedSecretDirectories if deployment
                                      else list(DEFAULT_SECRET_DIRECTORIES))

    mappers: list[IdentityProviderMapperSpec] = []
    if deployment is not None:
        location = locate_catalogue(directory, deployment.mapperCatalogue)
        if location.installed:
            warnings.append(installed_warning(str(deployment_path), deployment.mapperCatalogue, location))
        catalogue_path = location.path
        doc = read(catalogue_path, MapperCatalogue) if catalogue_path else None
        if catalogue_path is None:
            errors.append(deployment_doc.error(("mapperCatalogue",), missing_message(
                deployment.mapperCatalogue, location.stated), "mapperCatalogue"))
        if doc:
            catalogue, errs = _validate(doc, MapperCatalogue, context | {"base_dir": catalogue_path.parent})
            errors += errs
            mappers = list(catalogue.identityProviderMappers) if catalogue else []

    if defaults_doc:
        errors += _defaults_checks(defaults_doc)
        if isinstance(defaults_doc.data, dict):  # what the defaults may not hold is reported, then ignored
            defaults_doc.data = {k: v for k, v in defaults_doc.data.items() if k not in REGION_ONLY_FIELDS}
        else:
            defaults_doc = None

    mode = deployment.psc.selected.nationalIdMode if deployment else "strict"
    regions: list[Region] = []
    region_files: dict[str, str] = {}
    insee_codes: dict[str, str] = {}
    if not files:
        errors.append(ConfigError(str(directory), None, None, "", "no region file (*.yaml) found"))
    for path, doc in region_docs:
        if not doc:
            continue
        merged, errs = inherit(defaults_doc, doc, Region)
        errors += errs
        region, errs = _validate(merged, Region, context | {"national_id_mode": mode})
        errors += errs
        if region is None:
            continue
        errors += _region_checks(region, merged)
        if deployment is not None:
            errors += region_problems(region, merged, deployment)
        if region.realm in region_files:
            errors.append(doc.error(("realm",), f"realm '{region.realm}' is already defined in {region_files[region.realm]}", "realm"))
            continue
        if region.inseeCode is not None:
            if region.inseeCode in insee_codes:
                errors.append(doc.error(("inseeCode",), f"INSEE code {region.inseeCode} is already the code of "
                                                        f"{insee_codes[region.inseeCode]}", "inseeCode"))
            insee_codes.setdefault(region.inseeCode, region.realm)
        region_files[region.realm] = str(path)
        regions.append(region)

    if realms and resolve_secrets and deployment is not None and any(uses_client_certificate(r) for r in regions):
        deployment, errs = _validate(deployment_doc, Deployment, deployment_context | {"skip_secrets": False})
        errors += errs
        if deployment is not None:
            errs, found = certificate_problems(deployment_doc, deployment, secrets_read=True)
            errors += errs
            warnings += found

    if errors:
        raise ConfigInvalid(errors)
    return Configuration(directory, deployment, regions, mappers, region_files,
                         defaults_path if defaults_doc is not None else None, warnings)


def realm_of(doc: YamlDocument | None) -> str | None:
    """The realm a region file defines, as written (before any validation)."""
    realm = doc.data.get("realm") if doc is not None and isinstance(doc.data, dict) else None
    return realm if isinstance(realm, str) else None


def _selected(region_docs: list, realms: Collection[str], directory: Path) -> tuple[list, list[ConfigError]]:
    """The region files defining one of ``realms``; an error for a realm no file defines."""
    defined = {realm_of(doc) for _, doc in region_docs} - {None}
    unknown = sorted(set(realms) - defined)
    errors = [ConfigError(str(directory), None, None, "", f"--realm not in the files: {', '.join(unknown)} "
                                                          f"(realms: {', '.join(sorted(defined))})")] if unknown else []
    return [(path, doc) for path, doc in region_docs if realm_of(doc) in realms], errors


def region_file_paths(directory: Path) -> list[Path]:
    """Every region file: the YAML files of the directory other than the deployment and the defaults."""
    return sorted(p for p in Path(directory).iterdir()
                  if p.suffix in (".yaml", ".yml") and p.name not in (DEPLOYMENT_FILE, DEFAULTS_FILE))
