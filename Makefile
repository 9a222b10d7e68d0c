# The registry's two everyday commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run reset-demo test test-sqlite test-postgres lint bench install install-run clean

# `make run` installs only what running needs (requirements.txt); `make test` adds the test
# tools (requirements-test.txt). Each is reinstalled whenever its requirements change.
$(BIN)/.installed-run: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed-run requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

install-run: $(BIN)/.installed-run
install: $(BIN)/.installed-test

## make run: install, migrate, load reference and demo data, re-screen, print demo sign-ins
## (kept across restarts) and the address, serve on :8000
run: install-run
	$(FLASK) db upgrade
	$(FLASK) seed reference
	$(FLASK) seed demo
	$(FLASK) screening rerun
	$(FLASK) accounts demo
	@echo "Open http://$${REGISTRY_BIND:-127.0.0.1:8000}/ and sign in with an account above (Ctrl-C stops)."
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## make reset-demo: new passwords for the demo accounts and a new demo API token
reset-demo: install-run
	$(FLASK) accounts demo --reset

## make test: install, then the whole suite on SQLite and on PostgreSQL
test: install test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest

# Runs against $(PG_TEST_URL). Without PostgreSQL it is skipped loudly, except in CI.
test-postgres: install
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(PG_TEST_URL)" 2>/dev/null; then \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "FAIL: PostgreSQL is not reachable at $(PG_TEST_URL), and CI=true requires it." >&2; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL is not reachable at $(PG_TEST_URL); set PG_TEST_URL to run the suite on it." >&2; \
	fi

## make lint: install, then ruff's lint rules and formatting check (tests/test_lint.py runs both too)
lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## make bench: the registry against a bare Flask route, Datasette and sqlite3 (see benchmarks/README.md)
# benchmarks/run.py builds and re-runs itself in its own venv (benchmarks/.venv).
bench:
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
