# careercenter — `make run` serves the demo on http://127.0.0.1:5000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
# `flask run` reads these, and the app's public URL follows them unless CAREERCENTER_PUBLIC_URL is set.
export FLASK_RUN_HOST := $(HOST)
export FLASK_RUN_PORT := $(PORT)

.PHONY: run test lint demo-db clean system-deps system-deps-test

run: $(VENV)/.runtime demo-db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(VENV)/.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The embedded default: SQLite in instance/, migrated, with the demo campus.
demo-db: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo

system-deps:
	bash scripts/install-system-deps.sh --runtime

system-deps-test:
	bash scripts/install-system-deps.sh

$(VENV)/.runtime: setup.cfg pyproject.toml
	bash scripts/install-system-deps.sh --runtime
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime package.json
	bash scripts/install-system-deps.sh
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) node_modules instance test-artifacts .pytest_cache .hypothesis

# Benchmarks at the size of a large university (PostgreSQL on BENCH_POSTGRES_URL's server, default
# postgresql://postgres@127.0.0.1:5432/test; it makes its own databases careercenter_bench*).
# Results go to bench/results/*.json; BENCHMARKS.md says what they mean. About 15 minutes.
BENCH_PYTHON ?= $(BIN)/python
.PHONY: bench
bench: $(VENV)/.test
	$(BENCH_PYTHON) bench/seed_scale.py
	$(BENCH_PYTHON) bench/seed_scale.py --students 6000 --experiences 24000 --awards 10000 --database careercenter_bench_10k
	$(BENCH_PYTHON) bench/registrar_pull.py
	$(BENCH_PYTHON) bench/transcript.py
	$(BENCH_PYTHON) bench/pages.py
	$(BENCH_PYTHON) bench/load.py
