# `make run`: the site on SQLite with demo data. `make test`: lint and the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8000
# The sandboxes follow the site's port (8000 -> Medogram 8090, Click 8091, Payme 8092), so
# two copies run side by side: `PORT=8100 make run`.
SANDBOX_PORT ?= $(shell expr $(PORT) + 90)
CLICK_SANDBOX_PORT ?= $(shell expr $(PORT) + 91)
PAYME_SANDBOX_PORT ?= $(shell expr $(PORT) + 92)
LOCAL = http://127.0.0.1
# The embedded default: SQLite, tasks run in-process (no broker), and the three local
# provider sandboxes with demo credentials (docs/sandboxes.md): no money moves anywhere.
DEV_ENV = DEBUG=1 CELERY_TASK_ALWAYS_EAGER=1 SITE_URL=$(LOCAL):$(PORT) \
	MEDOGRAM_API_KEY=dev-sandbox-key MEDOGRAM_URL=$(LOCAL):$(SANDBOX_PORT) \
	CLICK_SERVICE_ID=12345 CLICK_MERCHANT_ID=777 CLICK_MERCHANT_USER_ID=777 \
	CLICK_SECRET_KEY=dev-click-secret CLICK_PAY_URL=$(LOCAL):$(CLICK_SANDBOX_PORT)/services/pay \
	CLICK_MERCHANT_API_URL=$(LOCAL):$(CLICK_SANDBOX_PORT)/v2/merchant \
	PAYME_MERCHANT_ID=5e730e8e0b852a417aa49ceb PAYME_KEY=dev-payme-key \
	PAYME_CHECKOUT_URL=$(LOCAL):$(PAYME_SANDBOX_PORT) \
	PAYME_SUBSCRIBE_URL=$(LOCAL):$(PAYME_SANDBOX_PORT)/api
# Unset development secrets are warned about by the first command only, not by all five.
QUIET = KVARTIRABAR_DEV_SECRETS_ANNOUNCED=1

.PHONY: run test test-pgbouncer lint bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	@$(BIN)/python -m config.ports PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) \
		CLICK_SANDBOX_PORT=$(CLICK_SANDBOX_PORT) PAYME_SANDBOX_PORT=$(PAYME_SANDBOX_PORT)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py medogram_sandbox --port $(SANDBOX_PORT) & medogram=$$!; \
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py click_sandbox --port $(CLICK_SANDBOX_PORT) & click=$$!; \
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py payme_sandbox --port $(PAYME_SANDBOX_PORT) & payme=$$!; \
	trap 'kill $$medogram $$click $$payme 2>/dev/null' EXIT INT TERM; \
	sleep 2; \
	echo; \
	echo "Local providers (pay through any of them from /my/auctions/):"; \
	echo "  Medogram sandbox  $(LOCAL):$(SANDBOX_PORT)/__sandbox__/state"; \
	echo "  Click sandbox     $(LOCAL):$(CLICK_SANDBOX_PORT)/"; \
	echo "  Payme sandbox     $(LOCAL):$(PAYME_SANDBOX_PORT)/"; \
	echo "The site: $(LOCAL):$(PORT)/ (seller / kvartirabar-demo)"; \
	echo; \
	$(DEV_ENV) $(QUIET) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

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
