"""smur-iam provisioning: declarative Keycloak realms that broker Pro Santé Connect."""
