"""The security proofs use the first-login policy fixtures (tests/firstlogin/psc_logins.py)."""
from firstlogin.psc_logins import policy_realm  # noqa: F401  (a fixture)
