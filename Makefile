# Backorder Desk: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format worker beat serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@cat .demo-sign-ins 2>/dev/null || true
	@echo "Serving http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Production-style serving: gunicorn with WhiteNoise, the Celery worker and beat, all stopped together.
# Needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL in the environment (DEBUG defaults to off).
serve: install
	DEBUG=$${DEBUG:-0} $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-0} $(PY) manage.py migrate --noinput
	trap 'kill 0' EXIT INT TERM; \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2} & \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=/tmp/backorder-desk-beat & \
	DEBUG=$${DEBUG:-0} $(VENV)/bin/gunicorn config.wsgi --workers $${WEB_CONCURRENCY:-3} \
		--bind $${BIND:-127.0.0.1:8000} --access-logfile - --timeout 30

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .demo-sign-ins test-results
