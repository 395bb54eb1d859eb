# Spendlane: the two commands a newcomer needs are `make run` and `make test`.
# Both create .venv with Python 3.11 when it is missing and (re)install
# requirements.txt whenever it changed since the last install (stamp file).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test lint pytest browser-test clean

help:
	@echo "make run    install, migrate, load the seed catalog, seed demo users, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install, ruff check, ruff format --check, the whole pytest suite (browser tests included)"
	@echo "make browser-test   only the browser tests (tests/browser: Playwright on Debian's chromium)"
	@echo "make clean  remove .venv and caches (keeps db.sqlite3)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalog
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: install
	$(BIN)/pytest

browser-test: install
	$(BIN)/pytest tests/browser

test: lint pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
