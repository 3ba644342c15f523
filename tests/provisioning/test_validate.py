"""Bad input is refused with file:line:column, field and what is expected, exit code 1, and not one request sent."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from click.testing import CliRunner

from fixtures.realms import REPO, all_secrets_env, copy_realm_files, run_cli
from provisioning.cli import main as cli
from provisioning.config import ConfigInvalid, load_config


@pytest.fixture
def files(tmp_path):
    return copy_realm_files(tmp_path, "t-validate")


REGION, DEFAULTS, DEPLOYMENT, CATALOGUE = "smur-grand-est.yaml", "national-defaults.yaml", "deployment.yaml", "catalogue"
BACKOFFICE = "  - clientId: smur-backoffice\n"
GROUP = "  - name: SMUR 51 Reims\n"
USER_LINE = "    lastName: Durand\n"

# (id, file, old text, new text, fragments expected in the one error line).
# {LINE} is the line where the new text starts, {LINE+n} n lines below.
MALFORMED = [
    ("yaml-syntax", REGION, "displayName: SMUR Grand Est", "displayName: [SMUR Grand Est",
     ["smur-grand-est.yaml:", "YAML syntax error"]),
    ("unknown-top-level-key", REGION, "inseeCode:", "inseCode:",
     ["smur-grand-est.yaml:{LINE}:1", "inseCode", "unknown key", "inseeCode"]),
    ("unknown-key-in-identity-provider", REGION, "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n",
     "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n  displayname: PSC\n",
     ["smur-grand-est.yaml:{LINE+1}:3", "identityProvider.displayname", "unknown key", "displayName"]),
    ("missing-required-field", REGION, "  clientId: ${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}\n", "",
     ["identityProvider.clientId", "required field is missing"]),
    ("insee-code-not-a-string", REGION, 'inseeCode: "44"', "inseeCode: 44",
     ["smur-grand-est.yaml:{LINE}:1", "inseeCode", "valid string"]),
    ("insee-code-pattern", REGION, 'inseeCode: "44"', 'inseeCode: "4A"',
     ["inseeCode", "should match pattern"]),
    ("national-id-wrong-length", REGION, '"899700218896"', '"8997002188"',
     ["users[0].nationalId", "smur-grand-est.yaml:{LINE}:5", "'8' followed by 11 digits (got 9"]),
    ("national-id-luhn", REGION, '"899700218896"', '"899700218897"',
     ["users[0].nationalId", "fails its Luhn check digit"]),
    ("seed-example-fails-luhn", REGION, '"899700218896"', '"810003111463"',
     ["users[0].nationalId", "RPPS 10003111463 fails its Luhn check digit"]),
    ("bare-rpps", REGION, '"899700218896"', '"99700218896"',
     ["users[0].nationalId", "'8' in front"]),
    ("national-id-unquoted", REGION, '"899700218896"', "899700218896",
     ["users[0].nationalId", "quoted string"]),
    ("national-id-unknown-prefix", REGION, '"899700218896"', '"999700218896"',
     ["users[0].nationalId", "unknown type prefix '9'"]),
    ("national-id-invisible-bom", REGION, '"899700218896"', '"\ufeff899700218896"',
     ["users[0].nationalId", "'\\uFEFF899700218896' starts with U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: a "
      "byte order mark, BOM) before its type prefix: remove it"]),
    ("national-id-invisible-nbsp", REGION, '"899700218896"', '"8997\u00a000218896"',
     ["users[0].nationalId", "character U+00A0 NO-BREAK SPACE (invisible) at position 5 is not a digit 0-9"]),
    ("user-email", REGION, USER_LINE, USER_LINE + "    email: camille.durand\n",
     ["users[0].email", "should match pattern"]),
    ("psc-secret-in-clear", REGION, "${env:PSC_CLIENT_SECRET_GRAND_EST}", "hunter2-hunter2",
     ["identityProvider.clientSecret", "must not be written in clear"]),
    ("client-secret-in-clear", REGION, "${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}", "s3cr3t",
     ["clients[0].secret", "must not be written in clear"]),
    ("secret-file-missing", REGION, "${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}", "${file:secrets/backoffice}",
     ["clients[0].secret", "cannot read /", "/realm/secrets/backoffice", "${file:secrets/backoffice}"]),
    ("secret-file-outside", REGION, "${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}", "${file:/etc/hostname}",
     ["smur-grand-est.yaml:{LINE}:5", "clients[0].secret", "resolves to /etc/hostname, outside the configuration "
      "directory", "(/run/secrets)", "allowedSecretDirectories"]),
    ("secret-reference-with-default", REGION, "${env:PSC_CLIENT_SECRET_GRAND_EST}",
     "${env:PSC_CLIENT_SECRET_GRAND_EST:-hunter2}",
     ["identityProvider.clientSecret", "takes no default (it would be a secret in clear)"]),
    ("reference-in-display-name", REGION, "displayName: SMUR Grand Est", "displayName: SMUR ${env:HOSTNAME}",
     ["smur-grand-est.yaml:{LINE}:1", "displayName", "only allowed in: identityProvider.clientId, "
      "identityProvider.clientSecret, clients[].secret, clients[].redirectUris, clients[].webOrigins, "
      "clients[].postLogoutRedirectUris"]),
    ("reference-in-attribute-value", DEFAULTS, '{professionCode: "10"}', '{professionCode: "${file:secret}"}',
     ["national-defaults.yaml:{LINE}:18", "roles[0].attributes.professionCode", "only allowed in",
      "(inherited by smur-grand-est.yaml)"]),
    ("reference-in-a-key", REGION, '{departement: "51"}', '{"${env:X}": "51"}',
     ["groups[0].attributes.${env:X}", "only allowed in"]),
    ("malformed-reference", REGION, "https://backoffice.grand-est.smur.example/oidc/callback",
     "https://${env:BACKOFFICE_HOST:https://x}/cb", ["clients[0].redirectUris[0]", "malformed reference"]),
    ("file-reference-in-redirect-uri", REGION, "https://backoffice.grand-est.smur.example/oidc/callback",
     "${file:redirect-uri}", ["clients[0].redirectUris[0]", "${file:…} is for secrets"]),
    ("client-id-reads-a-secret", REGION, "${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}",
     "${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}",
     ["identityProvider.clientId", "${env:SMUR_BACKOFFICE_SECRET_GRAND_EST} is a secret (read by "
      "clients[0].secret in smur-grand-est.yaml)"]),
    ("client-id-reads-the-admin-password", REGION, "${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}",
     "${env:SMUR_IAM_ADMIN_PASSWORD}", ["identityProvider.clientId", "named like a secret"]),
    ("reference-in-catalogue", CATALOGUE, "      user.attribute: idnat\n", "      user.attribute: ${env:HOME}\n",
     ["catalogue.yaml:{LINE}:7", "].config.user.attribute:",
      "references (${env:…}/${file:…}) are not allowed in this file"]),
    ("yaml-anchor", REGION, '{departement: "51"}', '&dep {departement: "51"}',
     ["smur-grand-est.yaml:{LINE}:17", "YAML anchor '&dep' refused"]),
    ("yaml-alias", REGION, "displayName: SMUR Grand Est", "displayName: *name",
     ["smur-grand-est.yaml:{LINE}:14", "YAML alias '*name' refused"]),
    ("yaml-merge-key", CATALOGUE, "    syncMode: IMPORT\n", "    <<: *base\n    syncMode: IMPORT\n",
     ["catalogue.yaml:{LINE}:9", "YAML alias '*base' refused"]),
    ("undeclared-token-claim", REGION, BACKOFFICE, BACKOFFICE + "    tokenClaims: [rpps, idnat, grade]\n",
     ["clients[0].tokenClaims[2]", "'grade' is not declared in userProfile.attributes"]),
    ("audience-not-a-client", REGION, BACKOFFICE, BACKOFFICE + "    audiences: [smur-planning]\n",
     ["clients[0].audiences[0]", "'smur-planning' is not a client of this region"]),
    ("wildcard-redirect", REGION, "https://backoffice.grand-est.smur.example/oidc/callback", "'*'",
     ["clients[0]", "would accept any redirect"]),
    ("confidential-without-redirect", REGION, "    redirectUris:\n      - https://backoffice.grand-est.smur.example/oidc/callback\n",
     "    redirectUris: []\n", ["clients[0]", "needs at least one entry in redirectUris"]),
    ("bearer-only-with-redirect", REGION, BACKOFFICE, "  - clientId: smur-api\n    redirectUris: [https://api.example/cb]\n" + BACKOFFICE,
     ["clients[0]", "a bearer-only client never signs anyone in: remove redirectUris"]),
    ("public-client-without-pkce", REGION, BACKOFFICE, "  - clientId: smurtab\n    pkce: null\n" + BACKOFFICE,
     ["clients[0]", "a public client must use PKCE"]),
    ("keycloak-own-client", REGION, BACKOFFICE, "  - clientId: account\n    type: bearer-only\n" + BACKOFFICE,
     ["clients[0]", "'account' is one of Keycloak's own clients"]),
    ("remove-without-inherited", REGION, BACKOFFICE, "  - clientId: planning\n    remove: true\n" + BACKOFFICE,
     ["clients[0].clientId", "nothing inherited to remove", "planning"]),
    ("remove-with-other-fields", REGION, BACKOFFICE, "  - clientId: smurtab\n    remove: true\n    name: x\n" + BACKOFFICE,
     ["clients[0]", "`remove: true` takes only `clientId`"]),
    ("group-given-twice", REGION, GROUP, GROUP + GROUP,
     ["smur-grand-est.yaml:{LINE+1}:5", "groups[1].name", "'SMUR 51 Reims' is given twice", "first at groups[0]"]),
    ("bad-realm-name", REGION, "realm: t-validate", "realm: SMUR Grand Est",
     ["smur-grand-est.yaml:{LINE}:1", "realm", "should match pattern"]),
    ("yaml-duplicate-key", REGION, "displayName: SMUR Grand Est\n", "displayName: SMUR Grand Est\ndisplayName: Encore\n",
     ["displayName", "given twice"]),
    ("first-login-policy", REGION, "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n",
     "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n  firstLoginPolicy: email\n",
     ["identityProvider.firstLoginPolicy", "'deny'"]),
    ("minimum-acr-unknown", REGION, "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n",
     "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n  minimumAcr: substantial\n",
     ["smur-grand-est.yaml:{LINE+1}:3", "identityProvider.minimumAcr", "'eidas1', 'eidas2' or 'eidas3'",
      "got 'substantial'"]),
    ("minimum-acr-list", REGION, "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n",
     "  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n  minimumAcr: [eidas2]\n",
     ["smur-grand-est.yaml:{LINE+1}:3", "identityProvider.minimumAcr", "'eidas1', 'eidas2' or 'eidas3'"]),
    ("defaults-minimum-acr", DEFAULTS, "  minimumAcr: eidas1\n", "  minimumAcr: eidas0\n",
     ["national-defaults.yaml:{LINE}:3", "identityProvider.minimumAcr", "'eidas1', 'eidas2' or 'eidas3'",
      "(inherited by smur-grand-est.yaml)"]),
    ("group-role-not-declared", REGION, GROUP, GROUP + "    realmRoles: [chef-de-service]\n",
     ["groups[0].realmRoles[0]", "role 'chef-de-service' is not declared in roles"]),
    ("group-name-with-slash", REGION, GROUP, "  - name: SMUR/51\n" + GROUP,
     ["groups[0].name", "should match pattern"]),
    ("reserved-role", REGION, "groups:\n", "roles:\n  - name: smur-iam-apply-lock\ngroups:\n",
     ["roles[0]", "'smur-iam-apply-lock' is reserved"]),
    ("role-name-upper-case", REGION, "groups:\n", "roles:\n  - name: Pilote\ngroups:\n",
     ["roles[0].name", "should match pattern"]),
    ("keycloak-own-profile-attribute", REGION, "groups:\n", "userProfile:\n  attributes:\n    - name: email\ngroups:\n",
     ["userProfile.attributes[0]", "'email' is one of Keycloak's own attributes"]),
    ("token-lifespan-range", REGION, 'inseeCode: "44"\n', 'inseeCode: "44"\naccessTokenLifespan: 5\n',
     ["accessTokenLifespan", "greater than or equal to 30"]),
    ("remove-mapping-with-keys", REGION, "identityProvider:\n", "identityProvider:\n  remove: true\n",
     ["smur-grand-est.yaml:{LINE}:1", "identityProvider", "`remove: true` takes no other key"]),
    ("users-need-the-broker", REGION,
     "  clientId: ${env:PSC_CLIENT_ID_GRAND_EST:-smur-grand-est}\n  clientSecret: ${env:PSC_CLIENT_SECRET_GRAND_EST}\n",
     "  remove: true\n", ["users", "staff users are linked to the PSC identity provider"]),
    ("defaults-name-a-region", DEFAULTS, "accessTokenLifespan: 300", "realm: smur-france\naccessTokenLifespan: 300",
     ["national-defaults.yaml:{LINE}:1", "'realm' names one region"]),
    ("defaults-unknown-key", DEFAULTS, "    pkce: S256", "    pkce: S256\n    pkceMethod: S256",
     ["national-defaults.yaml:{LINE+1}:5", "clients[0].pkceMethod", "unknown key", "(inherited by smur-grand-est.yaml)"]),
    ("defaults-wrong-type", DEFAULTS, "    type: public ", "    type: [public] ",
     ["national-defaults.yaml:{LINE}:5", "clients[0].type", "(inherited by smur-grand-est.yaml)"]),
    ("defaults-bad-pattern", DEFAULTS, '"^[0-9]{11}$"', '"^[0-9]{11$("',
     ["national-defaults.yaml:", "userProfile.attributes[0]", "not a valid regular expression"]),
    ("deployment-unknown-environment", DEPLOYMENT, "${env:SMUR_IAM_PSC_ENVIRONMENT}", "staging",
     ["deployment.yaml:", "psc", "environment 'staging' is not one of: mock, production, sandbox"]),
    ("deployment-environment-with-default", DEPLOYMENT, "${env:SMUR_IAM_PSC_ENVIRONMENT}",
     "${env:SMUR_IAM_PSC_ENVIRONMENT:-mock}",
     ["deployment.yaml:{LINE}:3", "psc.environment", "no default here, a forgotten variable would silently "
      "broker to 'mock'"]),
    ("deployment-secret-directory-root", DEPLOYMENT, "allowedSecretDirectories: [/run/secrets]",
     "allowedSecretDirectories: [/run/secrets, /]",
     ["deployment.yaml:{LINE}:", "allowedSecretDirectories[1]", "'/' would let ${file:…} read any file"]),
    ("deployment-secret-directory-relative", DEPLOYMENT, "allowedSecretDirectories: [/run/secrets]",
     "allowedSecretDirectories: [secrets]", ["allowedSecretDirectories[0]", "'secrets' is not an absolute directory"]),
    ("deployment-issuer-not-url", DEPLOYMENT, "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet", "auth.esw",
     ["deployment.yaml:", "psc.environments.production", "is not an http(s) URL"]),
    ("catalogue-sync-mode", CATALOGUE, "    syncMode: IMPORT\n", "    syncMode: ALWAYS\n",
     ["catalogue.yaml:{LINE}:5", "identityProviderMappers[1].syncMode", "'INHERIT', 'IMPORT', 'FORCE' or 'LEGACY'"]),
]


def _path(files, which: str):
    if which == CATALOGUE:
        return files.directory.parent / "mappers" / "catalogue.yaml"
    return files.directory / which


def _break(files, which, old, new):
    path = _path(files, which)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text.split(new)[0].count("\n") + 1 if new else 0


def _env(files, recorder) -> dict:
    return files.env | {"SMUR_IAM_KEYCLOAK_URL": recorder.url, "SMUR_IAM_ADMIN_USER": "admin",
                        "SMUR_IAM_ADMIN_PASSWORD": "unused", "SMUR_IAM_MOCK_PSC_ISSUER": recorder.url + "/psc/"}


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("which,old,new,expected", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_refused_before_any_request(files, recorder, which, old, new, expected):
    line = _break(files, which, old, new)
    expected = [re.sub(r"\{LINE(?:\+(\d))?\}", lambda m: str(line + int(m[1] or 0)), f) for f in expected]
    runner = CliRunner()
    for command in ("validate", "plan", "apply", "drift"):
        result = runner.invoke(cli, [command, str(files.directory)], env=_env(files, recorder))
        assert result.exit_code == 1, (command, result.output, result.stderr)
        errors = _error_lines(result.stderr)
        assert len(errors) == 1, result.stderr
        for fragment in expected:
            assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"
    assert recorder.connections == 0, "bad input must be refused before contacting any server"


@pytest.mark.parametrize("case", ["national-id-luhn", "defaults-unknown-key", "psc-secret-in-clear"])
def test_installed_command_refuses_bad_input_too(files, recorder, case):
    """The same refusals through the real `smur-iam` process an admin runs."""
    _, which, old, new, expected = next(m for m in MALFORMED if m[0] == case)
    _break(files, which, old, new)
    for command in ("validate", "apply"):
        result = run_cli(command, str(files.directory), env=_env(files, recorder))
        assert result.returncode == 1, result.stderr
        errors = _error_lines(result.stderr)
        assert len(errors) == 1 and all(f in errors[0] for f in expected if "{LINE" not in f)
    assert recorder.connections == 0


def test_missing_secret_names_the_reference(files, recorder):
    env = {k: v for k, v in _env(files, recorder).items() if k != "PSC_CLIENT_SECRET_GRAND_EST"}
    result = run_cli("apply", str(files.directory), env=env)
    assert result.returncode == 1
    assert "identityProvider.clientSecret" in result.stderr
    assert "PSC_CLIENT_SECRET_GRAND_EST is not set" in result.stderr
    assert recorder.connections == 0


def test_every_error_is_reported_at_once(files):
    files.edit('"899700218896"', '"899700218897"')
    files.edit('inseeCode: "44"', 'inseeCode: 44')
    files.edit("  clientAuthMethod: client_secret_basic", "  clientAuthMethod: private_key_jwt")
    with pytest.raises(ConfigInvalid) as caught:
        files.load()
    fields = sorted(e.field for e in caught.value.errors)
    assert fields == ["identityProvider.clientAuthMethod", "inseeCode", "users[0].nationalId"]
    assert all(e.line and e.column for e in caught.value.errors)
    inherited = next(e for e in caught.value.errors if e.field == "identityProvider.clientAuthMethod")
    assert inherited.file.endswith("national-defaults.yaml") and "inherited by smur-grand-est.yaml" in str(inherited)


def test_an_error_in_the_defaults_is_reported_once_for_every_region(tmp_path):
    """18 regions inherit one broken default: one error line, naming how many regions it breaks."""
    directory = tmp_path / "realm"
    shutil.copytree(REPO / "realm", directory)
    (tmp_path / "mappers").mkdir()
    shutil.copy(REPO / "mappers" / "catalogue.yaml", tmp_path / "mappers")
    defaults = directory / "national-defaults.yaml"
    defaults.write_text(defaults.read_text().replace("    pkce: S256", "    pkce: S512", 1))
    with pytest.raises(ConfigInvalid) as caught:
        load_config(directory, env={"SMUR_IAM_PSC_ENVIRONMENT": "mock"}, resolve_secrets=False)
    [error] = caught.value.errors
    assert error.file.endswith("national-defaults.yaml") and error.field == "clients[0].pkce"
    assert len(error.inherited_by) == 18 and "and 15 more" in str(error)


def test_secret_from_file_and_masked_repr(files):
    """A relative ${file:} is read beside the file that holds it."""
    (files.directory / "secrets").mkdir()
    (files.directory / "secrets" / "psc").write_text("from-a-file\n")
    files.edit("${env:PSC_CLIENT_SECRET_GRAND_EST}", "${file:secrets/psc}")
    config = files.load()
    secret = config.regions[0].identityProvider.clientSecret
    assert secret.reveal() == "from-a-file"
    assert "from-a-file" not in repr(secret) and "from-a-file" not in str(config.regions[0])


@pytest.mark.parametrize("written", ["{outside}/psc", "../../elsewhere/psc", "secrets/link-out/psc"])
def test_secret_file_outside_the_configuration_directory_is_refused(files, tmp_path, written):
    """However it is spelt (absolute, `..`, a symlink inside the directory), a path that ends outside is refused."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "psc").write_text("another-regions-secret\n")
    (files.directory / "secrets").mkdir()
    (files.directory / "secrets" / "link-out").symlink_to(outside)
    path = written.format(outside=outside)
    assert (files.directory / path).read_text() == "another-regions-secret\n"  # the reference does reach it
    files.edit("${env:PSC_CLIENT_SECRET_GRAND_EST}", "${file:" + path + "}")
    for resolve in (True, False):  # `validate --no-secrets` refuses it too, without reading it
        with pytest.raises(ConfigInvalid) as caught:
            load_config(files.directory, env=files.env, resolve_secrets=resolve)
        [error] = caught.value.errors
        assert error.field == "identityProvider.clientSecret" and error.line == 13
        assert f"resolves to {(outside / 'psc').resolve()}, outside the configuration directory" in error.message
        assert "another-regions-secret" not in str(caught.value)


