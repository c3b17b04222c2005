# Every workflow of the twins. A fresh clone needs only `make run` or `make test`: both depend on setup.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The interpreter .venv is made with (3.11 to 3.14): PYTHON=python3.13 make setup, after make clean.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
PIP := $(BIN)/pip install --disable-pip-version-check
BROWSER_TOOLS := $(VENV)/installed/browser_tests/requirements.txt
FUZZ_TOOLS := $(VENV)/installed/contract_tests/requirements-fuzz.txt
DEPLOY_TOOLS := $(VENV)/installed/deploy_tests/requirements.txt
BENCH_TOOLS := $(VENV)/installed/bench/requirements.txt
FLASK_PORT ?= 5000
DJANGO_PORT ?= 8000
# The PostgreSQL server the PostgreSQL runs create their databases on (and drop them from).
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
DEV_API_TOKEN := dev-api-token
DEV_ADMIN_PASSWORD := dev-admin-password
# The development databases, SQLite files when DATABASE_URL is not set (and their WAL files).
DEV_DATABASES := flask_impl/instance/items.sqlite3* django_impl/db.sqlite3*
# What make run and make reset leave in them (`$(MAKE) $(DEV_DATA)`): migrated, seeded, the admin
# user admin. One make, so that both twins migrate once.
DEV_DATA := --no-print-directory seed admin ADMIN_USERNAME=admin ADMIN_PASSWORD=$(DEV_ADMIN_PASSWORD)
# The twins' CLIs, in development mode unless DEBUG is set (DEBUG=0 needs SECRET_KEY, as serve does).
FLASK := cd flask_impl && DEBUG=$${DEBUG:-1} $(BIN)/flask --app wsgi
DJANGO := cd django_impl && DEBUG=$${DEBUG:-1} $(PY) manage.py
# The contract suite (and the workshop's exercise tests), in one process: the twins' servers run
# beside it (twin_servers/). Without the pytest plugins of the venv's other packages
# (schemathesis's and Hypothesis's, for the fuzz tests alone; pytest-django, for the twins' own
# tests; anyio): they cost each run about a second.
CONTRACT := $(BIN)/pytest -p no:schemathesis -p no:hypothesispytest -p no:django -p no:anyio \
	contract_tests workshop
# The workshop's runs (test-both, test-flask, test-django) leave out the slow tests and end on the
# side-by-side table and one line per failing test and reason; TB=short (or long, as pytest's --tb)
# adds the tracebacks. Skips are still summed up (-rs): they say how to run what they skip.
TB ?= no
WORKSHOP_RUN = -m "not slow" --tb=$(TB) -rs
# Both twins side by side, output prefixed; when one stops (or on Ctrl-C), both stop (tools/both.py).
# A third argument is passed on after the twins: $(call BOTH,FLASK COMMAND,DJANGO COMMAND,--ready LINES).
BOTH = $(PY) -m tools.both flask $(FLASK_PORT) "$(1)" django $(DJANGO_PORT) "$(2)" $(3)

.PHONY: help setup migrate migrations seed admin run serve test test-units test-make test-both test-flask \
	test-django test-postgres test-scale test-fuzz test-faults test-deploy test-browser test-workshop screenshots \
	bench bench-micro bench-servers compare compare-html lint format clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## create .venv with what running and testing the twins needs (idempotent)
# A setup that stopped half-way leaves .venv without its stamp: the next one starts from nothing.
$(VENV)/.installed: requirements-dev.txt flask_impl/requirements.txt django_impl/requirements.txt \
		contract_tests/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "make setup: the twins need Python 3.11 to 3.14, and $(PYTHON) is %d.%d; choose one with PYTHON=python3.13 make setup" % sys.version_info[:2])'
	@[ -f $@ ] || rm -rf $(VENV)
	@echo "make setup: .venv with $$($(PYTHON) --version), the twins and their tests (about 37 MB to download)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-dev.txt || { rm -rf $(VENV); echo "make setup failed; $(VENV) removed, so the next try starts afresh" >&2; exit 1; }
	@touch $@

