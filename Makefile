# Two entry points (see README): `make demo` runs the product locally, `make test` runs every test.
# Both set up what they need on a fresh machine: the venv, then (on first use) Keycloak via Maven.
VENV ?= .venv
PYTHON ?= python3

CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser balancer axe demo test clean-cache

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

# The cluster topology's load balancer is Debian's HAProxy (provisioning/runtime/balancer.py).
HAPROXY ?= /usr/sbin/haproxy
balancer:
	@test -x $(HAPROXY) || { echo "installing Debian's haproxy for the cluster topology"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy; }

# Accessibility checks inject axe-core (the npm package, pinned in tests/browser/axe/package-lock.json).
AXE_DIR := tests/browser/axe
axe: $(AXE_DIR)/node_modules/axe-core/axe.min.js

$(AXE_DIR)/node_modules/axe-core/axe.min.js: $(AXE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "installing Debian's npm for the accessibility checks"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund --silent
	touch $@

demo: setup
	$(VENV)/bin/smur-iam demo

test: setup browser balancer axe
	$(VENV)/bin/pytest

# Keycloak zip, unpacked server and its build stamp live outside git in ~/.cache/smur-iam.
clean-cache:
	rm -rf $${SMUR_IAM_CACHE:-$$HOME/.cache/smur-iam}
