"""The load balancer in front of the Keycloak nodes: Debian's HAProxy, as a local process.

`LoadBalancer` writes an HAProxy configuration from `CONFIG_TEMPLATE` (the whole configuration is
that text: read it to know what the balancer does), checks it with `haproxy -c`, runs `haproxy -db`
(foreground, its own process group, stopped by `stop()`, by `atexit`, or by a watchdog should this
Python process be SIGKILLed) and waits until every node is UP in HAProxy's own health checks.

What production needs from it, and the template does:
- TLS terminated here, on loopback, with a certificate of the run's CA (run_ca.py);
- each node health-checked on its management port's `/health/ready`;
- round robin without stickiness: consecutive requests of one client go to different nodes, so a
  node that would only work with its own sessions shows up in tests;
- X-Forwarded-For/-Proto/-Host/-Port set (Keycloak runs with `--proxy-headers=xforwarded`).

The runtime socket (`show stat`) tells which node HAProxy sees UP: `server_states()`; through it
`set_admin_state()` takes a node out of the rotation and puts it back (the benchmark's one-node phases).
"""
from __future__ import annotations

import atexit
import csv
import io
import logging
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .keycloak import free_port, tail
from .private_files import PRIVATE_UMASK, open_private, write_private
from .process import Watchdog, terminate_group

log = logging.getLogger(__name__)

