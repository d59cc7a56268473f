# `make run`: the site on SQLite with demo data. `make test`: lint and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8000
# Each copy's sandbox follows its site port (8000 -> 8090, 8100 -> 8190), so two copies run
# side by side: `PORT=8100 make run`.
SANDBOX_PORT ?= $(shell expr $(PORT) + 90)
# The embedded default: SQLite, the local Medogram sandbox, tasks run in-process (no broker).
DEV_ENV = DEBUG=1 CELERY_TASK_ALWAYS_EAGER=1 MEDOGRAM_API_KEY=dev-sandbox-key \
	MEDOGRAM_URL=http://127.0.0.1:$(SANDBOX_PORT)
# Unset development secrets are warned about by the first command only, not by all four.
QUIET = KVARTIRABAR_DEV_SECRETS_ANNOUNCED=1

.PHONY: run test lint bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	@$(BIN)/python -m config.ports PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py medogram_sandbox --port $(SANDBOX_PORT) & sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -n 2 -p no:cacheprovider
