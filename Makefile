# One-command set-up: `make run` serves the service with its demo page,
# `make test` runs the whole test suite. Both create the virtualenv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The core API and cache suites, run a second time through a private PgBouncer
# in transaction pooling mode (deploy/pgbouncer.ini). Tests that need a direct
# connection to PostgreSQL (the pool and fault tests) are not among them.
PGBOUNCER_SUITES ?= tests/test_threads.py tests/test_thread_shape.py tests/test_likes.py \
	tests/test_moderation_api.py tests/test_stale_approval.py tests/test_cache.py \
	tests/test_widgets.py tests/test_read_path.py tests/test_posts.py tests/test_shapes.py

.PHONY: run test test-fast test-pgbouncer services system-deps bench lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The benchmark's own tools (py-spy), beside the test tools (gevent, for gunicorn's workers, is a runtime need).
$(VENV)/.installed-bench: bench/requirements.txt $(VENV)/.installed
	$(BIN)/pip install -q -r bench/requirements.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	@echo "Serving on http://127.0.0.1:$(PORT)/demo (API under /api/, moderation at /moderate); a worker sends mail and webhooks"
	@# The worker runs beside gunicorn; Ctrl-C (or gunicorn ending) stops both, the worker after its job in hand.
	@# One gevent worker without REDIS_URL: live events then reach the streams of one process only.
	@$(BIN)/flask --app wsgi worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	GUNICORN_BIND=127.0.0.1:$(PORT) GUNICORN_WORKERS=$${GUNICORN_WORKERS:-$$([ -n "$$REDIS_URL$$REDIS_SENTINELS" ] && echo 2 || echo 1)} \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

system-deps:
	scripts/system-deps.sh

services:
	scripts/services.sh

test: system-deps $(VENV)/.installed services
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	TEST_VIA_PGBOUNCER=1 $(BIN)/python -m pytest -q $(PGBOUNCER_SUITES)

test-pgbouncer: system-deps $(VENV)/.installed services
	TEST_VIA_PGBOUNCER=1 $(BIN)/python -m pytest -q $(PGBOUNCER_SUITES)

lint: $(VENV)/.installed
	$(BIN)/ruff check comments_service tests bench config.py wsgi.py

bench: system-deps $(VENV)/.installed-bench services
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
