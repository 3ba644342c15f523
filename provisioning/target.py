"""The Keycloak a command administers: its command-line options and the admin client built from them.

Every command that talks to Keycloak (`plan`, `apply`, `drift`, `export`, `links plan|apply`) takes
the same options, from flags or SMUR_IAM_* environment variables. Secrets never come as flag values
(they would show in `ps`): environment or files only.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, fields
from pathlib import Path

import click

from .keycloak_api import ClientCredentials, KeycloakAdmin, PasswordCredentials


class TargetError(ValueError):
    """The options do not say who we are in Keycloak; the message names the flag or variable to set."""


@dataclass(frozen=True)
class AdminTarget:
    server_url: str
    auth_realm: str
    client_id: str | None
    client_secret_file: str | None
    username: str | None
    password_file: str | None
    ca_bundle: str | None

    def credentials(self) -> ClientCredentials | PasswordCredentials:
        """The service account's (preferred) or the admin user's; raise TargetError when a secret is missing."""
        if self.client_id:
            secret = _read_secret_file(self.client_secret_file) or os.environ.get("SMUR_IAM_CLIENT_SECRET")
            if not secret:
                raise TargetError("--client-id needs its secret in SMUR_IAM_CLIENT_SECRET or --client-secret-file")
            return ClientCredentials(self.client_id, secret)
        if self.username:
            password = _read_secret_file(self.password_file) or os.environ.get("SMUR_IAM_ADMIN_PASSWORD")
            if not password:
                raise TargetError("--username needs its password in SMUR_IAM_ADMIN_PASSWORD or --password-file")
            return PasswordCredentials(self.username, password)
        raise TargetError("no admin credentials: give --client-id (service account) or --username "
                          "(or SMUR_IAM_CLIENT_ID / SMUR_IAM_ADMIN_USER)")

    def admin(self) -> KeycloakAdmin:
        """An admin client for this Keycloak (it signs in on its first request)."""
        return KeycloakAdmin(self.server_url, self.credentials(), auth_realm=self.auth_realm,
                             verify=self.ca_bundle or True)


def _read_secret_file(path: str | None) -> str | None:
    return Path(path).read_text(encoding="utf-8").strip() if path else None


_OPTIONS = [
    click.option("--server-url", envvar="SMUR_IAM_KEYCLOAK_URL", default="http://127.0.0.1:8080",
                 show_default=True, help="Keycloak base URL [env SMUR_IAM_KEYCLOAK_URL]"),
    click.option("--auth-realm", envvar="SMUR_IAM_AUTH_REALM", default="master", show_default=True,
                 help="realm of the admin credentials [env SMUR_IAM_AUTH_REALM]"),
    click.option("--client-id", envvar="SMUR_IAM_CLIENT_ID",
                 help="service-account client id (recommended) [env SMUR_IAM_CLIENT_ID]"),
    click.option("--client-secret-file", type=click.Path(exists=True, dir_okay=False),
                 help="file holding the client secret [or env SMUR_IAM_CLIENT_SECRET]"),
    click.option("--username", envvar="SMUR_IAM_ADMIN_USER",
                 help="admin user, when no service account [env SMUR_IAM_ADMIN_USER]"),
    click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
                 help="file holding the admin password [or env SMUR_IAM_ADMIN_PASSWORD]"),
    click.option("--ca-bundle", envvar="SMUR_IAM_CA_BUNDLE", type=click.Path(exists=True, dir_okay=False),
                 help="CA bundle to verify Keycloak's TLS certificate [env SMUR_IAM_CA_BUNDLE]"),
]
_FIELDS = [f.name for f in fields(AdminTarget)]


def target_options(command):
    """Add the target options to a click command, which receives them as one ``target: AdminTarget``."""
    @functools.wraps(command)
    def with_target(**options):
        target = AdminTarget(**{name: options.pop(name) for name in _FIELDS})
        return command(target=target, **options)

    for option in reversed(_OPTIONS):
        with_target = option(with_target)
    return with_target
