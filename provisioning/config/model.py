"""The declarative model of `realm/`: what an IAM admin may write, and nothing else.

Keys are camelCase like Keycloak's own representations, so an admin who knows
Keycloak recognises them. Unknown keys are errors (a typo must never be
silently ignored). Secret fields take only `${env:..}`/`${file:..}` references;
the few per-deployment fields typed `ReferenceText` take `${env:..}`; every other
string refuses references (see reference_fields.py).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, ClassVar, Literal, get_args

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

from psc_ids.national_id import NationalIdError, parse_national_id

from .keycloak_events import EVENT_TYPES
from .references import (
    DEFAULT_SECRET_DIRECTORIES,
    REFERENCE,
    REFERENCE_START,
    SECRET_REFERENCE,
    VALUE_REFERENCE,
    FileScope,
    ReferenceError_,
    SecretFile,
    SecretValue,
    UnsetVariable,
    expand_values,
    resolve_secret,
    resolve_secret_file,
)

REALM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


# Validation context (load_config sets it): env, base_dir (directory of the file being read),
# config_dir, allowed_secret_dirs, secret_variables, skip_secrets, references_checked.
def _context(info: ValidationInfo) -> dict:
    return info.context or {}


def _file_scope(ctx: dict) -> FileScope:
    base_dir = Path(ctx.get("base_dir", Path.cwd()))
    return FileScope(base_dir, Path(ctx.get("config_dir", base_dir)),
                     tuple(ctx.get("allowed_secret_dirs", DEFAULT_SECRET_DIRECTORIES)))


def _string(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _plain_text(value, info: ValidationInfo) -> str:
    value = _string(value)
    # load_config has already refused these at their exact line (reference_fields.py); this
    # catches a model validated some other way.
    if REFERENCE_START.search(value) and not _context(info).get("references_checked"):
        raise ValueError("references (${env:…}/${file:…}) are not allowed in this field")
    return value


def _reference_text(value, info: ValidationInfo) -> str:
    ctx = _context(info)
    try:
        return expand_values(_string(value), ctx.get("env", os.environ), ctx.get("secret_variables"))
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _environment_name(value, info: ValidationInfo) -> str:
    """psc.environment: the name itself, or `${env:NAME}` without a default — a forgotten
    variable must stop the tool, never fall back to some PSC (the mock, say) silently."""
    value = _string(value)
    ctx = _context(info)
    match = REFERENCE.search(value)
    if match and match[3] is not None:
        raise ValueError(f"{match[0]}: no default here, a forgotten variable would silently broker to "
                         f"'{match[3]}': write ${{env:{match[2]}}}")
    try:
        return expand_values(value, ctx.get("env", os.environ), ctx.get("secret_variables"))
    except UnsetVariable as exc:
        names = list(info.data.get("environments") or {})
        choices = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "one of psc.environments"
        raise ValueError(f"{exc.name} is not set: choose {choices}") from None
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _secret(value, info: ValidationInfo) -> SecretValue:
    if isinstance(value, SecretValue):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a ${env:NAME} or ${file:PATH} reference")
    ctx = _context(info)
    try:
        return resolve_secret(value, ctx.get("env", os.environ), _file_scope(ctx),
                              resolve=not ctx.get("skip_secrets"))
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _secret_file(value, info: ValidationInfo) -> SecretFile:
    if isinstance(value, SecretFile):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a ${file:PATH} reference")
    ctx = _context(info)
    try:
        return resolve_secret_file(value, _file_scope(ctx), resolve=not ctx.get("skip_secrets"))
    except ReferenceError_ as exc:
        raise ValueError(str(exc)) from None


def _secret_directory(value, info: ValidationInfo) -> str:
    path = _string(value)
    if not os.path.isabs(path):
        raise ValueError(f"'{path}' is not an absolute directory")
    if os.path.normpath(path) == "/":
        raise ValueError("'/' would let ${file:…} read any file: name the directory that holds the secrets")
    return path


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


# Plain text: no reference (a display name, a description, an attribute value...).
Text = Annotated[str, PlainValidator(_plain_text), WithJsonSchema({"type": "string"})]
# A per-deployment value (a redirect URI, the PSC client id): `${env:NAME}` and
# `${env:NAME:-default}` expanded, never a variable that holds a secret. It shows in plans.
ReferenceText = Annotated[str, PlainValidator(_reference_text), WithJsonSchema({"type": "string"}), VALUE_REFERENCE]
# A secret: exactly one reference, resolved and masked.
Secret = Annotated[
    SecretValue,
    PlainValidator(_secret),
    PlainSerializer(lambda s: s.reference, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\$\{(env|file):[^}]+\}$"}),
    SECRET_REFERENCE,
]
# A file holding key material (PEM, PKCS#12): a `${file:}` reference only, read as bytes, masked.
SecretFileReference = Annotated[
    SecretFile,
    PlainValidator(_secret_file),
    PlainSerializer(lambda s: s.reference, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\$\{file:[^}]+\}$"}),
    SECRET_REFERENCE,
]
PscEnvironmentName = Annotated[str, PlainValidator(_environment_name), WithJsonSchema({"type": "string"}),
                               VALUE_REFERENCE]
SecretDirectory = Annotated[str, PlainValidator(_secret_directory),
                            WithJsonSchema({"type": "string", "pattern": "^/"})]
NationalIdText = Annotated[
    str,
    PlainValidator(_national_id),
    WithJsonSchema({"type": "string", "pattern": r"^(8[0-9]{11}|0[0-9]{9}|[13456].+)$"}),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# ---------------------------------------------------------------- deployment.yaml

class TlsClientAuth(Model):
    """The client certificate Keycloak presents to PSC (tls_client_auth, RFC 8705). Keycloak has one
    outgoing HTTP client for the whole server, so this is deployment configuration, not a region's: every
    region that chooses tls_client_auth authenticates with it. The files are checked by
    `smur-iam validate` (mtls_checks.py) and handed to Keycloak at start (runtime/outgoing_tls.py)."""
    certificate: SecretFileReference | None = Field(
        None, description="PEM: the client certificate (IGC-Santé ORG, AUTH_CLI), then any intermediate CAs")
    key: SecretFileReference | None = Field(None, description="PEM: the certificate's private key")
    pkcs12: SecretFileReference | None = Field(
        None, description="instead of certificate and key: a PKCS#12 file holding both")
    password: Secret | None = Field(
        None, description="the PKCS#12 file's password, or the PEM key's when it is encrypted")
    caBundle: SecretFileReference | None = Field(
        None, description="PEM: the CA(s) of PSC's mTLS endpoints, for Keycloak to trust when calling them")

    @model_validator(mode="after")
    def _one_form(self):
        pem = self.certificate is not None or self.key is not None
        if pem and self.pkcs12 is not None:
            raise ValueError("give either certificate and key (PEM) or pkcs12, not both")
        if not pem and self.pkcs12 is None:
            raise ValueError("give the client certificate: certificate and key (PEM), or pkcs12")
        if pem and (self.certificate is None or self.key is None):
            missing = "key" if self.key is None else "certificate"
            raise ValueError(f"a PEM client certificate needs both certificate and key: add {missing}")
        return self


class PscEnvironment(Model):
    issuer: ReferenceText = Field(description="PSC issuer URL; discovery is read from it")
    discoveryPath: str = Field(
        "/.well-known/wallet-openid-configuration",
        description="PSC publishes its discovery document at this non-standard path",
    )
    nationalIdMode: Literal["strict", "sandbox"] = Field(
        "strict", description="sandbox also accepts ANS EDIT test identities (no prefix, no Luhn)"
    )
    tlsClientAuth: TlsClientAuth | None = Field(
        None, description="the client certificate Keycloak presents to this PSC, for regions whose identityProvider "
                          "uses clientAuthMethod tls_client_auth (one per environment: sandbox and production "
                          "certificates differ, and a deployment brokers one environment)")

    @model_validator(mode="after")
    def _issuer_is_url(self):
        if not re.match(r"^https?://[^/\s]+/\S*$", self.issuer):
            raise ValueError(f"issuer '{self.issuer}' is not an http(s) URL")
        return self


class PscDeployment(Model):
    environments: dict[str, PscEnvironment]
    # After `environments`: its error message lists them.
    environment: PscEnvironmentName = Field(
        description="which of `environments` this deployment brokers: a name, or ${env:NAME} without a default")

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
    allowedSecretDirectories: list[SecretDirectory] = Field(
        list(DEFAULT_SECRET_DIRECTORIES),
        description="absolute directories outside the configuration directory from which ${file:…} secrets may "
                    "be read (Docker and Kubernetes mount secrets under /run/secrets); [] allows the "
                    "configuration directory only",
    )


# ---------------------------------------------------------------- <region>.yaml and national-defaults.yaml
#
# A region file states only what differs from `national-defaults.yaml`
# (see inheritance.py). Lists of objects with a natural key (`natural_key`)
# are merged item by item on that key; other lists are replaced.

# eIDAS levels PSC returns in `acr`, lowest first (the PSC extension's AcrLevel has the same).
MinimumAcr = Literal["eidas1", "eidas2", "eidas3"]
ACR_LEVELS = get_args(MinimumAcr)

# Policies are the keys of first_login_flow.POLICY_STEPS (a test checks both agree).
FirstLoginPolicy = Literal["deny", "link-by-rpps", "create"]

# Keycloak's own objects in every realm: never managed, reported or pruned by smur-iam.
BUILTIN_CLIENTS = frozenset({"account", "account-console", "admin-cli", "broker", "realm-management",
                             "security-admin-console"})
BUILTIN_ROLES = frozenset({"offline_access", "uma_authorization"})  # plus default-roles-<realm>
BUILTIN_PROFILE_ATTRIBUTES = frozenset({"username", "email", "firstName", "lastName"})
APPLY_LOCK_ROLE = "smur-iam-apply-lock"  # see provisioning/lock.py
RESERVED_ROLES = frozenset({APPLY_LOCK_ROLE})


def _attribute_values(value, info: ValidationInfo) -> tuple[str, ...]:
    """Keycloak attributes are multi-valued: accept one string or a list of strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a string or a list of strings")
    return tuple(_plain_text(v, info) for v in value)


