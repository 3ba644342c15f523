"""Running the real Keycloak server locally (no Docker engine needed)."""

from .distribution import DistributionError, KeycloakDistribution
from .java import JavaNotFoundError, JavaRuntime, find_java
from .keycloak import KeycloakServer, KeycloakStartError

__all__ = [
    "DistributionError",
    "JavaNotFoundError",
    "JavaRuntime",
    "KeycloakDistribution",
    "KeycloakServer",
    "KeycloakStartError",
    "find_java",
]
