# Spendlane: the two commands a newcomer needs are `make run` and `make test`.
# Both create .venv with Python 3.11 when it is missing and (re)install
# requirements.txt whenever it changed since the last install (stamp file).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# make load-test: a scratch database of its own (created when missing), and the command's options.
LOAD_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/spendlane_load
LOAD_TEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test lint pytest browser-test load-test clean

help:
	@echo "make run    install, migrate, load the seed catalog, seed demo users, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install, ruff check, ruff format --check, the whole pytest suite (browser tests included)"
	@echo "make browser-test   only the browser tests (tests/browser: Playwright on Debian's chromium)"
	@echo "make load-test  20 users for 60 s on the dashboard's API and the quote, gunicorn on loopback"
	@echo "                (scratch database LOAD_TEST_DATABASE_URL; options: LOAD_TEST_ARGS=\"--users 5\")"
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

# Without REDIS_URL: the load test recomputes its scratch teams in its own process.
load-test: install
	DATABASE_URL=$(LOAD_TEST_DATABASE_URL) REDIS_URL= $(BIN)/python manage.py load_test $(LOAD_TEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
