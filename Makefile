# One-command set-up: `make run` serves the service with its demo page,
# `make test` runs the whole test suite. Both create the virtualenv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-fast services system-deps bench lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	@echo "Serving on http://127.0.0.1:$(PORT)/demo (API under /api/, moderation at /moderate); a worker sends mail and webhooks"
	@# The worker runs beside gunicorn; Ctrl-C (or gunicorn ending) stops both, the worker after its job in hand.
	@$(BIN)/flask --app wsgi worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

system-deps:
	scripts/system-deps.sh

services:
	scripts/services.sh

test: system-deps $(VENV)/.installed services
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check comments_service tests bench config.py wsgi.py

bench: system-deps $(VENV)/.installed services
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
