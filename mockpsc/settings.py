"""Tunable behaviour of the mock, with PSC's observed values as defaults.

Lifetimes come from sandbox tokens (see shared/reference/pro-sante-connect.md §4, §11);
each is a field so a test can shorten or stretch one without touching code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

REALM = "esante-wallet"
REALM_PATH = f"/auth/realms/{REALM}"
OIDC_PATH = f"{REALM_PATH}/protocol/openid-connect"


@dataclass
class Settings:
    id_token_lifetime: int = 120  # sandbox samples: exp - iat = 120
    access_token_lifetime: int = 60  # sandbox samples (docs say 2 min)
    refresh_token_lifetime: int = 1800  # PSC documentation: 30 min
    code_lifetime: int = 60  # Keycloak's default authorization code lifespan
    push_lifetime: int = 120  # CIBA ack says expires_in 120: same budget for a push
    pin_attempts: int = 3  # not public; 3 like a CPS card
    # The only level PSC still handles; anything else in acr_values is refused.
    accepted_acr: str = "eidas1"
    auth_mode: str = "MOBILE"  # e-CPS login; "CARD" is the CPS-card variant
    # Keycloak adds its default scopes to whatever the client asked for:
    # sandbox access tokens read "openid profile email scope_all".
    default_scopes: tuple[str, ...] = ("profile", "email")
    # Published as PSC publishes it (sic); a strict consumer must cope.
    acr_values_supported: list[str] = field(default_factory=lambda: ["0", "0"])
    log_capacity: int = 5000  # in-memory event log keeps the newest entries