def test_secret_file_in_an_allowed_directory(files, tmp_path):
    """An absolute path under a directory deployment.yaml allows (like /run/secrets) is read."""
    mounted = tmp_path / "mounted-secrets"
    mounted.mkdir()
    (mounted / "psc").write_text("mounted\n")
    deployment = files.directory / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("allowedSecretDirectories: [/run/secrets]",
                                                         f"allowedSecretDirectories: [/run/secrets, {mounted}]"))
    files.edit("${env:PSC_CLIENT_SECRET_GRAND_EST}", f"${{file:{mounted}/psc}}")
    assert files.load().regions[0].identityProvider.clientSecret.reveal() == "mounted"


def test_missing_deployment_file(files):
    (files.directory / "deployment.yaml").unlink()
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 1
    assert "deployment.yaml" in result.stderr and "missing" in result.stderr


def test_region_states_only_what_differs(files):
    """Grand Est inherits the tablet app, the API, the roles and the broker settings from the defaults."""
    region = files.load().regions[0]
    assert {c.clientId: c.type for c in region.clients} == {
        "smurtab": "public", "smur-backoffice": "confidential", "smur-api": "bearer-only"}
    backoffice = next(c for c in region.clients if c.clientId == "smur-backoffice")
    assert backoffice.name == "SMUR back-office"  # from the defaults
    assert backoffice.redirectUris == ["https://backoffice.grand-est.smur.example/oidc/callback"]  # from the region
    assert {"medecin", "infirmier", "ambulancier", "interne"} <= {r.name for r in region.roles}
    assert region.identityProvider.firstLoginPolicy == "deny" and region.identityProvider.alias == "psc"
    assert "smurtab" not in files.region_file.read_text()


