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
# make benchmark: a scratch database and Redis database of its own, two worker processes.
BENCHMARK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/spendlane_bench
BENCHMARK_REDIS_URL ?= redis://127.0.0.1:6379/13
BENCHMARK_ARGS ?= --teams 1000 --plans-per-team 20

.DEFAULT_GOAL := help
.PHONY: help install run test lint pytest browser-test load-test benchmark clean

help:
	@echo "make run    install, migrate, load the seed catalog, seed demo users, serve on http://$(HOST):$(PORT)/"
	@echo "make test   install, ruff check, ruff format --check, the whole pytest suite (browser tests included)"
	@echo "make browser-test   only the browser tests (tests/browser: Playwright on Debian's chromium)"
	@echo "make load-test  20 users for 60 s on the dashboard's API and the quote, gunicorn on loopback"
	@echo "                (scratch database LOAD_TEST_DATABASE_URL; options: LOAD_TEST_ARGS=\"--users 5\")"
	@echo "make benchmark  1,000 teams x 20 plans recomputed by 2 Celery worker processes after a price change"
	@echo "                (scratch BENCHMARK_DATABASE_URL and BENCHMARK_REDIS_URL; BENCHMARK_ARGS)"
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

# Production-like: DEBUG off, kept connections, mail to nowhere; the worker stops with the benchmark.
benchmark: install
	createdb -h 127.0.0.1 -U postgres $(lastword $(subst /, ,$(BENCHMARK_DATABASE_URL))) 2>/dev/null || true
	set -e; \
	export DATABASE_URL=$(BENCHMARK_DATABASE_URL) REDIS_URL=$(BENCHMARK_REDIS_URL) DEBUG=false \
	       CONN_MAX_AGE=60 EMAIL_URL=dummymail:// CELERY_TASK_DEFAULT_QUEUE=spendlane-benchmark; \
	$(BIN)/python manage.py migrate --noinput -v0; \
	$(BIN)/python manage.py load_catalog; \
	$(BIN)/celery -A config worker --concurrency=2 --loglevel=WARNING -n benchmark@%h & worker=$$!; \
	trap 'kill -TERM $$worker; wait $$worker' EXIT; \
	sleep 5; \
	$(BIN)/python manage.py benchmark_recompute $(BENCHMARK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
