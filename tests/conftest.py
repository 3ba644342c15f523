"""Shared fixtures: one real Keycloak and one mock PSC for the whole session."""
pytest_plugins = [
    "fixtures.markers",  # first: fixtures.keycloak imports it
    "fixtures.keycloak",
    "fixtures.mock_psc",
    "fixtures.realms",
    "fixtures.browser",
    "fixtures.connection_recorder",
    "fixtures.cluster",
]
