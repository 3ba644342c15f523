"""Every resource type the tool manages, ordered by their declared dependencies."""
from __future__ import annotations

from graphlib import TopologicalSorter

from .authentication_flows import AuthenticationFlowResource
from .base import Change, FieldChange, Inventory, ResourceType
from .builtin_clients import BuiltinClientResource
from .client_protocol_mappers import ClientProtocolMapperResource
from .clients import ClientResource
from .groups import GroupResource
from .identity_provider import IdentityProviderResource
from .identity_provider_mappers import IdentityProviderMapperResource
from .offline_access import OfflineAccessResource
from .realm import RealmResource
from .realm_roles import RealmRoleResource
from .required_actions import RequiredActionsResource
from .sign_in_flows import RealmSignInResource
from .user_links import UserLinkResource
from .user_profile import UserProfileResource
from .user_profile_attributes import UserProfileAttributeResource
from .users import UserResource

ALL_TYPES: list[ResourceType] = [
    RealmResource(),
    UserProfileResource(),
    UserProfileAttributeResource(),
    RealmRoleResource(),
    GroupResource(),
    AuthenticationFlowResource(),
    RealmSignInResource(),
    RequiredActionsResource(),
    IdentityProviderResource(),
    IdentityProviderMapperResource(),
    OfflineAccessResource(),
    ClientResource(),
    BuiltinClientResource(),
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
    # Ties broken by the listing order above, so plans read the same from run to run.
    position = {t.kind: i for i, t in enumerate(types)}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order += ready
        sorter.done(*ready)
    return [by_kind[kind] for kind in order]


TYPES_BY_KIND = {t.kind: t for t in ALL_TYPES}

__all__ = ["ALL_TYPES", "TYPES_BY_KIND", "Change", "FieldChange", "Inventory", "ResourceType", "ordered_types"]