def test_region_drops_an_inherited_object(files):
    """`remove: true` drops an inherited item; a list of plain values is replaced, so `[]` empties it."""
    text = files.region_file.read_text()
    files.region_file.write_text(text.replace("clients:\n", "clients:\n  - clientId: smur-api\n    remove: true\n"
                                              "  - clientId: smurtab\n    audiences: []\n", 1)
                                 .replace("    secret: ${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}\n",
                                          "    secret: ${env:SMUR_BACKOFFICE_SECRET_GRAND_EST}\n    audiences: []\n"))
    region = files.load().regions[0]
    assert [c.clientId for c in region.clients] == ["smurtab", "smur-backoffice"]
    assert all(c.audiences == [] for c in region.clients)


def test_shipped_realm_directory_is_valid():
    """All 18 regions (13 metropolitan, 5 overseas), with their secrets given by the environment."""
    config = load_config(REPO / "realm", env=dict(os.environ) | all_secrets_env(REPO / "realm")
                         | {"SMUR_IAM_PSC_ENVIRONMENT": "mock"})
    codes = {r.inseeCode for r in config.regions}
    assert codes == {"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76",
                     "84", "93", "94"}
    for region in config.regions:
        assert {c.type for c in region.clients} == {"public", "confidential", "bearer-only"}
        assert region.identityProvider and region.groups and {"medecin", "infirmier"} <= {r.name for r in region.roles}


def test_validate_without_secrets_checks_references_only(recorder):
    """A CI job without the secrets still checks every file (and never reads a secret)."""
    env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_PSC_ENVIRONMENT": "production"}
    result = run_cli("validate", str(REPO / "realm"), "--no-secrets", env=env)
    assert result.returncode == 0, result.stderr
    assert "valid (18 realm(s)" in result.stdout
    result = run_cli("validate", str(REPO / "realm"), env=env)
    assert result.returncode == 1 and "PSC_CLIENT_SECRET_CORSE is not set" in result.stderr
    assert len(_error_lines(result.stderr)) == 36  # 18 PSC secrets + 18 back-office secrets, all at once


def test_docs_list_every_field_that_takes_references():
    """docs/configuration.md names exactly the fields the model marks (the error message lists them too)."""
    from provisioning.config import Deployment, Region
    from provisioning.config.reference_fields import reference_fields

    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    start = text.index("## Secrets and references")
    section = text[start:text.index("\n## ", start + 1)]
    fields = [str(f) for model in (Region, Deployment) for f in reference_fields(model)]
    assert len(fields) == 13
    for field in fields:
        assert f"`{field}`" in section, f"{field} takes references but docs/configuration.md does not say so"
