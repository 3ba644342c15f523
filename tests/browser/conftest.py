"""Fixtures of the browser tests: Debian's chromium through Playwright, a tablet and a phone
(separate browser contexts: two devices share no cookie), the demo SMUR-T@b app on a free
port with its own realm, and professionals known to the mock PSC.

Chromium comes from Debian (`make browser`, run by `make test`); Playwright never downloads one.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser_steps import ARTEFACTS, PHONE_VIEWPORT, TABLET_VIEWPORT, Screenshots, Staff, enrol_at_psc
from demoapp.server import DemoApp
from fixtures.realms import run_cli

def _device(chromium, viewport: dict):
    context = chromium.new_context(viewport=viewport, locale="fr-FR", device_scale_factor=1)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def tablet_page(chromium):
    context = _device(chromium, TABLET_VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(chromium):
    context = _device(chromium, PHONE_VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture
def shots(request) -> Screenshots:
    """This test's screenshot folder, emptied first: test-artifacts/browser/<test name>/."""
    name = request.node.name.removeprefix("test_")
    return Screenshots(Path(os.environ.get("SMUR_IAM_BROWSER_ARTEFACTS", ARTEFACTS)) / name)


@pytest.fixture
def enrol(mock_psc):
    """``enrol(given, family, ecps_pin=None)``: a new professional at PSC with the Ordre's contact
    details; with ``ecps_pin`` their e-CPS is already active on their own phone."""
    def make(given_name: str, family_name: str, ecps_pin: str | None = None) -> Staff:
        return enrol_at_psc(mock_psc, given_name, family_name, ecps_pin=ecps_pin)
    return make


@pytest.fixture
def smur_app(region_files, keycloak, mock_psc):
    """``smur_app(*staff)``: the demo SMUR-T@b on a free port, its realm applied with `smur-iam apply`
    and the given staff pre-linked by national id (the region file's `users:`)."""
    started: list[DemoApp] = []

    def provision(*staff: Staff) -> DemoApp:
        app = DemoApp(f"{keycloak.base_url}/realms/{region_files.realm}")
        region_files.env |= {"SMURTAB_REDIRECT_URI": app.redirect_uri, "SMURTAB_ORIGIN": app.origin}
        # The phone names the service asking (PSC's client id): a region-like name reads better in the
        # walkthrough's screenshots than the fixture's. Registered at the mock as DataPass would.
        client_id = f"smur-grand-est-{region_files.realm.rsplit('-', 1)[-1]}"
        broker = f"{keycloak.base_url}/realms/{region_files.realm}/broker/psc/endpoint"
        mock_psc.register_client(client_id, region_files.psc_client_secret, redirect_uris=[broker],
                                 post_logout_redirect_uris=[f"{broker}/logout_response"])
        region_files.env["PSC_CLIENT_ID_GRAND_EST"] = client_id
        region_files.edit("\nusers:\n", "\nusers:\n" + "".join(s.users_entry() for s in staff))
        result = run_cli("apply", str(region_files.directory), env=region_files.env)
        assert result.returncode == 0, f"apply failed:\n{result.stdout}\n{result.stderr}"
        started.append(app.start())
        return app

    yield provision
    for app in started:
        app.stop()
