"""Fixtures of the first-login policy tests (shared with tests/security)."""
from firstlogin.psc_logins import policy_realm  # noqa: F401  (a fixture)