AttributeValues = Annotated[
    tuple[str, ...],
    PlainValidator(_attribute_values),
    PlainSerializer(list, return_type=list),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class PscIdentityProvider(Model):
    alias: str = Field("psc", pattern=r"^[a-z0-9][a-z0-9-]*$",
                       description="natural key; part of the broker redirect URI registered at PSC")
    displayName: str = "Pro Santé Connect"
    enabled: bool = True
    clientId: ReferenceText = Field(description="the client id this realm is registered with at PSC")
    clientSecret: Secret | None = Field(
        None, description="the client secret at PSC (client_secret_basic, client_secret_post); none with "
                          "tls_client_auth")
    clientAuthMethod: Literal["client_secret_basic", "client_secret_post", "tls_client_auth"] = Field(
        "client_secret_basic",
        description="how Keycloak authenticates to PSC's token endpoint; tls_client_auth presents the client "
                    "certificate of deployment.yaml's psc.environments.<name>.tlsClientAuth and sends no secret")
    firstLoginPolicy: FirstLoginPolicy = Field(
        "deny",
        description="what happens when a PSC identity has no pre-created link: deny refuses and creates nothing; "
                    "link-by-rpps links it to the one account whose rpps attribute is its RPPS (never by e-mail "
                    "or name) and refuses otherwise; create makes an account from PSC's claims",
    )
    minimumAcr: MinimumAcr = Field(
        "eidas1",
        description="the lowest eIDAS level PSC may return in `acr` (eidas1 < eidas2 < eidas3): the broker asks PSC "
                    "for it (acr_values) and refuses a login below it, or whose acr is missing or not exactly one "
                    "of these (mappers/psc-extension checks it before any account is looked up). eidas2: CPS card "
                    "logins (and the e-CPS logins PSC rates eidas2) only",
    )
    firstLoginDenyMessage: str = Field(
        "Votre identifiant national n'est pas enregistré pour ce SMUR : contactez l'administrateur "
        "de votre SMUR. / Your national id is not registered for this SMUR: contact your SMUR administrator.",
        max_length=255,
    )

    @model_validator(mode="after")
    def _secret_matches_method(self):
        if self.clientAuthMethod == "tls_client_auth" and self.clientSecret is not None:
            raise ValueError("clientAuthMethod tls_client_auth authenticates with the deployment's client "
                             "certificate and sends no secret: remove clientSecret")
        if self.clientAuthMethod != "tls_client_auth" and self.clientSecret is None:
            raise ValueError(f"clientAuthMethod {self.clientAuthMethod} needs clientSecret (a ${{env:..}} or "
                             "${file:..} reference)")
        return self


AttributeName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]


