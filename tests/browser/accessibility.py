"""Accessibility checks of a page as a professional meets it: axe-core (the npm package, installed by
`make axe` into tests/browser/axe/) injected by Playwright, at the sizes a SMUR tablet shows.

A page passes at a size when axe finds no violation of impact serious or critical and the page does
not scroll sideways. "200% zoom" on a 1024×768 tablet lays the page out in 512×384 CSS pixels,
which is what the third size is (the device pixel ratio changes no layout).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {
    "1024×768": {"width": 1024, "height": 768},
    "768×1024": {"width": 768, "height": 1024},
    "1024×768 at 200% zoom": {"width": 512, "height": 384},
}
BLOCKING = ("serious", "critical")


def axe_script() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make axe` (npm ci in tests/browser/axe)", pytrace=False)
    return AXE


def problems_of(page: Page, what: str, seen: list[dict] | None = None) -> list[str]:
    """What keeps ``page`` (as it is now) from being usable, at each size; the page is left at its size.
    ``seen`` (if given) receives every violation axe reports, whatever its impact: {size, id, impact, nodes}."""
    found = []
    original = page.viewport_size
    try:
        for size_name, size in SIZES.items():
            page.set_viewport_size(size)
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.add_script_tag(path=str(axe_script()))
            result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
            for violation in result["violations"]:
                if seen is not None:
                    seen.append({"size": size_name, "id": violation["id"], "impact": violation["impact"],
                                 "nodes": len(violation["nodes"])})
                if violation["impact"] in BLOCKING:
                    where = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                    found.append(f"{what} at {size_name}: {violation['id']} ({violation['impact']}): "
                                 f"{violation['help']}: {where}")
            sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if sideways > 1:
                found.append(f"{what} at {size_name}: the page scrolls sideways by {sideways} px")
    finally:
        if original:
            page.set_viewport_size(original)
    return found
