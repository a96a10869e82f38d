# Standing: the front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
CHECKOV := $(TOOLS)/checkov
STAMP := $(VENV)/.installed
PORT ?= 3000

.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck cfn-lint sam-validate checkov serve build deploy openapi bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/$$(PORT)/$(PORT)/g' \
		| awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt layers/common/requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (or run: make PYTHON=python3 ...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(TOOLS)/.installed: requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet -r requirements-tools.txt
	touch $@

demo: $(STAMP) ## generate a marketplace and run the whole pipeline on embedded AWS (writes out/)
	$(BIN)/standing demo --out out

test: $(STAMP) lint typecheck cfn-lint sam-validate checkov ## lint, mypy, cfn-lint, sam validate --lint, checkov, then the whole pytest suite (offline)
	$(BIN)/standing openapi --check
	$(BIN)/standing schemas --check
	$(BIN)/pytest

lint: $(STAMP) ## ruff check and ruff format --check over functions, layers, local tooling, tests and benchmarks
	$(BIN)/ruff check functions layers standing_local tests bench
	$(BIN)/ruff format --check functions layers standing_local tests bench

typecheck: $(STAMP) ## mypy over the shared package and handlers
	$(BIN)/mypy layers/common/standing functions standing_local

cfn-lint: $(STAMP) ## lint template.yaml
	$(BIN)/cfn-lint template.yaml

sam-validate: $(TOOLS)/.installed ## `sam validate --lint` (SAM CLI lives in its own environment: it pins its own boto3)
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(TOOLS)/bin/sam validate --lint --template template.yaml

$(CHECKOV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV)/bin/python || $(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

checkov: $(CHECKOV)/.installed ## checkov over template.yaml; each waived check and its reason are in .checkov.yaml
	$(CHECKOV)/bin/checkov -f template.yaml --config-file .checkov.yaml --quiet --compact

serve: $(STAMP) ## the API, partner pages and console on 127.0.0.1:$(PORT) over embedded AWS (out/ of make demo)
	$(BIN)/standing serve --port $(PORT)

openapi: $(STAMP) ## regenerate docs/openapi.json from the handlers
	$(BIN)/standing openapi

bench: $(STAMP) ## run the benchmarks (print figures)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/backtest.py
	$(BIN)/python bench/backtest_memory.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/cost.py

# sam build needs the functions' runtime (python3.13) to build the layer: pyenv's newest 3.13, else a python3.13 on
# PATH that really is 3.13 (pyenv's shim fails unless 3.13 is selected). `make build PY313=/path` overrides.
PY313 ?= $(shell for p in $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.13.*/bin/python3.13 \
	2>/dev/null | sort -V | tail -1) $$(command -v python3.13 2>/dev/null); do "$$p" -c 'import sys; \
	assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)

build: $(TOOLS)/.installed ## sam build (layer with BuildMethod python3.13, arm64; finds a python3.13 itself)
	@test -n "$(PY313)" || { echo "make build: sam build needs Python 3.13 (the Lambda runtime) and none was found." \
		"Install one: 'pyenv install 3.13', or 'apt-get install python3.13', or 'uv python install 3.13';" \
		"or point at one: make build PY313=/path/to/python3.13"; exit 1; }
	@echo "sam build with $(PY313)"
	PATH="$(dir $(PY313)):$$PATH" SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam build --template template.yaml

deploy: build ## sam deploy --guided
	$(TOOLS)/bin/sam deploy --guided

clean: ## remove outputs and build artefacts
	rm -rf out .aws-sam .pytest_cache .ruff_cache .mypy_cache
