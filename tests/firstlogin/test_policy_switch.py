"""Changing a region's first-login policy, and flows that are not what their policy says.

Each policy is its own flow (`psc-first-login-<policy>`): a switch creates the new flow, re-binds
the identity provider to it, then deletes the old one (Keycloak refuses to delete a bound flow,
so the order is not optional). A flow edited by hand is rebuilt; a flow caught half-built links
and creates nothing.
"""
from __future__ import annotations

import pytest
from keycloak.exceptions import KeycloakError

from fixtures.realms import run_cli
from firstlogin.psc_logins import (
    AUTHENTICATOR,
    POLICIES,
    apply,
    assert_refused,
    new_professional,
    psc_login,
    set_policy,
)
from provisioning.resources.first_login_flow import NEVER_IN_A_FLOW, POLICY_STEPS


def flow_aliases(kc) -> set[str]:
    return {f["alias"] for f in kc.admin.get_authentication_flows() if f["alias"].startswith("psc-first-login-")}


def plan_text(files, *extra: str):
    return run_cli("plan", str(files.directory), *extra, env=files.env)


def test_switching_policy_rebinds_before_deleting_the_old_flow(policy_realm, keycloak, mock_psc, mock_psc_phone):
    files, kc = policy_realm("deny")
    doctor = new_professional(mock_psc, "KARIM", "SALEM")
    account = kc.add_user("k.salem", rpps=doctor.rpps)
    assert_refused(psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id),
                   "n'est pas enregistré pour ce SMUR")
    # Why the order matters: Keycloak 26.7.3 refuses to delete a bound flow (HTTP 500, "Cannot remove
    # authentication flow, it is currently in use" in its log).
    with pytest.raises(KeycloakError, match="^(400|409|500)"):
        kc.admin.delete_authentication_flow(
            next(f["id"] for f in kc.admin.get_authentication_flows() if f["alias"] == "psc-first-login-deny"))
    assert flow_aliases(kc) == {"psc-first-login-deny"}

    set_policy(files, "link-by-rpps")
    plan = plan_text(files)
    assert plan.returncode == 0, plan.stderr
    for line in ("+ create authentication-flow 'psc-first-login-link-by-rpps'",
                 "~ update identity-provider 'psc'",
                 "firstBrokerLoginFlowAlias: 'psc-first-login-deny' -> 'psc-first-login-link-by-rpps'",
                 "- delete authentication-flow 'psc-first-login-deny'"):
        assert line in plan.stdout, plan.stdout
    apply(files)
    assert kc.first_login_flow() == "psc-first-login-link-by-rpps"
    assert flow_aliases(kc) == {"psc-first-login-link-by-rpps"}
    assert kc.flow_steps("psc-first-login-link-by-rpps") == [(AUTHENTICATOR, "REQUIRED")]
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)
    assert outcome.signed_in and outcome.id_claims["sub"] == account, outcome.page_text[:1000]

    set_policy(files, "create")
    apply(files)
    assert kc.first_login_flow() == "psc-first-login-create" and flow_aliases(kc) == {"psc-first-login-create"}
    newcomer = new_professional(mock_psc, "LINA", "BOYER")
    created = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, newcomer.national_id)
    assert created.signed_in and kc.links_of(created.id_claims["sub"]) == [("psc", newcomer.national_id)]

    set_policy(files, "deny")
    apply(files)
    assert kc.first_login_flow() == "psc-first-login-deny" and flow_aliases(kc) == {"psc-first-login-deny"}
    assert plan_text(files, "--detailed-exitcode").returncode == 0, "in sync after each switch"


def test_a_flow_edited_by_hand_is_rebuilt(policy_realm):
    files, kc = policy_realm("link-by-rpps")
    alias = kc.first_login_flow()
    # Someone adds Keycloak's silent linking step to the managed flow.
    kc.admin.create_authentication_flow_execution({"provider": "idp-auto-link"}, alias)
    assert ("idp-auto-link", "DISABLED") in kc.flow_steps(alias)

    plan = plan_text(files, "--detailed-exitcode")
    assert plan.returncode == 2 and f"~ update authentication-flow '{alias}'" in plan.stdout, plan.stdout
    apply(files)
    assert kc.flow_steps(alias) == [(AUTHENTICATOR, "REQUIRED")]
    assert plan_text(files, "--detailed-exitcode").returncode == 0


@pytest.mark.parametrize("policy", ["link-by-rpps", "create"])
def test_a_half_built_flow_links_and_creates_nothing(policy, policy_realm, keycloak, mock_psc, mock_psc_phone):
    """What a login meets while a flow is rebuilt: no step, or only the first step enabled."""
    files, kc = policy_realm(policy)
    alias = kc.first_login_flow()
    doctor = new_professional(mock_psc, "MARC", "VIDAL")
    # The accounts each policy could wrongly take: the RPPS holder, and one with the national id as username.
    holder = kc.add_user("m.vidal", rpps=doctor.rpps)
    namesake = kc.add_user(doctor.username)
    executions = kc.admin.get_authentication_flow_executions(alias)
    # Interrupted rebuild: every step but the first is gone (link-by-rpps: the flow is empty).
    for execution in executions[1:] if policy == "create" else executions:
        kc.admin.delete_authentication_flow_execution(execution["id"])
    before = kc.user_ids()

    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)

    assert not outcome.signed_in, f"a half-built '{policy}' flow signed someone in: {outcome.id_claims}"
    assert kc.user_ids() == before
    assert kc.links_of(holder) == kc.links_of(namesake) == [] and kc.linked_to(doctor.national_id) == []

    apply(files)  # the next apply completes the flow
    assert kc.flow_steps(alias) == [(s.provider, s.requirement) for s in POLICY_STEPS[policy]]
    outcome = psc_login(keycloak, files.realm, mock_psc, mock_psc_phone, doctor.national_id)
    if policy == "link-by-rpps":
        assert outcome.signed_in and outcome.id_claims["sub"] == holder
    else:
        assert_refused(outcome, "porte déjà votre identifiant")


def test_every_policy_of_the_model_has_a_flow():
    from typing import get_args

    from provisioning.config.model import FirstLoginPolicy

    assert set(get_args(FirstLoginPolicy)) == set(POLICY_STEPS) == set(POLICIES)
    for policy, steps in POLICY_STEPS.items():
        assert steps and not {s.provider for s in steps} & NEVER_IN_A_FLOW, policy
