"""The walkthrough pages and their screenshots stay in step (no browser needed)."""
from __future__ import annotations

import importlib.util
import re

from PIL import Image

from fixtures.realms import REPO

DOCS = REPO / "docs"
PAGES = ("walkthrough.fr.md", "walkthrough.en.md")


PROBLEMS_SECTION = {"walkthrough.fr.md": "## 3. Si quelque chose ne va pas",
                    "walkthrough.en.md": "## 3. When something goes wrong"}


def _screenshots_module():
    spec = importlib.util.spec_from_file_location("docs_screenshots", DOCS / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _selection() -> dict:
    return _screenshots_module().SELECTION


def _problems_section(page: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    heading = PROBLEMS_SECTION[page]
    assert heading in text, f"docs/{page}: no section {heading!r}"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


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


def test_the_problems_table_shows_every_realm_page_a_professional_can_meet():
    """One row per page of the smur theme the browser test reaches (all but Keycloak's login page, which the
    realm's PSC-only flow never asks for), with the screenshot that test took of it."""
    from test_browser_every_realm_page import TRIGGERS

    screenshots = _screenshots_module()
    assert set(screenshots.PROBLEM_PAGES) == set(TRIGGERS) - {"psc-redirect"}, \
        "docs/screenshots.py PROBLEM_PAGES names every page tests/browser/test_browser_every_realm_page.py reaches"
    for page in PAGES:
        rows = [line for line in _problems_section(page).splitlines() if line.startswith("| ![")]
        for page_id, image in screenshots.PROBLEM_PAGES.items():
            shown = [row for row in rows if f"(img/{image}.png)" in row]
            assert len(shown) == 1, f"docs/{page}: the problems table has no row (or several) for {page_id} ({image})"
            assert "Réessayer avec Pro Santé Connect" in shown[0] or "contact" in shown[0], shown[0]
            assert (DOCS / "img" / f"{image}.png").is_file(), f"docs/img/{image}.png missing"
    for page_id, image in screenshots.PROBLEM_PAGES.items():
        test, step = screenshots.SELECTION[image]
        if page_id != "psc-refused":  # its image is the wrong-number journey's (test_browser_refusals.py)
            assert (test, step) == screenshots.realm_page(page_id), (image, test, step)
