"""PostgreSQL for Keycloak: the throwaway local server, and the build/start options
KeycloakServer uses with it (the latter without a JVM)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from provisioning.runtime.java import JavaRuntime
from provisioning.runtime.keycloak import METRICS_OPTIONS, OUTGOING_HTTP_TIMEOUT_OPTIONS, KeycloakServer, port_free
from provisioning.runtime.postgres import (
    LocalPostgres,
    PostgresDatabase,
    PostgresError,
    PostgresNotFoundError,
    STATE_NAME,
    find_postgres_bin,
)
from provisioning.runtime.process import pid_alive

HOME = Path("/opt/keycloak")
DATABASE = PostgresDatabase("127.0.0.1", 54321, "keycloak", "keycloak", "db-s3cret")


def _bin_dir() -> Path:
    try:
        return find_postgres_bin()
    except PostgresNotFoundError as err:
        pytest.skip(f"no PostgreSQL server binaries: {err}")


def _psql(bin_dir: Path, db: PostgresDatabase, password: str, sql: str) -> subprocess.CompletedProcess:
    # Over TCP with a password, as Keycloak connects.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"PGPASSWORD": password}
    return subprocess.run(
        [str(bin_dir / "psql"), "-X", "-A", "-t", "-h", db.host, "-p", str(db.port), "-U", db.username,
         "-d", db.name, "-c", sql],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )


def test_local_postgres_serves_a_password_protected_keycloak_database(tmp_path):
    bin_dir = _bin_dir()
    with LocalPostgres(tmp_path / "pg") as pg:
        db = pg.database
        assert (db.host, db.name, db.username) == ("127.0.0.1", "keycloak", "keycloak")
        assert db.jdbc_url == f"jdbc:postgresql://127.0.0.1:{db.port}/keycloak"
        assert db.password not in repr(db)
        pid = pg.postmaster_pid
        assert pid_alive(pid)

        ok = _psql(bin_dir, db, db.password,
                   "SELECT current_user, current_database(), current_setting('fsync'), "
                   "current_setting('synchronous_commit'), current_setting('server_encoding')")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip() == "keycloak|keycloak|on|on|UTF8"
        # Password authentication over TCP is enforced, as in production.
        refused = _psql(bin_dir, db, "wrong", "SELECT 1")
        assert refused.returncode != 0 and "password authentication failed" in refused.stderr
        # Keycloak creates its schema as the database owner.
        created = _psql(bin_dir, db, db.password, "CREATE TABLE probe (id int); DROP TABLE probe")
        assert created.returncode == 0, created.stderr

    assert not pid_alive(pid)
    assert not pg.running
    ready = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(db.port)],
                           capture_output=True, timeout=30, check=False)
    assert ready.returncode == 2  # no response
    pg.stop()  # idempotent


def test_local_postgres_wants_a_fresh_data_dir(tmp_path):
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "stray").write_text("")
    with pytest.raises(PostgresError, match="not empty"):
        LocalPostgres(tmp_path / "pg", bin_dir=tmp_path).start()


def test_a_cluster_it_made_starts_again_with_its_password_and_data(tmp_path):
    """`smur-iam demo --topology cluster --data-dir DIR` started twice: the second start finds the
    cluster, its role's password and its data, and creates nothing."""
    bin_dir = _bin_dir()
    with LocalPostgres(tmp_path / "pg") as first:
        db = first.database
        assert _psql(bin_dir, db, db.password, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)").returncode == 0
    state = tmp_path / "pg" / STATE_NAME
    assert state.stat().st_mode & 0o777 == 0o600  # it holds the role's password
    with LocalPostgres(tmp_path / "pg") as again:
        assert again.database == db  # same password, and the port again since it is free
        kept = _psql(bin_dir, again.database, db.password, "SELECT id FROM kept")
        assert kept.returncode == 0 and kept.stdout.strip() == "7", kept.stderr
    # Its former port taken meanwhile: another one, written into the cluster's configuration.
    with socket.socket() as taken:
        # As a server would take it: its clients' connections to the cluster just stopped may still
        # be in TIME_WAIT there.
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", db.port))
        taken.listen()
        with LocalPostgres(tmp_path / "pg") as moved:
            assert moved.port != db.port and moved.database.password == db.password
            kept = _psql(bin_dir, moved.database, db.password, "SELECT id FROM kept")
            assert kept.returncode == 0 and kept.stdout.strip() == "7", kept.stderr
    # Asked for another password, it refuses rather than start a cluster nobody can log in to.
    with pytest.raises(PostgresError, match="another password"):
        LocalPostgres(tmp_path / "pg", password="not-the-one").start()


