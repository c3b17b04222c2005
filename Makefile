# Every workflow of the twins. A fresh clone needs only `make run` or `make test`: both depend on setup.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
FLASK_PORT ?= 5000
DJANGO_PORT ?= 8000
# The PostgreSQL server the PostgreSQL runs create their databases on (and drop them from).
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
DEV_API_TOKEN := dev-api-token
DEV_ADMIN_PASSWORD := dev-admin-password
# The twins' CLIs, in development mode unless DEBUG is set (DEBUG=0 needs SECRET_KEY, as serve does).
FLASK := cd flask_impl && DEBUG=$${DEBUG:-1} $(BIN)/flask --app wsgi
DJANGO := cd django_impl && DEBUG=$${DEBUG:-1} $(PY) manage.py
# The contract suite (and the workshop's exercise tests), the twins tested in parallel: one
# pytest-xdist worker per twin (-n auto; serial when one twin is chosen). Without its fuzz tests,
# which alone need the pytest plugins of schemathesis and Hypothesis, nor the plugins of the venv's
# other packages (pytest-django, for the twins' own tests; anyio): they cost each process ~1 s.
CONTRACT := $(BIN)/pytest -n auto -p no:schemathesis -p no:hypothesispytest -p no:django \
	-p no:anyio contract_tests workshop
# Both twins side by side, output prefixed; when one stops (or on Ctrl-C), both stop (tools/both.py).
BOTH = $(PY) -m tools.both flask $(FLASK_PORT) "$(1)" django $(DJANGO_PORT) "$(2)"

.PHONY: help setup migrate seed admin run serve test test-units test-both test-flask test-django \
	test-postgres test-fuzz test-faults test-deploy test-browser test-workshop screenshots \
	bench bench-micro bench-servers compare compare-html lint format clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## create .venv and install everything (idempotent)
$(VENV)/.installed: requirements-dev.txt flask_impl/requirements.txt django_impl/requirements.txt \
		contract_tests/requirements.txt bench/requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

migrate: setup  ## apply both twins' migrations (to DATABASE_URL, else the development databases)
	$(FLASK) db upgrade
	$(DJANGO) migrate --noinput

seed: migrate  ## load seed/items.json into both twins (idempotent)
	$(FLASK) seed
	$(DJANGO) seed

admin: migrate  ## create the admin user ADMIN_USERNAME (default admin), or reset its ADMIN_PASSWORD
	$(FLASK) create-admin
	$(DJANGO) createadmin

run: seed  ## both twins with auto-reload: Flask on :5000, Django on :8000
	@$(MAKE) --no-print-directory admin ADMIN_USERNAME=admin ADMIN_PASSWORD=$(DEV_ADMIN_PASSWORD)
	@echo "Flask twin:  http://127.0.0.1:$(FLASK_PORT)/    admin: http://127.0.0.1:$(FLASK_PORT)/admin/"
	@echo "Django twin: http://127.0.0.1:$(DJANGO_PORT)/    admin: http://127.0.0.1:$(DJANGO_PORT)/admin/"
	@echo "Admin login: admin / $(DEV_ADMIN_PASSWORD)"
	@echo "API token for writes: $(DEV_API_TOKEN)   (Authorization: Bearer $(DEV_API_TOKEN))"
	@export DEBUG=1 API_TOKEN=$(DEV_API_TOKEN); $(call BOTH,\
		$(FLASK) run --debug --port $(FLASK_PORT),$(DJANGO) runserver $(DJANGO_PORT))

serve: setup  ## both twins under Gunicorn with DEBUG=0 (needs SECRET_KEY; API_TOKEN for writes)
	@[ -n "$$SECRET_KEY" ] || { echo "make serve: SECRET_KEY is not set; export a long random value first." >&2; exit 1; }
	@export DEBUG=0 PATH="$(BIN):$$PATH"; $(call BOTH,\
		GUNICORN_BIND=127.0.0.1:$(FLASK_PORT) flask_impl/serve.sh,GUNICORN_BIND=127.0.0.1:$(DJANGO_PORT) django_impl/serve.sh)

test: lint test-units  ## lint, both twins' unit tests, the whole contract suite on both (slow tests too)
	$(CONTRACT)

test-units: setup  ## each twin's own unit tests, and the concept map's (tools/)
	cd flask_impl && $(BIN)/pytest
	cd django_impl && $(BIN)/pytest
	$(BIN)/pytest tools

# workshop/ holds the workshop's exercise tests: skipped unless EXERCISE=N names one.
# The workshop's loop: the contract suite but its few slow tests (marked slow: make test runs them).
test-both: setup  ## the contract suite against both live twins, side by side; EXERCISE=N adds its tests
	$(CONTRACT) -m "not slow"

test-flask: setup  ## the contract suite against the Flask twin
	$(CONTRACT) -m "not slow" --twin flask

test-django: setup  ## the contract suite against the Django twin
	$(CONTRACT) -m "not slow" --twin django

test-postgres: setup  ## the contract suite with both twins on PostgreSQL at POSTGRES_URL
	$(CONTRACT) --postgres "$(POSTGRES_URL)"

test-fuzz: setup  ## schemathesis, the differential fuzzer and sqlmap against both twins; POSTGRES=1 on PostgreSQL
	$(BIN)/pytest contract_tests -m fuzz --fuzz $(if $(POSTGRES),--postgres "$(POSTGRES_URL)")

test-faults: setup  ## database down and back, graceful stop, a soak (SOAK_DURATION s, 30) on both twins
	$(BIN)/pytest fault_tests

test-deploy: setup  ## docker-compose.yml and the Dockerfiles: validated, linted, run on PostgreSQL
	$(BIN)/pytest deploy_tests

test-browser: setup browser_tests/node_modules/.installed  ## both twins' pages in headless Chromium (Debian's chromium): they work, axe-core and the Nu Html Checker pass them
	$(BIN)/pytest browser_tests
# The page checkers, pinned in package-lock.json: axe-core, and vnu-jar (run by Debian's Java). No
# install scripts: vnu-jar's would download a Java of its own.
browser_tests/node_modules/.installed: browser_tests/package.json browser_tests/package-lock.json
	npm ci --prefix browser_tests --ignore-scripts --no-audit --no-fund
	touch $@

test-workshop: setup  ## each workshop exercise's solution, applied to a copy of the repo, passes
	$(PY) -m workshop.check

compare: setup  ## every concept's place in both twins; CONCEPT=model shows its code side by side
	$(PY) -m tools.compare $(CONCEPT)

compare-html: setup  ## docs/side-by-side.html: every concept's code in both twins, two columns
	$(PY) -m tools.compare --html docs/side-by-side.html

screenshots: setup  ## PNG screenshots of both twins' pages, seeded, into docs/img/
	$(PY) -m browser_tests.screenshots

bench: setup  ## load benchmark: both twins and a bare-WSGI baseline under Gunicorn (needs wrk)
	$(PY) bench/run.py

bench-micro: setup  ## in-process cost of each endpoint in each twin, and where it goes, by layer
	$(PY) bench/micro.py

bench-servers: setup  ## both twins under Gunicorn and under Granian, measured in turn (needs wrk)
	$(PY) bench/servers.py

lint: setup  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove the venv, caches and development databases
	rm -rf $(VENV) .pytest_cache .ruff_cache flask_impl/instance django_impl/db.sqlite3* django_impl/staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
