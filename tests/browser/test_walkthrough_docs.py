"""The walkthrough pages and their screenshots stay in step (no browser needed)."""
from __future__ import annotations

import importlib.util
import re

from PIL import Image

from fixtures.realms import REPO

DOCS = REPO / "docs"
PAGES = ("walkthrough.fr.md", "walkthrough.en.md")


def _selection() -> dict:
    spec = importlib.util.spec_from_file_location("docs_screenshots", DOCS / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SELECTION


def _images(page: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", (DOCS / page).read_text(encoding="utf-8"))


def test_both_languages_show_every_published_screenshot_in_the_same_order():
    published = [f"img/{name}.png" for name in _selection()]
    french, english = (_images(page) for page in PAGES)
    assert french == english, "the French and English walkthroughs show different screenshots"
    assert sorted(french) == sorted(published), "docs/screenshots.py publishes what the pages show"


def test_published_screenshots_are_small_pngs():
    for name in _selection():
        path = DOCS / "img" / f"{name}.png"
        assert path.is_file(), f"{path} missing: run `.venv/bin/python docs/screenshots.py --run`"
        assert path.stat().st_size < 300_000, path
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width <= 640, (path, image.size)