class UserProfileAttribute(Model):
    natural_key: ClassVar[str] = "name"

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
        if self.name in BUILTIN_PROFILE_ATTRIBUTES:
            raise ValueError(f"'{self.name}' is one of Keycloak's own attributes; smur-iam does not manage it")
        return self


class UserProfile(Model):
    attributes: list[UserProfileAttribute] = []
    emailRequired: bool = Field(
        False, description="PSC sends no email, so brokered users must not be asked for one"
    )


ClientType = Literal["public", "confidential", "bearer-only"]


class Client(Model):
    natural_key: ClassVar[str] = "clientId"

    clientId: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    name: str | None = None
    description: str | None = None
    type: ClientType = Field(
        "public",
        description="public: an app on a device (code + PKCE); confidential: a server-side web app with a "
                    "secret; bearer-only: an API that only validates tokens (no login flow at all)",
    )
    secret: Secret | None = None
    redirectUris: list[ReferenceText] = []
    webOrigins: list[ReferenceText] = []
    postLogoutRedirectUris: list[ReferenceText] = []
    pkce: Literal["S256"] | None = "S256"
    tokenClaims: list[AttributeName] = Field(
        [], description="user-profile attributes put in ID, access and userinfo tokens"
    )
    audiences: list[str] = Field(
        [], description="clients of this region (e.g. the API) added to the `aud` of this client's access tokens"
    )
    sessionClaims: list[AttributeName] = Field(
        [], description="user-session notes (e.g. auth_mode, set by the PSC mapper at each login) put in ID, "
                        "access and userinfo tokens"
    )
    offlineAccess: bool = Field(
        False, description="the app may ask for offline tokens (scope offline_access), which outlive logout up to "
                           "the realm's offlineSessionMaxLifespan; off unless an app truly needs it"
    )

    @model_validator(mode="after")
    def _settings_match_type(self):
        if self.clientId in BUILTIN_CLIENTS:
            raise ValueError(f"'{self.clientId}' is one of Keycloak's own clients; smur-iam does not manage it")
        if self.type == "confidential" and self.secret is None:
            raise ValueError("a confidential client needs `secret` (a ${env:..} or ${file:..} reference)")
        if self.type == "public" and self.secret is not None:
            raise ValueError("a public client has no secret: remove `secret` or set type: confidential")
        if self.type == "public" and self.pkce is None:
            raise ValueError("a public client must use PKCE: set pkce: S256")
        if self.type == "bearer-only":
            stated = [f for f in ("redirectUris", "webOrigins", "postLogoutRedirectUris", "tokenClaims",
                                  "sessionClaims") if getattr(self, f)]
            if stated:
                raise ValueError(f"a bearer-only client never signs anyone in: remove {', '.join(stated)}")
        elif not self.redirectUris:
            raise ValueError(f"a {self.type} client needs at least one entry in redirectUris")
        both = sorted(set(self.tokenClaims) & set(self.sessionClaims))
        if both:
            raise ValueError(f"claim(s) {', '.join(both)} in both tokenClaims and sessionClaims: a token claim "
                             "comes from one source")
        for uri in self.redirectUris:
            if uri == "*" or uri.startswith("*"):
                raise ValueError(f"redirect URI '{uri}' would accept any redirect: list exact URIs")
        return self


