"""A staff account: the Keycloak user a professional signs in to, through PSC and nothing else.

Two tools write them, and both give an account the shape written here:
`smur-iam apply` for the few people the region files name (resources/users.py and
user_links.py), `smur-iam links` for staff lists (links/). The shape:

- the username is the national id, lower-cased (Keycloak lower-cases usernames);
- the attributes apps receive in their tokens: `idnat` (the national id) and, for an
  RPPS-based id, `rpps`; an account the links tool made or adopted also carries
  `provisioned_by=smur-iam-links` (`MANAGED_BY`), which is how that tool knows its own;
- names only seed a new account: PSC owns them afterwards (the PSC mapper rewrites them
  at every login), so they are never compared nor written back (`SEED_ONLY`);
- an e-mail is shown to admins, never trusted for linking (`emailVerified` false);
- no credential at all (password, OTP, passkey...): one found is a change to undo,
  reported as `credentials: ['password'] -> []`;
- the PSC link: the identity provider's alias, with the national id as PSC user id and name.
"""
from __future__ import annotations

from .base import FieldChange, stated_diff

MARK_ATTRIBUTE = "provisioned_by"
MANAGED_BY = "smur-iam-links"  # the mark's value on the accounts the links tool manages
# What the realm's user profile must declare: Keycloak silently drops undeclared attributes.
PROFILE_ATTRIBUTES = ("rpps", "idnat", MARK_ATTRIBUTE)
SEED_ONLY = ("firstName", "lastName")  # written when the account is created, PSC's afterwards
CREDENTIALS = "credentials"  # the field a credential on an account is reported as


def username_of(national_id: str) -> str:
    # Keycloak lower-cases usernames; national ids with letters (FINESS-based) stay unambiguous.
    return national_id.lower()


def attributes(national_id: str, rpps: str | None, *, marked: bool) -> dict[str, list[str]]:
    """The attributes the account holds; ``marked``: the links tool's mark too."""
    found = {"idnat": [national_id]}
    if marked:
        found[MARK_ATTRIBUTE] = [MANAGED_BY]
    if rpps:
        found["rpps"] = [rpps]
    return found


def is_managed(user: dict) -> bool:
    """Whether the links tool manages this Keycloak user (it carries the mark)."""
    return MANAGED_BY in user.get("attributes", {}).get(MARK_ATTRIBUTE, [])


def account(national_id: str, rpps: str | None, first_name: str, last_name: str, email: str | None, *,
            enabled: bool = True, marked: bool = False) -> dict:
    """The account as created (a Keycloak user representation)."""
    rep = {
        "username": username_of(national_id),
        "enabled": enabled,
        "firstName": first_name,
        "lastName": last_name,
        "attributes": attributes(national_id, rpps, marked=marked),
    }
    if email is not None:
        rep["email"] = email
        rep["emailVerified"] = False  # never trusted for linking
    return rep


def psc_link(alias: str, national_id: str) -> dict:
    """The account's link to its PSC identity: Keycloak finds a brokered user by (provider, PSC user id)."""
    return {"identityProvider": alias, "userId": national_id, "userName": national_id}


def from_staff_row(member, alias: str) -> dict:
    """The account of one staff-list member (links/staff.py `StaffMember`) as the links tool imports it: marked,
    already linked to PSC, in the member's groups and realm roles."""
    rep = account(member.national_id, member.rpps, member.first_name, member.last_name, None, marked=True)
    rep |= {"federatedIdentities": [psc_link(alias, member.national_id)],
            "groups": sorted(member.groups), "realmRoles": sorted(member.roles)}
    if member.email:
        rep |= {"email": member.email, "emailVerified": False}
    return rep


def credentials_change(types: list[str]) -> list[FieldChange]:
    """A staff account holds no credential: the ones found are one change, to none."""
    return [FieldChange(CREDENTIALS, sorted(types), [])] if types else []


def changes_from_files(desired: dict, current: dict, credential_types: list[str]) -> list[FieldChange]:
    """What differs from an account the region files state: each field they state but the names (seed only)."""
    stated = {k: v for k, v in desired.items() if k not in SEED_ONLY}
    return stated_diff(stated, current) + credentials_change(credential_types)


def changes_from_list(member, user: dict) -> list[FieldChange]:
    """What differs from a staff-list member's account: e-mail (as Keycloak stores it, lower-cased), attributes,
    enabled, credentials. Names are not compared (seed only). ``user["credentials"]`` holds the types of the
    credentials found; it is absent when they were not read (an account the tool does not manage)."""
    changes = []
    if member.email is not None and user.get("email") != member.email.lower():
        changes.append(FieldChange("email", user.get("email"), member.email))
    current = user.get("attributes", {})
    for name, wanted in attributes(member.national_id, member.rpps, marked=True).items():
        if current.get(name) != wanted:
            changes.append(FieldChange(f"attributes.{name}", current.get(name), wanted))
    if not user.get("enabled", True):
        changes.append(FieldChange("enabled", False, True))
    if user.get(CREDENTIALS):
        changes.append(FieldChange(CREDENTIALS, list(user[CREDENTIALS]), []))
    return changes
