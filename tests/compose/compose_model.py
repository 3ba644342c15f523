"""docker-compose.yml as the tests read it: services, `${VAR}` interpolation as Compose does it,
command lines, published ports, network aliases and mounts. No Docker involved."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from fixtures.realms import REPO

COMPOSE_FILE = REPO / "docker-compose.yml"
MTLS_OVERRIDE_FILE = REPO / "docker-compose.psc-mtls.yml"  # laid over COMPOSE_FILE for mTLS to PSC
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
LOCAL_URL = re.compile(r"https?://([a-z0-9.-]+\.localhost):(\d+)")


HAPROXY_CONFIG = REPO / "docker" / "haproxy.cfg"  # the balancer service's configuration


def load(path: Path = COMPOSE_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def overlaid(base: dict, override: dict) -> dict:
    """``docker compose -f base -f override``: mappings merged key by key, the override's `secrets`
    and `volumes` lists added to the base's, any other value replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = overlaid(merged[key], value)
        elif key in ("secrets", "volumes") and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
        else:
            merged[key] = value
    return merged


def variables(text: str | None = None, path: Path = COMPOSE_FILE) -> dict[str, str | None]:
    """Every interpolated variable of the file: name -> its default (None when required or bare)."""
    text = path.read_text(encoding="utf-8") if text is None else text
    found: dict[str, str | None] = {}
    for name, operator, argument in INTERPOLATION.findall(text):
        found.setdefault(name, argument if operator in (":-", "-") else None)
    return found


def interpolate(value, env: dict[str, str]):
    """Compose's substitution on a loaded value; a required variable that is missing raises KeyError."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if name in env and (env[name] or operator not in (":-", ":?")):
            return env[name]
        if operator in (":-", "-"):
            return argument
        raise KeyError(f"{name} is required: {argument}")
    return INTERPOLATION.sub(substitute, value)


@dataclass
class Service:
    name: str
    spec: dict

    @property
    def command(self) -> list[str]:
        """The argv the container runs (a `sh -c`/`bash -c` script is returned as its single string)."""
        command = self.spec.get("command", [])
        return shlex.split(command) if isinstance(command, str) else list(command)

    @property
    def script_commands(self) -> list[list[str]]:
        """For `entrypoint: [sh|bash, -c]`: each `&&`-separated command of the script, split like a shell."""
        assert self.spec.get("entrypoint", [None])[-1] == "-c", f"{self.name} is not a shell script"
        [script] = self.command
        commands = []
        for part in script.split("&&"):
            words = shlex.split(part)
            commands.append(words[1:] if words[:1] == ["exec"] else words)
        return commands

    @property
    def published(self) -> dict[int, int]:
        """container port -> host port (all published on 127.0.0.1)."""
        ports = {}
        for entry in self.spec.get("ports", []):
            host_ip, host, container = str(entry).split(":")
            assert host_ip == "127.0.0.1", f"{self.name}: {entry} is published beyond this machine"
            ports[int(container)] = int(host)
        return ports

    @property
    def aliases(self) -> list[str]:
        return self.spec.get("networks", {}).get("default", {}).get("aliases", [])

    @property
    def environment(self) -> dict[str, str]:
        env = self.spec.get("environment", {})
        return {str(k): str(v) for k, v in env.items()}

    def secrets(self, document: dict) -> dict[str, str]:
        """Where each of the service's secrets is mounted -> the repository file it comes from."""
        found = {}
        for entry in self.spec.get("secrets", []):
            name, target = (entry, None) if isinstance(entry, str) else (entry["source"], entry.get("target"))
            target = target or name
            found[target if target.startswith("/") else f"/run/secrets/{target}"] = document["secrets"][name]["file"]
        return found

    def mounts(self) -> list[tuple[str, str]]:
        """(source, target) of every volume; bind sources are repo-relative paths starting with `./`."""
        found = []
        for volume in self.spec.get("volumes", []):
            if isinstance(volume, dict):
                found.append((volume["source"], volume["target"]))
            else:
                source, target, *_ = volume.split(":")
                found.append((source, target))
        return found


def services(document: dict | None = None) -> dict[str, Service]:
    document = document or load()
    return {name: Service(name, spec) for name, spec in document["services"].items()}


def options(argv: list[str]) -> dict[str, str]:
    """`--name=value` / `--flag` words of a command line -> {name: value}."""
    found = {}
    for word in argv:
        if word.startswith("--"):
            name, _, value = word[2:].partition("=")
            found[name] = value
    return found


def repo_path(source: str) -> Path:
    assert source.startswith("./"), f"bind source {source} must be relative to the repository"
    return REPO / source[2:]
