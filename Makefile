# Kassa: `make run` serves the demo, `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HTMX := static/vendor/htmx.min.js
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
# Tests run in one process per core (each with its own database, sandbox and servers); the
# slowest are named at the end so a creeping suite is seen.
PYTEST_ARGS ?= -n auto --dist worksteal --durations=20

.PHONY: help setup setup-dev run test test-database lint bench wrk postgresql pdf-libraries translations-extract translations-update translations chromium clean

help:
	@echo "make run    set up and serve the demo on http://127.0.0.1:5000"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make lint   ruff and mypy"
	@echo "make bench  write benchmark figures to bench/results.md"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(HTMX): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

%.mo: %.po
	$(PY) -m babel.messages.frontend compile -i $< -o $@ >/dev/null

translations: $(MO_FILES)

setup: $(VENV)/.installed $(HTMX) translations

setup-dev: $(VENV)/.installed-dev $(HTMX) translations

run: setup pdf-libraries
	$(FLASK) db upgrade
	$(PY) demo.py

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

# WeasyPrint (PDFs) needs Pango and a font; the tests read PDFs with poppler-utils' pdftotext.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
pdf-libraries:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	fi

# Bytecode is kept between runs even where the environment says not to write it: each worker,
# gunicorn and task consumer otherwise compiles the app and the tests again (about half of a
# worker's start).
test test-database: export PYTHONDONTWRITEBYTECODE :=
test: setup-dev chromium pdf-libraries
	$(PY) -m pytest $(PYTEST_ARGS)

# Only the tests that reach Kassa's database, for a second engine (KASSA_TEST_DATABASE_URL):
# the sandbox's own tests and pure units are the same on any engine, and the browser tests
# (a third of the time) drive the same services the integration tests run on both engines.
test-database: setup-dev chromium pdf-libraries
	$(PY) -m pytest $(PYTEST_ARGS) --database-tests-only -m "not e2e"

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; fi; }

# The back office's figures (bench/payments.py) run on a throwaway PostgreSQL cluster.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; fi; }

# Lighthouse measures the shop home for `make bench`; a tool, kept out of package.json so
# `make run` does not download it.
LIGHTHOUSE := .tools/lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	npm install --prefix .tools/lighthouse --no-audit --no-fund --loglevel=error lighthouse@12.8.2

bench: setup-dev wrk chromium pdf-libraries postgresql $(LIGHTHOUSE)
	KASSA_LIGHTHOUSE=$(LIGHTHOUSE) $(PY) -m bench

translations-extract: setup-dev
	$(FLASK) translate extract

translations-update: translations-extract
	$(FLASK) translate update

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO_FILES)