# Heavier tools, installed by the targets that use them on first use (again when the file changes):
# the browser driver, the fuzzers, the compose validators, plotting and a second server.
$(VENV)/installed/%: % | $(VENV)/.installed
	@echo "make: installing $< into .venv (first use only)"
	$(PIP) -r $<
	@mkdir -p $(@D) && touch $@

migrate: setup  ## apply both twins' migrations (to DATABASE_URL, else the development databases)
	$(FLASK) db upgrade
	$(DJANGO) migrate --noinput

# The exercises' model changes become migrations; with none, nothing is written. Flask's revision is
# numbered after the last one, as Django numbers its own.
migrations: migrate  ## both twins' migration generators, after a model change (NAME=item_price)
	$(FLASK) db migrate --rev-id $$(printf %04d $$(($$(ls migrations/versions/*.py | wc -l) + 1))) \
		-m "$(or $(NAME),model change)"
	$(DJANGO) makemigrations items $(if $(NAME),--name "$(NAME)")

seed: migrate  ## load seed/items.json into both twins (idempotent)
	$(FLASK) seed
	$(DJANGO) seed

admin: migrate  ## create the admin user ADMIN_USERNAME (default admin), or reset its ADMIN_PASSWORD
	$(FLASK) create-admin
	$(DJANGO) createadmin

# What make run prints before the twins start, and again once both answer: their start-up logs
# scroll the first copy away.
RUN_LINES = "Flask twin:  http://127.0.0.1:$(FLASK_PORT)/    admin: http://127.0.0.1:$(FLASK_PORT)/admin/" \
	"Django twin: http://127.0.0.1:$(DJANGO_PORT)/    admin: http://127.0.0.1:$(DJANGO_PORT)/admin/" \
	"Admin login: admin / $(DEV_ADMIN_PASSWORD)" \
	"API token for writes: $(DEV_API_TOKEN)   (Authorization: Bearer $(DEV_API_TOKEN))"

run: setup  ## both twins with auto-reload: Flask on :5000, Django on :8000
	@$(MAKE) $(DEV_DATA)
	@printf '%s\n' $(RUN_LINES)
	@export DEBUG=1 API_TOKEN=$(DEV_API_TOKEN); $(call BOTH,\
		$(FLASK) run --debug --port $(FLASK_PORT),$(DJANGO) runserver $(DJANGO_PORT),\
		--ready $(RUN_LINES))

.PHONY: reset test-migrations-postgres doctor

# No setup first: it checks a laptop before any venv exists, with the Python make setup would use.
doctor:  ## check a laptop before the workshop: Python, make, ports, venv, databases migrated
	@command -v $(PYTHON) >/dev/null || { echo "make doctor: no $(PYTHON); install Python 3.11 to 3.14 (python.org, brew, apt)" >&2; exit 1; }
	@MAKE="$(MAKE)" VENV="$(VENV)" FLASK_PORT=$(FLASK_PORT) DJANGO_PORT=$(DJANGO_PORT) $(PYTHON) -m tools.doctor


# Deleted, not migrated down: a database ahead of the code (another branch's migrations) cannot be.
reset: setup  ## fresh development databases for both twins, migrated and seeded, as make run makes them
	@[ -z "$$DATABASE_URL" ] || { echo "make reset: DATABASE_URL is set; reset recreates the development SQLite files only, so unset it first." >&2; exit 1; }
	rm -f $(DEV_DATABASES)
	@$(MAKE) $(DEV_DATA)

serve: setup  ## both twins under Gunicorn with DEBUG=0 (needs SECRET_KEY; API_TOKEN for writes)
	@[ -n "$$SECRET_KEY" ] || { echo "make serve: SECRET_KEY is not set; export a long random value first." >&2; exit 1; }
	@[ -n "$$API_TOKEN" ] || echo "make serve: API_TOKEN is not set, so every API write gets 401; export one to allow writes."
	@# Django: once, before the server, as the image's build does (serve.sh does not).
	cd django_impl && DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	@export DEBUG=0 PATH="$(BIN):$$PATH"; $(call BOTH,\
		GUNICORN_BIND=127.0.0.1:$(FLASK_PORT) flask_impl/serve.sh,GUNICORN_BIND=127.0.0.1:$(DJANGO_PORT) django_impl/serve.sh)

# The attendee's working tree as it is: the Makefile's own tests (test-make) and the replays of the
# exercises' solutions (test-workshop) are the maintainers', and CI runs them in copies.
test: lint test-units  ## lint, each twin's unit tests, the whole contract suite against both twins
	$(CONTRACT)

test-units: setup  ## each twin's own unit tests, and those of tools/ (the concept map, make run, make doctor)
	cd flask_impl && $(BIN)/pytest
	cd django_impl && $(BIN)/pytest
	$(BIN)/pytest tools

test-make: setup  ## setup, migrations and run, run for real in copies of the repository
	$(BIN)/pytest make_tests

# workshop/ holds the workshop's exercise tests: skipped unless EXERCISE=N names one.
# The workshop's loop: the contract suite but its few slow tests (marked slow: make test runs them).
test-both: setup  ## the contract suite against both live twins, side by side; EXERCISE=N adds its tests
	$(CONTRACT) $(WORKSHOP_RUN)

test-flask: setup  ## the contract suite against the Flask twin
	$(CONTRACT) $(WORKSHOP_RUN) --twin flask

test-django: setup  ## the contract suite against the Django twin
	$(CONTRACT) $(WORKSHOP_RUN) --twin django

test-postgres: setup  ## the contract suite with both twins on PostgreSQL at POSTGRES_URL
	$(CONTRACT) --postgres "$(POSTGRES_URL)"

# Each twin's tests/test_migrations.py on PostgreSQL too: its own database on POSTGRES_URL's server.
test-migrations-postgres: setup  ## both twins' migrations on populated databases, on PostgreSQL at POSTGRES_URL
	cd flask_impl && MIGRATIONS_POSTGRES_URL="$(POSTGRES_URL)" $(BIN)/pytest tests/test_migrations.py -k postgresql
	cd django_impl && MIGRATIONS_POSTGRES_URL="$(POSTGRES_URL)" $(BIN)/pytest tests/test_migrations.py -k postgresql

test-scale: setup  ## 3 replicas of each twin behind nginx (deploy/nginx.conf) on PostgreSQL at POSTGRES_URL
	POSTGRES_URL="$(POSTGRES_URL)" $(BIN)/pytest -p no:django -p no:anyio scale_tests

test-fuzz: $(FUZZ_TOOLS)  ## schemathesis, the differential fuzzer and sqlmap against both twins; POSTGRES=1 on PostgreSQL
	$(BIN)/pytest contract_tests -m fuzz --fuzz $(if $(POSTGRES),--postgres "$(POSTGRES_URL)")

test-faults: setup  ## database down and back, graceful stop, a soak (SOAK_DURATION s, 30) on both twins
	$(BIN)/pytest fault_tests

test-deploy: $(DEPLOY_TOOLS)  ## docker-compose.yml and the Dockerfiles: validated, linted, run on PostgreSQL
	$(BIN)/pytest deploy_tests

test-browser: $(BROWSER_TOOLS) browser_tests/node_modules/.installed  ## both twins' pages in headless Chromium: they work, axe-core and the Nu Html Checker pass them
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

screenshots: $(BROWSER_TOOLS)  ## PNG screenshots of both twins' pages, seeded, into docs/img/
	$(PY) -m browser_tests.screenshots

bench: $(BENCH_TOOLS)  ## load benchmark: both twins and a bare-WSGI baseline under Gunicorn (needs wrk)
	$(PY) bench/run.py

bench-micro: $(BENCH_TOOLS)  ## in-process cost of each endpoint in each twin, and where it goes, by layer
	$(PY) bench/micro.py

bench-servers: $(BENCH_TOOLS)  ## both twins under Gunicorn and under Granian, measured in turn (needs wrk)
	$(PY) bench/servers.py

lint: setup  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove the venv, caches and development databases
	rm -rf $(VENV) .ruff_cache .runs flask_impl/instance django_impl/db.sqlite3* django_impl/staticfiles
	find . \( -name __pycache__ -o -name .pytest_cache \) -type d -prune -exec rm -rf {} +