def test_a_port_whose_server_just_stopped_is_free_again_but_not_one_in_use():
    """A stopped server's connections linger in TIME_WAIT on its port: it may start there again (a
    restarted cluster keeps its port), whereas a port someone listens on is taken."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL and Keycloak bind theirs
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not port_free(port)
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server's side closes first: its end of the connection waits
        client.close()
    assert port_free(port)


def test_a_directory_it_did_not_make_is_refused_naming_it(tmp_path):
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "PG_VERSION").write_text("15\n")
    with pytest.raises(PostgresError, match=r"not a cluster LocalPostgres made \(no readable smur-iam-postgres.json\)"):
        LocalPostgres(tmp_path / "pg", bin_dir=tmp_path).start()


def test_missing_binaries_say_how_to_install_them(tmp_path):
    with pytest.raises(PostgresNotFoundError, match="apt-get install postgresql"):
        find_postgres_bin(tmp_path)
    (tmp_path / "15" / "bin").mkdir(parents=True)
    with pytest.raises(PostgresNotFoundError, match="lacks initdb, pg_ctl, psql"):
        find_postgres_bin(tmp_path)


def _server(tmp_path: Path, **kwargs) -> KeycloakServer:
    server = KeycloakServer(None, tmp_path / "kc", http_port=8080, management_port=9000, **kwargs)
    server.java = JavaRuntime(Path("/usr/lib/jvm/test"), 21, "test")  # no JVM needed for the options
    return server


def test_keycloak_on_postgres_builds_and_starts_with_its_options(tmp_path):
    h2, pg = _server(tmp_path), _server(tmp_path, database=DATABASE)

    assert pg.build_options == ("--db=postgres", "--health-enabled=true", *METRICS_OPTIONS)
    assert pg.build_fingerprint()["build_options"] == ["--db=postgres", "--health-enabled=true", *METRICS_OPTIONS]
    # A home built for H2 is rebuilt for PostgreSQL, and the other way round.
    assert pg.build_fingerprint() != h2.build_fingerprint()

    cmd = pg.start_command(HOME)
    assert cmd == [
        "/opt/keycloak/bin/kc.sh", "start", "--optimized", "--http-enabled=true", "--hostname-strict=false",
        "--http-host=127.0.0.1", "--http-port=8080", "--http-management-port=9000",
        "--db-url=jdbc:postgresql://127.0.0.1:54321/keycloak", "--db-username=keycloak", "--cache=local",
        *OUTGOING_HTTP_TIMEOUT_OPTIONS,
    ]
    # The password goes through the environment, never on a command line `ps` shows.
    assert not any("db-s3cret" in arg for arg in cmd)
    assert pg.start_environment()["KC_DB_PASSWORD"] == "db-s3cret"


def test_keycloak_without_database_keeps_the_h2_build_and_start(tmp_path, monkeypatch):
    monkeypatch.setenv("KC_DB_PASSWORD", "from-the-caller")  # scrubbed like every KC_ variable
    server = _server(tmp_path)
    # BUILD_OPTIONS as they are: no database given, nothing swapped (an H2 build stamp stays valid).
    assert server.build_options == ("--db=dev-file", "--health-enabled=true", *METRICS_OPTIONS)
    assert server.build_fingerprint()["build_options"] == ["--db=dev-file", "--health-enabled=true", *METRICS_OPTIONS]
    assert server.start_command(HOME) == [
        "/opt/keycloak/bin/kc.sh", "start", "--optimized", "--http-enabled=true", "--hostname-strict=false",
        "--http-host=127.0.0.1", "--http-port=8080", "--http-management-port=9000",
        f"--db-url=jdbc:h2:file:{server.data_dir / 'keycloakdb'};NON_KEYWORDS=VALUE", "--cache=local",
        *OUTGOING_HTTP_TIMEOUT_OPTIONS,
    ]
    assert "KC_DB_PASSWORD" not in server.start_environment()


def test_keycloak_on_postgres_remembers_its_bootstrap_admin_with_the_data_dir(tmp_path):
    # The database is out of sight: the data dir's credentials file says whether it was bootstrapped.
    first = _server(tmp_path, database=DATABASE)
    first.data_dir.mkdir()
    first.settle_bootstrap_credentials()
    restarted = _server(tmp_path, database=DATABASE)
    restarted.settle_bootstrap_credentials()
    assert restarted.admin_password == first.admin_password


def test_restart_cuts_every_session_and_comes_back_on_the_same_port_with_the_data(tmp_path):
    bin_dir = _bin_dir()
    with LocalPostgres(tmp_path / "pg") as pg:
        db = pg.database
        assert _psql(bin_dir, db, db.password, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)").returncode == 0
        before = pg.postmaster_pid
        away = pg.restart()
        assert 0 < away < 60
        assert pg.postmaster_pid != before and pid_alive(pg.postmaster_pid) and not pid_alive(before)
        assert pg.database == db  # same port, same role and password: Keycloak's URL stays right
        again = _psql(bin_dir, db, db.password, "SELECT id FROM kept")
        assert again.returncode == 0 and again.stdout.strip() == "7", again.stderr
        restarted = pg.postmaster_pid
    assert not pid_alive(restarted)  # stop() stops the new server, not the old pid
