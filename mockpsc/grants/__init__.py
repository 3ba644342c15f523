"""Token endpoint grants, one module each; ``endpoints.token`` dispatches on grant_type."""
from __future__ import annotations


class GrantError(Exception):
    """An OAuth error answer of the token endpoint (400 unless said otherwise)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
