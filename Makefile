# `make run`: the site on SQLite with demo data. `make test`: lint and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8000
SANDBOX_PORT ?= 8090
# The embedded default: SQLite, the local Medogram sandbox, tasks run in-process (no broker).
DEV_ENV = DEBUG=1 CELERY_TASK_ALWAYS_EAGER=1 MEDOGRAM_API_KEY=dev-sandbox-key \
	MEDOGRAM_URL=http://127.0.0.1:$(SANDBOX_PORT)

.PHONY: run test test-pgbouncer lint bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py medogram_sandbox --port $(SANDBOX_PORT) & sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -n 2 -p no:cacheprovider

# The locking and callback tests again with DATABASE_URL pointing at PgBouncer in
# transaction pooling mode (CONTRACT 8; .ci/run starts one). --reuse-db: the test databases
# are created through PgBouncer but dropped directly, where no pooled connection holds them.
# The benchmark's smoke run (its own database and server) runs once, in `make test`.
test-pgbouncer: $(BIN)/.installed
	$(BIN)/pytest -n 2 -p no:cacheprovider --reuse-db payments_click payments_payme
	$(BIN)/pytest -n 2 -p no:cacheprovider --reuse-db -m postgres \
		--ignore=payments_click --ignore=payments_payme --ignore=bench