HAPROXY = "haproxy"
SBIN_HAPROXY = Path("/usr/sbin/haproxy")  # not on a non-root user's PATH on Debian
CONFIG_NAME = "haproxy.cfg"
LOG_NAME = "haproxy.log"
SOCKET_NAME = "haproxy.sock"
BACKEND = "keycloak"
# Health checks every second, a node out after 2 failures and back after 2 successes: a node
# killed mid-run leaves the rotation within about 2 s.
CONFIG_TEMPLATE = """\
# Written by smur-iam (provisioning/runtime/balancer.py) for one local run.
global
    maxconn 2000
    stats socket {socket} mode 600 level admin
    # Errors and node state changes go to stderr, the log file.
    log stderr format raw local0 notice

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s

frontend https
    bind 127.0.0.1:{port} ssl crt {certificate}
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header X-Forwarded-Port {port}
    option forwardfor
    default_backend {backend}

backend {backend}
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""
# What `set_admin_state` accepts: out of the rotation, or back in it.
ADMIN_STATES = ("maint", "ready")
SERVER_LINE = "    server {name} 127.0.0.1:{http_port} check port {management_port}"


class BalancerError(RuntimeError):
    """HAProxy could not be configured, started or stopped; the message says why (and its log)."""


class BalancerNotFoundError(BalancerError):
    """No HAProxy on this machine."""


@dataclass(frozen=True)
class Node:
    """A Keycloak node as the balancer sees it: plain HTTP and its management port, on loopback."""
    name: str
    http_port: int
    management_port: int


def find_haproxy() -> Path:
    found = shutil.which(HAPROXY) or (str(SBIN_HAPROXY) if os.access(SBIN_HAPROXY, os.X_OK) else None)
    if found is None:
        raise BalancerNotFoundError(
            "HAProxy not found (neither on PATH nor /usr/sbin/haproxy): the cluster topology's load balancer is "
            "Debian's package. Install it with `make balancer` (or `apt-get install haproxy`).")
    return Path(found)


class LoadBalancer:
    def __init__(self, directory: str | os.PathLike[str], certificate: Path, nodes: list[Node], port: int = 0):
        self.directory = Path(directory).expanduser().resolve()
        self.certificate = Path(certificate)
        self.nodes = list(nodes)
        self.port = port or free_port()  # known before start: Keycloak's hostname names it
        self.start_seconds = 0.0
        self.pgid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._watchdog: Watchdog | None = None

    @property
    def public_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def log_path(self) -> Path:
        return self.directory / LOG_NAME

    @property
    def socket_path(self) -> Path:
        return self.directory / SOCKET_NAME

    def config_text(self) -> str:
        servers = "\n".join(SERVER_LINE.format(name=n.name, http_port=n.http_port, management_port=n.management_port)
                            for n in self.nodes)
        return CONFIG_TEMPLATE.format(socket=self.socket_path, port=self.port, certificate=self.certificate,
                                      backend=BACKEND, servers=servers)

    def __enter__(self) -> "LoadBalancer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> "LoadBalancer":
        if self._proc is not None:
            return self
        started = time.monotonic()
        binary = find_haproxy()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(self.config_path, self.config_text())
        check = subprocess.run([str(binary), "-c", "-f", str(self.config_path)], capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            said = [line for line in (check.stdout + check.stderr).splitlines() if "[NOTICE]" not in line]
            raise BalancerError(f"HAProxy refuses {self.config_path}:\n" + "\n".join(said))
        self.socket_path.unlink(missing_ok=True)
        log_file = open(open_private(self.log_path, os.O_WRONLY | os.O_APPEND), "ab", buffering=0)
        try:
            self._proc = subprocess.Popen([str(binary), "-db", "-f", str(self.config_path)], cwd=self.directory,
                                          stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                          start_new_session=True, umask=PRIVATE_UMASK)
        finally:
            log_file.close()
        self.pgid = self._proc.pid
        self._watchdog = Watchdog(self._proc.pid)
        atexit.register(self.stop)
        try:
            self._wait_all_up(started + timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        log.info("HAProxy ready at %s (%.1fs, log %s)", self.public_url, self.start_seconds, self.log_path)
        return self

    def _wait_all_up(self, deadline: float) -> None:
        states: dict[str, str] = {}
        while True:
            code = self._proc.poll()
            if code is not None:
                raise BalancerError(f"HAProxy exited with code {code}\n--- {self.log_path} ---\n{tail(self.log_path)}")
            try:
                states = self.server_states()
                if states and all(state == "UP" for state in states.values()):
                    return
            except OSError:
                pass  # the socket is not there yet
            if time.monotonic() > deadline:
                raise BalancerError(f"HAProxy at {self.public_url} does not see every node UP: {states or 'no answer'}"
                                    f"\n--- {self.log_path} ---\n{tail(self.log_path)}")
            time.sleep(0.25)

    def server_states(self) -> dict[str, str]:
        """Node name -> HAProxy's status of it ("UP", "DOWN", "UP 1/2", ...), from the runtime socket."""
        return {row["svname"]: row["status"] for row in self._node_stats()}

    def requests_sent(self) -> dict[str, int]:
        """Node name -> connections HAProxy has sent it so far (health checks not counted)."""
        return {row["svname"]: int(row["stot"] or 0) for row in self._node_stats()}

    def set_admin_state(self, node: str, state: str) -> None:
        """``state`` "maint": HAProxy sends ``node`` nothing more (its health checks stop too); "ready":
        back in the rotation (once its health checks pass). Other nodes are left as they are."""
        if state not in ADMIN_STATES:
            raise ValueError(f"admin state {state!r}: expected one of {', '.join(ADMIN_STATES)}")
        if node not in {n.name for n in self.nodes}:
            raise ValueError(f"no node {node!r} behind this balancer ({', '.join(n.name for n in self.nodes)})")
        answer = self._runtime_command(f"set server {BACKEND}/{node} state {state}").strip()
        if answer:  # HAProxy answers nothing when it obeyed
            raise BalancerError(f"HAProxy refused to set {node} {state}: {answer}")

    def _runtime_command(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def _node_stats(self) -> list[dict[str, str]]:
        text = self._runtime_command("show stat").lstrip("# ")
        return [row for row in csv.DictReader(io.StringIO(text))
                if row.get("pxname") == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")]

    def stop(self) -> None:
        """Stop HAProxy (its whole process group); safe to call any number of times."""
        proc, self._proc = self._proc, None
        if proc is not None:
            atexit.unregister(self.stop)
            terminate_group(proc.pid, timeout=10)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self._watchdog is not None:
            self._watchdog.disarm()
            self._watchdog = None
