"""Every resource type the tool manages, ordered by their declared dependencies."""
from __future__ import annotations

from graphlib import TopologicalSorter

from .base import Change, FieldChange, ResourceType
from .client_protocol_mappers import ClientProtocolMapperResource
from .clients import ClientResource
from .first_login_flow import FirstLoginFlowResource
from .identity_provider import IdentityProviderResource
from .identity_provider_mappers import IdentityProviderMapperResource
from .realm import RealmResource
from .user_links import UserLinkResource
from .user_profile import UserProfileResource
from .users import UserResource

ALL_TYPES: list[ResourceType] = [
    RealmResource(),
    UserProfileResource(),
    FirstLoginFlowResource(),
    IdentityProviderResource(),
    IdentityProviderMapperResource(),
    ClientResource(),
    ClientProtocolMapperResource(),
    UserResource(),
    UserLinkResource(),
]


def ordered_types(types: list[ResourceType] = ALL_TYPES) -> list[ResourceType]:
    """Types in an order where each comes after what it depends on (computed, not hand-listed)."""
    by_kind = {t.kind: t for t in types}
    graph = {t.kind: set(t.depends_on) for t in types}
    for kind, deps in graph.items():
        unknown = deps - by_kind.keys()
        if unknown:
            raise ValueError(f"resource type {kind} depends on unknown {sorted(unknown)}")
    return [by_kind[kind] for kind in TopologicalSorter(graph).static_order()]


__all__ = ["ALL_TYPES", "Change", "FieldChange", "ResourceType", "ordered_types"]
