# trialmart — `make run` builds the warehouse, `make test` proves it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAW_DIR ?= data/raw
WAREHOUSE ?= data/warehouse.duckdb
PREFECT_PORT ?= 4200

# offline and quiet by default; an exported value wins
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DBT_SEND_ANONYMOUS_USAGE_STATS ?= false
export DBT_VERSION_CHECK ?= false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export STREAMLIT_BROWSER_GATHER_USAGE_STATS ?= false

.PHONY: run test test-fast install browser duckdb1 bench dashboard docs export lint lock \
        server pool deploy worker trigger clean help

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP)  ## create .venv with the pinned dependencies

run: $(STAMP)  ## run the whole pipeline on data/raw into data/warehouse.duckdb
	$(BIN)/trialmart run --raw-dir $(RAW_DIR) --warehouse $(WAREHOUSE)

browser:  ## Debian's Chromium for the dashboard browser test (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium chromium-driver" >&2; fi; }

duckdb1: .venv-duckdb1/.installed  ## a DuckDB 1.5 client, to prove the published file opens in older clients
.venv-duckdb1/.installed:
	test -x .venv-duckdb1/bin/python || $(PYTHON) -m venv .venv-duckdb1
	.venv-duckdb1/bin/python -m pip install --quiet 'duckdb>=1.5,<1.6'
	touch $@

test: $(STAMP) browser duckdb1  ## every test: unit, golden, fuzz, dbt, GX, flows, deployment, browser
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)  ## the tests that need no server, browser or full pipeline
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)  ## benchmarks: 1k, 10k and 100k documents (set BENCH_SIZES to change; BENCH_MODE=registry: the bulk export zip, 50k/200k/550k members; BENCH_FORMAT=xml: the legacy XML zip)
	$(BIN)/python benchmarks/$(if $(filter registry,$(BENCH_MODE)),registry.py,run.py) $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES),) $(if $(BENCH_FORMAT),--format $(BENCH_FORMAT),)

dashboard: $(STAMP)  ## the dashboard on http://127.0.0.1:8501 over the published warehouse (read-only)
	TRIALMART_WAREHOUSE=$(WAREHOUSE) $(BIN)/streamlit run dashboard/app.py --server.headless true \
	  --server.address 127.0.0.1 --server.port 8501 --browser.gatherUsageStats false

docs: $(STAMP)  ## dbt docs as one self-contained page: build/docs/index.html
	$(BIN)/trialmart docs

export: $(STAMP)  ## every mart as Parquet under data/export/
	$(BIN)/trialmart export --warehouse $(WAREHOUSE) --out-dir data/export

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check src flows tests benchmarks dashboard && $(BIN)/ruff format --check src flows

lock:  ## re-pin requirements.lock from the current .venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^trialmart' > requirements.lock

# --- scheduled runs: a local Prefect server, a process work pool, the deployment, a worker ---
server: $(STAMP)  ## start a local Prefect server on 127.0.0.1:$(PREFECT_PORT) (foreground)
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT)

pool: $(STAMP)  ## create the process work pool used by prefect.yaml
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/prefect work-pool create trialmart-process --type process --overwrite

deploy: $(STAMP)  ## register the deployments of prefect.yaml with the server
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/prefect --no-prompt deploy --all

worker: $(STAMP)  ## start a worker on the pool (foreground)
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/prefect worker start --pool trialmart-process

trigger: $(STAMP)  ## run the daily deployment now and watch it (needs make server + make worker)
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api $(BIN)/prefect deployment run 'trialmart/daily' --watch

clean:  ## remove the warehouse, the build area and caches (not .venv)
	rm -rf data/warehouse.duckdb data/.trialmart data/export build .pytest_cache
