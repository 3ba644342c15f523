# Two entry points (see README): `make demo` runs the product locally, `make test` runs every test.
# Both set up what they need on a fresh machine: the venv, then (on first use) Keycloak via Maven.
VENV ?= .venv
PYTHON ?= python3

.PHONY: setup demo test clean-cache

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(VENV)/bin/smur-iam demo

test: setup
	$(VENV)/bin/pytest

# Keycloak zip, unpacked server and its build stamp live outside git in ~/.cache/smur-iam.
clean-cache:
	rm -rf $${SMUR_IAM_CACHE:-$$HOME/.cache/smur-iam}
