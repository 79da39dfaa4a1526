# Fieldbook's task runner. `make run` and `make test` set everything up on a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)

.PHONY: run test bench lint format worker migrations-check clean-venv

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Fieldbook needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)  ## Set up and serve Fieldbook with the demo investigation on 127.0.0.1:$${PORT:-8000}
	@scripts/run

test: $(STAMP)  ## The whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## Benchmarks on a scratch PostgreSQL database; writes bench/results.md
	@scripts/bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(STAMP)  ## A Celery worker and beat, without the web server (needs REDIS_URL)
	@scripts/run --worker-only

migrations-check: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean-venv:
	rm -rf $(VENV)
