# The two commands: `make run` (serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format worker beat bench bench-fulfillment bench-returns bench-seller-money clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# Serves the demo on http://$(HOST):$(PORT). Tasks run eagerly unless CELERY_BROKER_URL is set
# (then a worker and beat run beside the server). DEBUG is on for the local demo only.
run: install
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-dev.sh

# The whole suite. On PostgreSQL + Redis when DATABASE_URL / CELERY_BROKER_URL are set; SQLite otherwise.
test: install
	@if [ "$$(id -u)" = 0 ]; then bash scripts/install-debian-packages.sh; fi
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A marketplace worker -Q default,allocation,labels,returns,media,inbound,consolidation --loglevel=INFO

beat: install
	$(BIN)/celery -A marketplace beat --loglevel=INFO

# Pages (anonymous cached, fresh, logged in) vs the trivial view; then the checkout's queries per step and orders/s.
bench: install
	bash scripts/install-debian-packages.sh
	$(BIN)/python bench/run.py
	$(BIN)/python bench/checkout.py --clients 8 --orders 60 --rounds 3

bench-fulfillment: install
	$(BIN)/python bench/fulfillment.py

bench-returns: install
	$(BIN)/python bench/returns.py

bench-seller-money: install
	$(BIN)/python bench/seller_money.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
