# Backorder Desk: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# Where emails sent with no request behind them (the worker's, beat's) link while DEBUG is on: where
# `make run` serves. A wildcard HOST (0.0.0.0, ::) is reached on this machine through its loopback.
LINK_HOST = $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(if $(filter ::,$(HOST)),[::1],$(HOST)))

.PHONY: install lock audit run test fuzz lint format worker beat serve clean

LOCK := requirements.lock

# Every package at the version and hash the lock file names, nothing resolved anew.
$(STAMP): $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(VENV)/bin/pip check
	touch $(STAMP)

# After a change to the dependencies in pyproject.toml: resolve them again into the lock file, with hashes.
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet uv
	.venv-lock/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--no-header --quiet -o $(LOCK)

# Known vulnerabilities in the locked versions; says so plainly when the database cannot be reached.
audit: install
	$(PY) .ci/audit.py $(LOCK)

AXE := node_modules/axe-core/axe.min.js

# axe-core for the accessibility browser test, at the version package-lock.json pins. Without npm the
# test says how to get it, and fails where REQUIRE_SERVICES=1 (CI) rather than skipping.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "npm not found: the accessibility test needs axe-core (apt-get install npm, then make install)"; fi

install: $(STAMP) $(AXE)

# The demo's company keeps its books in a real time zone; TIME_ZONE=... make run picks another.
run: export TIME_ZONE ?= America/Chicago
run worker beat: export DEVELOPMENT_SITE_URL ?= http://$(LINK_HOST):$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@cat .demo-sign-ins 2>/dev/null || true
	@echo "Serving http://$(HOST):$(PORT)/ (time zone $(TIME_ZONE))"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Two pytest-xdist workers, one per core, each on its own test database (test_<name>_gw0, _gw1), its own
# Chromium and its own Redis cache prefix; the 25 slowest tests close the output, so a slow one shows.
test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 --durations=25

# The hypothesis tests (marked fuzz) with random seeds and HYPOTHESIS_FUZZ_FACTOR (10) times their examples;
# make test runs the same tests derandomized, so a failure there is never an unlucky draw.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -m fuzz

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy core accounts projects purchasing backorders invoicing imports reports notifications config

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Production-style serving: gunicorn with WhiteNoise, the Celery worker and beat, all stopped together.
# Needs SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL and REDIS_URL in the environment (DEBUG defaults to off).
serve: install
	DEBUG=$${DEBUG:-0} $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-0} $(PY) manage.py migrate --noinput
	trap 'kill 0' EXIT INT TERM; \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2} & \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=/tmp/backorder-desk-beat & \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/gunicorn config.wsgi --workers $${WEB_CONCURRENCY:-3} \
		--bind $${BIND:-127.0.0.1:8000} --access-logfile - --timeout 30

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .demo-sign-ins test-results node_modules
