"""The declarative model of `realm/`: what an IAM admin may write, and nothing else.

Keys are camelCase like Keycloak's own representations, so an admin who knows
Keycloak recognises them. Unknown keys are errors (a typo must never be
silently ignored). Secret fields take only `${env:..}`/`${file:..}` references.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from ..national_id import NationalIdError, parse_national_id
from .references import ReferenceError_, SecretValue, expand, resolve_secret

REALM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _context(info: ValidationInfo) -> tuple[dict, Path]:
    ctx = info.context or {}
    return ctx.get("env", os.environ), ctx.get("base_dir", Path.cwd())


def _text(value, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    env, base_dir = _context(info)
    try:
        return expand(value, env, base_dir)
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _secret(value, info: ValidationInfo) -> SecretValue:
    if isinstance(value, SecretValue):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a ${env:NAME} or ${file:PATH} reference")
    env, base_dir = _context(info)
    try:
        return resolve_secret(value, env, base_dir)
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _national_id(value, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise ValueError(
            f"expected the national id as a quoted string (e.g. \"899700218896\"), got {type(value).__name__}"
        )
    sandbox = (info.context or {}).get("national_id_mode") == "sandbox"
    try:
        return parse_national_id(value, sandbox=sandbox).value
    except NationalIdError as exc:
        raise ValueError(str(exc)) from None


# A string in which `${env:NAME:-default}` is expanded (per-deployment values).
Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]
# A secret: exactly one reference, resolved and masked.
Secret = Annotated[
    SecretValue,
    PlainValidator(_secret),
    PlainSerializer(lambda s: s.reference, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\$\{(env|file):[^}]+\}$"}),
]
NationalIdText = Annotated[
    str,
    PlainValidator(_national_id),
    WithJsonSchema({"type": "string", "pattern": r"^(8[0-9]{11}|0[0-9]{9}|[13456].+)$"}),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# ---------------------------------------------------------------- deployment.yaml

class PscEnvironment(Model):
    issuer: Text = Field(description="PSC issuer URL; discovery is read from it")
    discoveryPath: str = Field(
        "/.well-known/wallet-openid-configuration",
        description="PSC publishes its discovery document at this non-standard path",
    )
    nationalIdMode: Literal["strict", "sandbox"] = Field(
        "strict", description="sandbox also accepts ANS EDIT test identities (no prefix, no Luhn)"
    )

    @model_validator(mode="after")
    def _issuer_is_url(self):
        if not re.match(r"^https?://[^/\s]+/\S*$", self.issuer):
            raise ValueError(f"issuer '{self.issuer}' is not an http(s) URL")
        return self


class PscDeployment(Model):
    environment: Text = Field(description="which of `environments` this deployment brokers")
    environments: dict[str, PscEnvironment]

    @model_validator(mode="after")
    def _known_environment(self):
        if self.environment not in self.environments:
            raise ValueError(
                f"environment '{self.environment}' is not one of: {', '.join(sorted(self.environments))}"
            )
        return self

    @property
    def selected(self) -> PscEnvironment:
        return self.environments[self.environment]


class Deployment(Model):
    psc: PscDeployment
    mapperCatalogue: Text = Field(
        "../mappers/catalogue.yaml", description="identity-provider mappers applied to every PSC broker"
    )


# ---------------------------------------------------------------- <region>.yaml

FirstLoginPolicy = Literal["deny"]


class PscIdentityProvider(Model):
    alias: str = Field("psc", pattern=r"^[a-z0-9][a-z0-9-]*$")
    displayName: str = "Pro Santé Connect"
    clientId: Text = Field(description="the client id this realm is registered with at PSC")
    clientSecret: Secret
    clientAuthMethod: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    firstLoginPolicy: FirstLoginPolicy = Field(
        "deny",
        description="what happens when a PSC identity has no pre-created link: deny refuses and creates nothing",
    )
    firstLoginDenyMessage: str = Field(
        "Votre identifiant national n'est pas enregistré pour ce SMUR : contactez l'administrateur "
        "de votre SMUR. / Your national id is not registered for this SMUR: contact your SMUR administrator.",
        max_length=255,
    )


AttributeName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]


class UserProfileAttribute(Model):
    name: AttributeName
    displayName: str | None = None
    multivalued: bool = False
    pattern: str | None = Field(None, description="regular expression every value must match")
    patternErrorMessage: str | None = None
    userCanView: bool = Field(True, description="the user sees it in the account console (never edits it)")

    @model_validator(mode="after")
    def _pattern_compiles(self):
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self


class UserProfile(Model):
    attributes: list[UserProfileAttribute] = []
    emailRequired: bool = Field(
        False, description="PSC sends no email, so brokered users must not be asked for one"
    )


class Client(Model):
    clientId: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    name: str | None = None
    description: str | None = None
    type: Literal["public", "confidential"] = "public"
    secret: Secret | None = None
    redirectUris: list[Text] = Field(min_length=1)
    webOrigins: list[Text] = []
    postLogoutRedirectUris: list[Text] = []
    pkce: Literal["S256"] | None = "S256"
    tokenClaims: list[AttributeName] = Field(
        [], description="user-profile attributes put in ID, access and userinfo tokens"
    )

    @model_validator(mode="after")
    def _secret_matches_type(self):
        if self.type == "confidential" and self.secret is None:
            raise ValueError("a confidential client needs `secret` (a ${env:..} or ${file:..} reference)")
        if self.type == "public" and self.secret is not None:
            raise ValueError("a public client has no secret: remove `secret` or set type: confidential")
        for uri in self.redirectUris:
            if uri == "*" or uri.startswith("*"):
                raise ValueError(f"redirect URI '{uri}' would accept any redirect: list exact URIs")
        return self


class StaffUser(Model):
    nationalId: NationalIdText = Field(description="PSC national id: 8 + 11-digit RPPS, 0 + ADELI, ...")
    firstName: str = Field(min_length=1)
    lastName: str = Field(min_length=1)
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    enabled: bool = True


class Region(Model):
    realm: str = Field(pattern=REALM_NAME.pattern, description="the Keycloak realm of this region")
    displayName: Text | None = None
    enabled: bool = True
    identityProvider: PscIdentityProvider
    userProfile: UserProfile = UserProfile()
    clients: list[Client] = []
    users: list[StaffUser] = []
