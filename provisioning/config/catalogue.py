"""The mapper catalogue (`mappers/catalogue.yaml`): every identity-provider mapper
the provisioning applies to a PSC broker, each with the reason it exists."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .model import Model


class IdentityProviderMapperSpec(Model):
    name: str = Field(min_length=1, description="natural key of the mapper within its identity provider")
    type: str = Field(description="Keycloak identityProviderMapper id, e.g. oidc-user-attribute-idp-mapper")
    why: str = Field(min_length=10, description="why this mapper exists (kept for reviewers)")
    syncMode: Literal["INHERIT", "IMPORT", "FORCE", "LEGACY"] = "INHERIT"
    config: dict[str, str] = {}


class MapperCatalogue(Model):
    identityProviderMappers: list[IdentityProviderMapperSpec]
