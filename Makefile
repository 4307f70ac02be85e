# The README's commands. Everything is installed from nothing on first use.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
FLASK  := FLASK_APP=wsgi.py $(VENV)/bin/flask
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres install assets clean bench worker scheduler

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

crm/static/vendor/.copied: node_modules/.installed
	mkdir -p crm/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js crm/static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css crm/static/vendor/pico.min.css
	cp node_modules/sortablejs/Sortable.min.js crm/static/vendor/Sortable.min.js
	touch $@

assets: crm/static/vendor/.copied

install: $(VENV)/.installed assets

# Local development: SQLite under instance/, the demo organization, debug server on 127.0.0.1.
run: install
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) crm seed-demo
	FLASK_DEBUG=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Background jobs from Redis (REDIS_URL must be set; without it jobs run inside the web process).
worker: install
	$(FLASK) crm worker

# The clock: nightly rescoring, the daily digest, and re-sending jobs whose worker died. Run one.
scheduler: install
	$(FLASK) crm scheduler

# The whole suite on SQLite; then, when TEST_DATABASE_URL is set, again on PostgreSQL.
test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	 else echo "TEST_DATABASE_URL is not set: the PostgreSQL pass (row-level security) was not run."; fi

test-sqlite:
	CRM_TEST_BACKEND=sqlite $(PY) -m pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres:
	CRM_TEST_BACKEND=postgres $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# The benchmark (bench/): its own PostgreSQL database (crm_bench), created, migrated and seeded
# with 1,000,000 leads on first use, then timed as the app role. BENCH_ARGS="--check" fails on a
# missed target; BENCH_SUPERUSER_URL points at another server.
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules crm/static/vendor .pytest_cache
