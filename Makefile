# Two entry points (see README): `make demo` runs the product locally, `make test` runs every test.
# Both set up what they need on a fresh machine: the venv, then (on first use) Keycloak via Maven.
VENV ?= .venv
PYTHON ?= python3

CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser demo test clean-cache

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's chromium through Playwright (never a downloaded browser).
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

demo: setup
	$(VENV)/bin/smur-iam demo

test: setup browser
	$(VENV)/bin/pytest

# Keycloak zip, unpacked server and its build stamp live outside git in ~/.cache/smur-iam.
clean-cache:
	rm -rf $${SMUR_IAM_CACHE:-$$HOME/.cache/smur-iam}
