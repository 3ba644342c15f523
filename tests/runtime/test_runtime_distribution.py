"""Distribution cache logic with a tiny fake zip (no network, no Maven run)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from provisioning.runtime import distribution as dist_mod
from provisioning.runtime.distribution import DistributionError, KeycloakDistribution

VERSION = "0.0.1-test"


def make_zip(path: Path, version: str = VERSION) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(f"keycloak-{version}/bin/kc.sh")
        info.external_attr = (0o100755) << 16
        zf.writestr(info, "#!/bin/sh\necho fake\n")
        zf.writestr(f"keycloak-{version}/lib/lib.txt", "x")
        zf.writestr(f"keycloak-{version}/providers/README.md", "providers")


def test_default_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SMUR_IAM_CACHE", str(tmp_path / "c"))
    assert KeycloakDistribution().cache_dir == tmp_path / "c"
    monkeypatch.delenv("SMUR_IAM_CACHE")
    assert KeycloakDistribution().cache_dir == Path.home() / ".cache" / "smur-iam"


def test_ensure_unpacks_cached_zip_keeping_exec_bits(tmp_path, capsys):
    d = KeycloakDistribution(VERSION, cache_dir=tmp_path)
    make_zip(d.zip_path)
    home = d.ensure()
    assert home == tmp_path / f"keycloak-{VERSION}"
    assert os.access(home / "bin" / "kc.sh", os.X_OK)
    assert (home / "lib" / "lib.txt").read_text() == "x"
    assert "unpacking" in capsys.readouterr().err
    # no temp dirs left behind, and a second call is a no-op
    assert not list(tmp_path.glob(".unpack-*"))
    assert d.ensure() == home
    assert capsys.readouterr().err == ""


def test_a_variant_gets_its_own_tree_from_the_same_zip_and_leaves_the_other_ones_unpack_alone(tmp_path):
    plain = KeycloakDistribution(VERSION, cache_dir=tmp_path)
    make_zip(plain.zip_path)
    postgres = plain.with_variant("postgres")
    assert postgres.zip_path == plain.zip_path and postgres.home == tmp_path / f"keycloak-{VERSION}-postgres"
    # An unpack of the postgres tree under way (its own lock) is not a leftover of the plain one's.
    under_way = tmp_path / f".unpack-keycloak-{VERSION}-postgres.inprogress"
    under_way.mkdir()
    assert plain.ensure() == tmp_path / f"keycloak-{VERSION}"
    assert under_way.is_dir()
    under_way.rmdir()
    assert postgres.ensure() == postgres.home and (postgres.home / "bin" / "kc.sh").is_file()
    assert (plain.home / "bin" / "kc.sh").is_file()
    assert "variant='postgres'" in repr(postgres)


def test_interrupted_unpack_leaves_no_complete_looking_tree(tmp_path, monkeypatch):
    d = KeycloakDistribution(VERSION, cache_dir=tmp_path)
    make_zip(d.zip_path)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(dist_mod.os, "rename", boom)
    with pytest.raises(KeyboardInterrupt):
        d.ensure()
    assert not d.home.exists()
    assert not list(tmp_path.glob(".unpack-*"))
    monkeypatch.undo()
    assert d.ensure() == d.home


def test_truncated_zip_is_downloaded_again(tmp_path, monkeypatch):
    d = KeycloakDistribution(VERSION, cache_dir=tmp_path)
    d.zip_path.parent.mkdir(parents=True)
    d.zip_path.write_bytes(b"PK\x03\x04 truncated")
    calls = []
    monkeypatch.setattr(d, "_download", lambda: (calls.append(1), make_zip(d.zip_path)))
    d.ensure()
    assert calls == [1] and d.is_unpacked()


def test_missing_maven_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(dist_mod.shutil, "which", lambda _: None)
    d = KeycloakDistribution(VERSION, cache_dir=tmp_path)
    with pytest.raises(DistributionError, match=r"mvn.*org\.keycloak:keycloak-quarkus-dist:0\.0\.1-test:zip"):
        d.ensure()


def test_failed_download_names_the_artifact(tmp_path, monkeypatch):
    fake_mvn = tmp_path / "bin" / "mvn"
    fake_mvn.parent.mkdir()
    fake_mvn.write_text("#!/bin/sh\necho 'Could not resolve artifact' >&2\nexit 1\n")
    fake_mvn.chmod(0o755)
    monkeypatch.setattr(dist_mod.shutil, "which", lambda _: str(fake_mvn))
    d = KeycloakDistribution(VERSION, cache_dir=tmp_path / "cache")
    with pytest.raises(DistributionError) as err:
        d.ensure()
    assert "keycloak-quarkus-dist:0.0.1-test:zip" in str(err.value)
    assert "Could not resolve artifact" in str(err.value)
    assert not d.zip_path.exists()
