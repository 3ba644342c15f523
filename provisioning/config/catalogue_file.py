"""Where the mapper catalogue is: deployment.yaml's `mapperCatalogue`, relative to the realm directory,
or, when that path is the shipped default and a copy of `realm/` moved away from the repository has
nothing there, the catalogue installed with smur-iam.

A wheel carries it as `provisioning/mapper-catalogue.yaml` (setup.py copies mappers/catalogue.yaml
there at build time); an editable install (the repository itself) has it at mappers/catalogue.yaml,
beside the `provisioning` package.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import provisioning

SHIPPED_PATH = "../mappers/catalogue.yaml"  # the default of deployment.yaml's mapperCatalogue
PACKAGED_NAME = "mapper-catalogue.yaml"  # setup.py writes it into the `provisioning` package of a wheel


@dataclass(frozen=True)
class CatalogueLocation:
    path: Path | None  # None: found nowhere
    stated: Path  # where deployment.yaml's mapperCatalogue points
    installed: bool = False  # taken from the installed package instead


def installed_catalogue() -> Path | None:
    """The catalogue installed with smur-iam: a wheel's packaged copy, else the repository's own."""
    package = Path(provisioning.__file__).resolve().parent
    for candidate in (package / PACKAGED_NAME, package.parent / "mappers" / "catalogue.yaml"):
        if candidate.is_file():
            return candidate
    return None


def locate_catalogue(directory: Path, written: str) -> CatalogueLocation:
    stated = (Path(directory) / written).resolve()
    if stated.exists() or Path(written).as_posix() != SHIPPED_PATH:
        # A path of the admin's own choosing that is missing is a mistake to report, never replaced.
        return CatalogueLocation(stated if stated.exists() else None, stated)
    installed = installed_catalogue()
    return CatalogueLocation(installed, stated, installed is not None)


def missing_message(written: str, stated: Path) -> str:
    """What `validate` says when the catalogue is nowhere: the path tried, and what to write instead."""
    shipped_default = Path(written).as_posix() == SHIPPED_PATH
    installed = installed_catalogue()
    example = installed or "/opt/smur-iam/mappers/catalogue.yaml"
    return (f"mapper catalogue '{written}' not found: tried {stated}"
            + (" and the catalogue installed with smur-iam" if shipped_default else "")
            + f". Copy the catalogue there, or write where it is, e.g. `mapperCatalogue: {example}`"
            + (" (the one installed with smur-iam)" if installed else "")
            + "; a relative path is read from the realm directory")


def installed_warning(deployment_file: str, written: str, location: CatalogueLocation) -> str:
    return (f"{deployment_file}: mapperCatalogue '{written}' does not exist ({location.stated}): using the "
            f"catalogue installed with smur-iam, {location.path}")
