"""The first-broker-login flow: what Keycloak does with a PSC identity it has no link for.

Pre-linked staff never reach this flow (Keycloak finds their link first). One
flow per policy (`POLICY_STEPS`, the region's `firstLoginPolicy`):

- `deny` (the default): Keycloak's deny-access step; the region's message, no account;
- `link-by-rpps`: the PSC extension's step (mappers/psc-extension,
  PscLinkByRppsAuthenticator) attaches the identity to the one account whose
  `rpps` attribute is the RPPS of its `8`-type national id, and refuses with a
  page otherwise (no match, several, disabled, a staff-list leaver, not an RPPS);
- `create`: Keycloak's create-user-if-unique makes the account from PSC's claims
  (the PSC mapper then writes rpps/idnat and grants the profession roles); if an
  account already has that username or e-mail, the next alternative refuses with
  a page: nothing is linked.

No policy may contain a step that links an existing account by e-mail or
username, asks the person to pick or confirm one, or lets them edit their
profile first (`NEVER_IN_A_FLOW`, checked when this module loads).

The flow's alias names its policy, so changing the policy creates the new flow,
re-binds the identity provider to it (an update, run before any delete) and
then deletes the old flow, which Keycloak would refuse while it is bound.
The flow is written like every other flow (authentication_flows.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One execution of a first-login flow."""
    provider: str
    requirement: str
    region_message_key: str | None = None  # config key that gets the region's firstLoginDenyMessage
    fixed_config: dict = field(default_factory=dict)

    def config(self, idp) -> dict:
        region = {self.region_message_key: idp.firstLoginDenyMessage} if self.region_message_key else {}
        return {**self.fixed_config, **region}


# Shown by the `create` policy when an account already has the PSC identity's username (national
# id) or e-mail: Keycloak's default flow would go on to link it; this flow refuses instead.
CREATE_REFUSED_MESSAGE = (
    "Connexion refusée : un compte de ce SMUR porte déjà votre identifiant ou votre adresse e-mail ; il n’a pas "
    "été relié à Pro Santé Connect. Contactez l’administrateur de votre SMUR. / Sign-in refused: an account of "
    "this SMUR already has your national id or e-mail; it was not linked. Contact your SMUR administrator."
)

# The steps of each policy, in order. Alternatives: the first that succeeds ends the flow.
POLICY_STEPS: dict[str, list[Step]] = {
    "deny": [Step("deny-access-authenticator", "REQUIRED", region_message_key="denyErrorMessage")],
    "link-by-rpps": [Step("psc-link-by-rpps", "REQUIRED", region_message_key="notRegisteredMessage")],
    "create": [
        Step("idp-create-user-if-unique", "ALTERNATIVE"),
        Step("deny-access-authenticator", "ALTERNATIVE", fixed_config={"denyErrorMessage": CREATE_REFUSED_MESSAGE}),
    ],
}

# Keycloak steps that find an existing account by e-mail or username and link it (silently or after
# a confirmation or an e-mail), or let the person edit the e-mail/username first.
NEVER_IN_A_FLOW = frozenset({
    "idp-detect-existing-broker-user", "idp-auto-link", "idp-confirm-link", "idp-confirm-override-link",
    "idp-email-verification", "idp-username-password-form", "idp-review-profile",
})
for _policy, _steps in POLICY_STEPS.items():
    if {step.provider for step in _steps} & NEVER_IN_A_FLOW:
        raise RuntimeError(f"first-login policy '{_policy}' holds a step that links accounts by e-mail or username")


def region_message_step(policy: str) -> Step | None:
    """The step of ``policy`` that shows the region's firstLoginDenyMessage (None: the policy shows none)."""
    return next((step for step in POLICY_STEPS[policy] if step.region_message_key), None)


def flow_alias(idp) -> str:
    return f"{idp.alias}-first-login-{idp.firstLoginPolicy}"


def first_login_flow(idp) -> dict:
    """The flow of the identity provider's policy, as `authentication_flows` builds it."""
    return {
        "alias": flow_alias(idp),
        "description": f"First login through '{idp.alias}' with policy '{idp.firstLoginPolicy}' (managed by smur-iam)",
        "executions": [
            {"providerId": step.provider, "requirement": step.requirement, "config": step.config(idp)}
            for step in POLICY_STEPS[idp.firstLoginPolicy]
        ],
    }
