"""Running the real Keycloak server locally (no Docker engine needed)."""
