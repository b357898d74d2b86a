# EducateNext API. `make run` serves, `make test` tests; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Test processes (pytest-xdist): each has its own MongoDB-wire server, Redis and databases.
TEST_WORKERS ?= auto
export FLASK_APP := wsgi

.PHONY: system-deps install install-bench run deploy-local test lint format migrate migrate-status bootstrap backup restore openapi openapi-check security bench bench-gunicorn loadtest stress chaos seed explain profile clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: install
	$(BIN)/python -m devservers.devstack run

# The deployed shape on this machine: nginx (deploy/nginx.conf, port 8080) -> gunicorn
# (production config, generated secrets in var/) -> app, Redis and the Mongo-wire server.
deploy-local: install system-deps
	$(BIN)/python -m devservers.devstack deploy

# nginx for the deployment tests (Debian's nginx-light); where it cannot be installed those
# tests skip and say why.
system-deps:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
		(apt-get install -y -q nginx-light >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q nginx-light >/dev/null 2>&1)) || \
		echo "nginx could not be installed: tests/deployment will be skipped"

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --cov --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/python -m devservers.devstack flask migrate up $(if $(DRY_RUN),--dry-run,)

backup: install
	$(BIN)/python -m devservers.devstack flask backup --out $(or $(OUT),var/backup-$(shell date +%Y%m%d-%H%M%S).enbak) $(if $(KEY_FILE),--key-file $(KEY_FILE),)

restore: install
	$(BIN)/python -m devservers.devstack flask restore $(ARCHIVE) $(if $(KEY_FILE),--key-file $(KEY_FILE),)

bootstrap: install
	$(BIN)/python -m devservers.devstack flask bootstrap $(ARGS)

migrate-status: install
	$(BIN)/python -m devservers.devstack flask migrate status

openapi: install
	EDUCATENEXT_ENV=testing $(BIN)/flask openapi write --format=json docs/openapi.json
	@echo "wrote docs/openapi.json"

openapi-check: install
	EDUCATENEXT_ENV=testing LOG_LEVEL=ERROR $(BIN)/flask openapi print --format=json | diff -u docs/openapi.json - && echo "docs/openapi.json is current"

security: install
	$(BIN)/python scripts/security_scorecard.py

BENCH_STAMP := $(VENV)/.bench-stamp

install-bench: $(BENCH_STAMP)

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@command -v wrk >/dev/null || (echo "wrk is needed: apt-get install -y wrk" && exit 1)
	touch $(BENCH_STAMP)

# The real stack under wrk at scales S and 10xS; report in docs/benchmarks/ (takes ~40 min
# the first time, most of it seeding 1M attendance records; seeded data is reused).
# gunicorn worker class/count/threads through nginx with wrk (docs/benchmarks/gunicorn.md).
bench-gunicorn: install-bench system-deps
	$(BIN)/python scripts/bench/gunicorn_tuning.py

# Faults under a steady load through nginx with a client ledger per fault (about 4 minutes):
# Redis killed and frozen, the Mongo-wire server stopped and SIGKILLed, gunicorn workers
# SIGKILLed mid-writes and at the commit of an enrollment and a payment transaction.
# Prints each fault with its ledger result and recovery time; report in docs/chaos.md.
chaos: install system-deps
	$(BIN)/python scripts/chaos/run.py

bench: install-bench
	$(BIN)/python scripts/bench/run.py
	$(BIN)/python scripts/bench_auth.py $(ITERATIONS)
	$(BIN)/python scripts/bench_records.py
	$(BIN)/python scripts/bench/uncached_cpu.py

loadtest: install-bench
	$(BIN)/python scripts/loadtest/run.py

# A school morning stepped up to the knee, every user its own account (STRESS_SCALE=S|10S);
# report and plot in docs/benchmarks/stress-<scale>.md.
stress: install-bench
	$(BIN)/python scripts/stress/run.py

# Generate schools into the configured database (make seed ARGS="--students 5000").
seed: install
	$(BIN)/python -m devservers.devstack flask seed $(ARGS)

# Query plans of every shape the API issues (on a scratch database); fails on a bad plan.
explain: install
	$(BIN)/python -m devservers.devstack flask db explain

profile: install
	$(BIN)/python -m devservers.devstack flask db profile --seconds $(or $(SECONDS),60)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* htmlcov
