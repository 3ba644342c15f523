"""The state one realm's plan and apply share (the API, the region, ids learnt on the way), and what one
realm's export needs (`ExportContext`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Configuration, Region
from ..keycloak_api import KeycloakAdmin, RealmAdmin
from ..ownership import OwnershipRecord
from ..psc_discovery import PscDiscovery


@dataclass
class RealmContext:
    api: KeycloakAdmin
    config: Configuration
    region: Region
    discovery: PscDiscovery
    # Read every object of the inventoried types (drift, --prune-unmanaged), not only a first page.
    full_inventory: bool = False
    realm_exists: bool = False
    # The realm's attributes as last read or written: a realm PUT replaces the whole map.
    realm_attributes: dict[str, str] = field(default_factory=dict)
    # Extra fields of the realm creation request (ownership record, apply lock), set by apply.
    realm_creation_extras: dict = field(default_factory=dict)
    # (kind, natural key) -> Keycloak id, learnt when reading or creating; children need their parent's id.
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    # Representations read once and reused by sub-resources (e.g. a client's protocol mappers).
    cache: dict[object, object] = field(default_factory=dict)

    @property
    def realm(self) -> str:
        return self.region.realm

    @property
    def realm_api(self) -> RealmAdmin:
        """The admin API of this realm: every request the resource types send goes through it."""
        return self.api.realm(self.realm)

    def id_of(self, kind: str, key: str) -> str:
        try:
            return self.ids[(kind, key)]
        except KeyError:
            raise LookupError(f"realm '{self.realm}': {kind} '{key}' has no id yet (was it created?)") from None


@dataclass
class ExportContext:
    """One live realm being written back as a region file: each type's `export` reads it through this.

    Secrets cannot be read back: the references to write for them are the region file's own when there is
    one (``psc_secret``, ``client_secrets``, ``psc_client_id``), else named after the realm (``env_suffix``)."""
    realm_api: RealmAdmin
    realm_rep: dict  # the realm representation, read first (the realm exists)
    defaults: dict  # the national defaults the region inherits, references expanded ({} without)
    env: dict
    record: OwnershipRecord  # what smur-iam created in the realm
    env_suffix: str  # e.g. GRAND_EST, for ${env:<NAME>_SECRET_GRAND_EST}
    psc_secret: str
    client_secrets: dict[str, str] = field(default_factory=dict)  # clientId -> the file's reference
    psc_client_id: str | None = None  # the file's reference for the PSC client id, if any
    warnings: list[str] = field(default_factory=list)  # what the format cannot express, apply would change
    cache: dict[object, object] = field(default_factory=dict)  # representations read once (the user profile)

    @property
    def realm(self) -> str:
        return self.realm_api.name

    def client_secret(self, client_id: str) -> str:
        return self.client_secrets.get(client_id) or f"${{env:{env_name(client_id)}_SECRET_{self.env_suffix}}}"


def env_name(text: str) -> str:
    """``text`` as an environment variable's name: letters and digits, upper-cased, ``_`` between words."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
