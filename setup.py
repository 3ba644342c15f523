"""Build hook only (everything else is in pyproject.toml): a wheel carries the mapper catalogue,
mappers/catalogue.yaml, as provisioning/mapper-catalogue.yaml, so a copy of realm/ away from the
repository still finds it (provisioning/config/catalogue_file.py). An editable install reads the
repository's own mappers/catalogue.yaml instead."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUE = Path(__file__).resolve().parent / "mappers" / "catalogue.yaml"


class BuildPyWithCatalogue(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the package is served from the repository, beside mappers/
        if not CATALOGUE.is_file():
            raise SystemExit(f"{CATALOGUE} is missing: the package ships the mapper catalogue (copy mappers/ "
                             "into the build context)")
        target = Path(self.build_lib) / "provisioning" / "mapper-catalogue.yaml"
        self.copy_file(str(CATALOGUE), str(target))


setup(cmdclass={"build_py": BuildPyWithCatalogue})
