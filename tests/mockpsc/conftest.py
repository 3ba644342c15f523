"""Fixtures for the mock PSC's own tests (the session mock is in fixtures/mock_psc.py)."""
from __future__ import annotations

import pytest

from mockpsc.server import MockPSC
from mockpsc.testing import fresh_national_id
from psc_helpers import PIN, RelyingParty, make_rp


@pytest.fixture
def rp(mock_psc) -> RelyingParty:
    return make_rp(mock_psc)


@pytest.fixture
def own_psc():
    """A private mock for tests that move its clock or lock people out."""
    with MockPSC() as psc:
        yield psc


@pytest.fixture
def own_psc_with_tls(tmp_path):
    """A private mock with its mTLS port and test CA."""
    with MockPSC(tls_port=0, tls_dir=tmp_path / "tls") as psc:
        yield psc


@pytest.fixture
def person(mock_psc) -> str:
    """A fresh médecin with an activated e-CPS (PIN 1234) nobody else uses."""
    national_id = fresh_national_id()
    mock_psc.add_identity(
        national_id, "ALEX", "TESTEUR", civilite="M", ecps={"pin": PIN},
        exercices=[{"profession": "10", "specialty": "SM59",
                    "activities": [{"mode": "S", "secteur": "SA01", "raison_sociale": "SMUR TEST"}]}],
    )
    return national_id
