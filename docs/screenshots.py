"""Copy the walkthrough's screenshots from the browser tests' artefacts to docs/img/.

    .venv/bin/python docs/screenshots.py --run     # run the browser journeys (Keycloak, mock PSC, chromium), then copy
    .venv/bin/python docs/screenshots.py           # copy from test-artifacts/browser/ as it is

The browser tests (tests/browser/) save every step under test-artifacts/browser/<test>/NN-<step>.png.
This script picks the steps the walkthrough shows, trims the empty page around the content,
scales them down and reduces them to a palette, so each PNG stays small (a few tens of KB).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "test-artifacts" / "browser"
TARGET = REPO / "docs" / "img"
MAX_WIDTH = 640
MAX_BYTES = 300_000
SEED = "seed_procedure_activation_login_and_logout"
BARE_RPPS = "bare_rpps_gets_the_put_an_8_in_front_guidance"
WRONG_NUMBER = "wrong_number_on_the_phone_refuses_the_login"
LOCKED = "three_wrong_pins_lock_the_ecps_until_it_is_activated_again"
CARD = "card_login_with_one_wrong_pin_then_the_right_one"
REALM_PAGE = "realm_page_is_french_with_one_button_to_psc_and_passes_axe"  # parametrized by data-smur-page


def realm_page(page: str) -> tuple[str, str]:
    """The screenshot of the realm's page ``page`` (data-smur-page) from tests/browser/test_browser_every_realm_page.py."""
    return f"{REALM_PAGE}[{page}]", f"realm-page-{page}"


# The realm's pages (smur theme, data-smur-page) a professional can meet, and the image of each in the
# walkthrough's « Si quelque chose ne va pas » / "If something goes wrong" table.
PROBLEM_PAGES = {
    "psc-refused": "problem-refused",
    "ecps-locked": "problem-ecps-locked",
    "not-registered": "problem-not-registered",
    "rpps-invalid": "problem-rpps-invalid",
    "acr-insufficient": "problem-acr-insufficient",
    "psc-unreachable": "problem-psc-unreachable",
    "expired": "problem-expired",
    "account-disabled": "problem-account-disabled",
    "refused": "problem-refused-other",
}

# docs/img/<name>.png  <-  test-artifacts/browser/<test>/NN-<step>.png (the first of that step)
SELECTION = {
    "activation-1-request": (SEED, "phone-activation-request"),
    "activation-2-contacts": (SEED, "phone-contacts-pseudonymised"),
    "activation-3-email": (SEED, "phone-activation-email"),
    "activation-3b-qr-on-a-computer": (LOCKED, "tablet-activation-email-qr"),
    "activation-4-sms": (SEED, "phone-sms"),
    "activation-5-sms-code": (SEED, "phone-sms-code"),
    "activation-6-pin": (SEED, "phone-choose-pin"),
    "activation-7-active": (SEED, "phone-ecps-active"),
    "login-1-smurtab": (SEED, "tablet-login"),
    "login-2-national-id": (SEED, "tablet-psc-national-id"),
    "login-3-number": (SEED, "tablet-number"),
    "login-4-notification": (SEED, "phone-notification"),
    "login-5-pin": (SEED, "phone-pin"),
    "login-6-pick-the-number": (SEED, "phone-number-choices"),
    "login-7-connected": (SEED, "tablet-connected"),
    "logout": (SEED, "tablet-logged-out"),
    "card-1-pin": (CARD, "tablet-psc-card-pin"),
    "card-2-wrong-pin": (CARD, "tablet-psc-card-wrong-pin"),
    "card-3-connected": (CARD, "tablet-connected-card"),
    "problem-bare-rpps": (BARE_RPPS, "tablet-psc-put-an-8-in-front"),
    "problem-refused": (WRONG_NUMBER, "tablet-refused-wrong-number"),
    "problem-wrong-pin": (LOCKED, "phone-pin-refused-1"),
    "problem-locked": (LOCKED, "tablet-psc-ecps-locked"),
    "problem-ecps-locked": realm_page("ecps-locked"),
    "problem-not-registered": realm_page("not-registered"),
    "problem-rpps-invalid": realm_page("rpps-invalid"),
    "problem-acr-insufficient": realm_page("acr-insufficient"),
    "problem-psc-unreachable": realm_page("psc-unreachable"),
    "problem-expired": realm_page("expired"),
    "problem-account-disabled": realm_page("account-disabled"),
    "problem-refused-other": realm_page("refused"),
}


def source_of(test: str, step: str, artefacts: Path) -> Path:
    matches = sorted((artefacts / test).glob(f"[0-9][0-9]-{step}.png"))
    if not matches:
        raise SystemExit(f"no screenshot {test}/NN-{step}.png under {artefacts}: "
                         f"run the browser tests first (this script's --run does)")
    return matches[0]


def trimmed(image: Image.Image, margin: int = 16) -> Image.Image:
    """Without the plain page background around the content (the colour of the bottom-right corner)."""
    rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((rgb.width - 1, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    if not box:
        return rgb
    left, top, right, bottom = box
    return rgb.crop((max(0, left - margin), max(0, top - margin),
                     min(rgb.width, right + margin), min(rgb.height, bottom + margin)))


def publish(source: Path, target: Path) -> int:
    image = trimmed(Image.open(source))
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
    image.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size} bytes (limit {MAX_BYTES})")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run tests/browser first (they write the screenshots)")
    parser.add_argument("--from", dest="artefacts", type=Path, default=ARTEFACTS, help="the tests' artefacts folder")
    args = parser.parse_args(argv)
    if args.run:
        journeys = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests" / "browser").glob("test_browser_*.py"))
        tests = subprocess.run([sys.executable, "-m", "pytest", *journeys, "-q", "-p", "no:cacheprovider"], cwd=REPO)
        if tests.returncode != 0:
            return tests.returncode
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, (test, step) in SELECTION.items():
        size = publish(source_of(test, step, args.artefacts), TARGET / f"{name}.png")
        print(f"docs/img/{name}.png  {size // 1024} KB  <- {test}/{step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
