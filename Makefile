# Every target creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JavaScript clients the live tests run (Comunica), pinned by their lock file.
CLIENTS := tests/clients
CLIENTS_STAMP := $(CLIENTS)/node_modules/.installed

.PHONY: serve test bench lint docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/triskel serve --host 127.0.0.1 --port 8000 --open --load-if-empty data/example

$(CLIENTS_STAMP): $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(CLIENTS_STAMP)

# Test files spread over TEST_WORKERS processes (pytest-xdist), a file's tests on one worker:
# the module-scoped servers and stores are started once per file, as in a serial run.
TEST_WORKERS ?= 2

test: $(STAMP) $(CLIENTS_STAMP) lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/triskel ontology export --format html --output docs/index.html

clean:
	rm -rf $(VENV) var .pytest_cache $(CLIENTS)/node_modules