class RealmRole(Model):
    natural_key: ClassVar[str] = "name"

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="natural key, e.g. medecin")
    description: str | None = None
    attributes: dict[str, AttributeValues] = Field(
        {}, description="e.g. the ANS codes the role stands for (TRE_G15 profession, TRE_R85 role)"
    )

    @model_validator(mode="after")
    def _not_reserved(self):
        if self.name in BUILTIN_ROLES or self.name in RESERVED_ROLES or self.name.startswith("default-roles-"):
            raise ValueError(f"role name '{self.name}' is reserved (Keycloak's own or smur-iam's apply lock)")
        return self


class Group(Model):
    natural_key: ClassVar[str] = "name"

    name: str = Field(pattern=r"^[^/\s][^/]*$", description="natural key: a top-level group, e.g. one SMUR base")
    attributes: dict[str, AttributeValues] = {}
    realmRoles: list[str] = Field([], description="realm roles every member of the group gets")


class StaffUser(Model):
    natural_key: ClassVar[str] = "nationalId"

    nationalId: NationalIdText = Field(description="PSC national id: 8 + 11-digit RPPS, 0 + ADELI, ...")
    firstName: str = Field(min_length=1)
    lastName: str = Field(min_length=1)
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    enabled: bool = True


EventTypeName = Annotated[str, Field(pattern=r"^[A-Z][A-Z_]*$")]


class Events(Model):
    """What the realm records, so refused PSC logins and admin changes can be seen and counted."""
    retentionDays: int = Field(30, ge=1, le=3650, description="login and admin events older than this are deleted")
    types: list[EventTypeName] = Field(
        [], description="user event types recorded (Keycloak's names, e.g. LOGIN, IDENTITY_PROVIDER_LOGIN_ERROR)")
    adminEvents: bool = Field(True, description="record admin changes (without representations: they may hold secrets)")

    @model_validator(mode="after")
    def _known_types(self):
        unknown = [t for t in self.types if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type(s) {', '.join(unknown)}: Keycloak would store them and record "
                             "nothing (expected Keycloak's names, e.g. LOGIN, LOGIN_ERROR, "
                             "IDENTITY_PROVIDER_LOGIN_ERROR)")
        return self


