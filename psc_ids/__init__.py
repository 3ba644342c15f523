"""PSC identifiers, shared by the provisioning tool, the mock PSC and the tests.

A package of its own so the mock never imports `provisioning` (the two ship and run apart: the
mock stands in for PSC, the tool configures Keycloak) and both still apply the very same rules.
It depends on the standard library only.
"""
