# Every target creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JavaScript clients the live tests run (Comunica), pinned by their lock file.
CLIENTS := tests/clients
CLIENTS_STAMP := $(CLIENTS)/node_modules/.installed
# The dashboard (web/), built by esbuild into service/api/static, which the service serves and
# the wheel carries; rebuilt when a source or the lock file changes.
WEB := web
WEB_STATIC := service/api/static
WEB_STAMP := $(WEB_STATIC)/.built
WEB_SOURCES := $(wildcard $(WEB)/src/*) $(WEB)/build.mjs $(WEB)/package.json $(WEB)/package-lock.json \
	service/whatif/scenario.schema.json

.PHONY: serve test bench lint docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP) $(WEB_STAMP)
	$(BIN)/triskel serve --host 127.0.0.1 --port 8000 --open --load-if-empty data/example

$(CLIENTS_STAMP): $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(CLIENTS_STAMP)

$(WEB_STAMP): $(WEB_SOURCES)
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $(WEB_STAMP)

# Test files spread over TEST_WORKERS processes (pytest-xdist), a file's tests on one worker:
# the module-scoped servers and stores are started once per file, as in a serial run. Files
# holding slow tests go first (tests/conftest.py, with --no-loadscope-reorder in pyproject.toml).
TEST_WORKERS ?= 2

test: $(STAMP) $(CLIENTS_STAMP) $(WEB_STAMP) lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/triskel ontology export --format html --output docs/index.html

clean:
	rm -rf $(VENV) var .pytest_cache $(CLIENTS)/node_modules $(WEB)/node_modules $(WEB_STATIC)