# Languages of Keycloak 26.7.3's login themes (theme.properties `locales` of its base theme).
KEYCLOAK_LOCALES = frozenset("ar az ca cs da de el en es eu fa fi fr hr hu hy id it ja ka kk ko ky lt lv nl no pl pt "
                             "pt-BR ro ru sk sl sv th tr uk vi zh-CN zh-TW".split())
# The login theme packaged in mappers/psc-extension (theme/smur): its pages are written in these only.
SMUR_THEME = "smur"
SMUR_THEME_LOCALES = ("fr", "en")


class Locale(Model):
    """The languages of the realm's pages (Keycloak's internationalization): the browser's language when
    it is one of `supported`, else `default`."""
    default: str = Field(description="the language of a page when the browser asks for none of `supported`")
    supported: list[str] = Field(min_length=1, description="the languages a professional may get, e.g. [fr, en]")

    @model_validator(mode="after")
    def _known_codes(self):
        unknown = [code for code in self.supported if code not in KEYCLOAK_LOCALES]
        if unknown:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}: Keycloak's pages exist in "
                             f"{', '.join(sorted(KEYCLOAK_LOCALES))}")
        if len(set(self.supported)) != len(self.supported):
            raise ValueError("a language is listed twice in supported")
        if self.default not in self.supported:
            raise ValueError(f"default '{self.default}' is not one of supported ({', '.join(self.supported)}): "
                             "add it there")
        return self


def _support_contact(value, info: ValidationInfo) -> str:
    """A phone number, an e-mail address or an https URL: what the "not registered" page offers."""
    value = _plain_text(value, info).strip()
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return value
    if re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        return value
    digits = re.sub(r"[\s.()-]", "", value)
    if re.fullmatch(r"\+?[0-9]{3,15}", digits) and re.fullmatch(r"[+0-9][0-9 .()-]*", value):
        return value
    raise ValueError(f"'{value}' is not a phone number (e.g. \"03 83 00 00 00\" or \"+33 3 83 00 00 00\"), an "
                     "e-mail address (e.g. support@smur.example) or an http(s) URL")


SupportContact = Annotated[str, PlainValidator(_support_contact), WithJsonSchema({"type": "string"})]


class Region(Model):
    realm: str = Field(pattern=REALM_NAME.pattern, description="the Keycloak realm of this region (region files only)")
    inseeCode: str | None = Field(None, pattern=r"^[0-9]{2}$", description="INSEE region code, e.g. \"44\"")
    displayName: Text | None = None
    enabled: bool = True
    accessTokenLifespan: int | None = Field(None, ge=30, le=86400, description="seconds")
    ssoSessionIdleTimeout: int | None = Field(None, ge=60, le=604800, description="seconds")
    ssoSessionMaxLifespan: int | None = Field(None, ge=60, le=2592000, description="seconds")
    offlineSessionMaxLifespan: int | None = Field(
        None, ge=60, le=2592000, description="seconds an offline token lives at most (clients with offlineAccess)")
    events: Events | None = Field(None, description="login and admin events stored by the realm")
    locale: Locale | None = Field(None, description="the languages of the realm's pages (national default: French, "
                                                    "English available)")
    loginTheme: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="the Keycloak login theme of the realm's pages; smur (packaged in mappers/psc-extension) has a "
                    "French page for every way a PSC sign-in can end, each with one button back to PSC")
    supportContact: SupportContact | None = Field(
        None, description="who a professional calls when PSC signs her in but this SMUR does not know her: a phone "
                          "number, an e-mail address or an http(s) URL, shown on the sign-in pages")
    identityProvider: PscIdentityProvider | None = Field(None, description="the PSC broker")
    userProfile: UserProfile = UserProfile()
    roles: list[RealmRole] = Field([], description="realm roles, e.g. one per profession")
    groups: list[Group] = Field([], description="groups, e.g. one per SMUR base")
    clients: list[Client] = Field([], description="the region's SMUR apps")
    users: list[StaffUser] = Field([], description="staff pre-linked to PSC by national id (region files only)")

    @model_validator(mode="after")
    def _theme_speaks_the_languages(self):
        if self.loginTheme == SMUR_THEME and self.locale is not None:
            missing = [code for code in self.locale.supported if code not in SMUR_THEME_LOCALES]
            if missing:
                raise ValueError(f"locale.supported: the {SMUR_THEME} login theme has pages in "
                                 f"{' and '.join(SMUR_THEME_LOCALES)} only, not {', '.join(missing)}")
        return self


# Keys a national defaults file may not hold: they name one region.
REGION_ONLY_FIELDS = ("realm", "inseeCode", "users")
