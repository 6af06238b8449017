# Formwork: `make run` sets everything up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FORMWORK_DATA_DIR ?= var

.PHONY: run test lint typecheck web venv setup demo clean bench

run: venv web
	$(BIN)/formwork demo
	FORMWORK_DEMO=1 $(BIN)/formwork serve

venv: $(VENV)/.installed

# Reinstalled only when the dependency pins or the project metadata change.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(shell find web/src web/index.html web/vite.config.ts web/tsconfig*.json -type f 2>/dev/null)
	cd web && npm run build --silent

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

test: venv web lint typecheck
	$(BIN)/pytest -q -n 2 --dist loadgroup

bench: venv
	$(BIN)/python bench/records.py

clean:
	rm -rf $(VENV) web/node_modules web/dist var
