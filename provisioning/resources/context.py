"""The state one realm's plan and apply share: the API, the region, and ids learnt on the way."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Configuration, Region
from ..keycloak_api import KeycloakAdmin, RealmAdmin
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
