# persona360 — the commands a newcomer needs. Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

.PHONY: install bytecode demo test test-fast lint fmt check bench docs lock clean

$(STAMP): pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	# Byte-compiled at install: with PYTHONDONTWRITEBYTECODE set (common in containers)
	# every process would otherwise compile pandas, Splink and friends again (~3-19 s).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/dev.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# persona360's own modules byte-compiled (an editable install is not): with
# PYTHONDONTWRITEBYTECODE set, every CLI run and server start compiled them again
# (~0.1 s each). Up-to-date files are skipped, so this costs ~0.1 s when nothing changed.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 src/persona360

## The demo shop through the whole pipeline, then the server on 127.0.0.1:8360.
demo: bytecode
	$(BIN)/persona360 --db demo-shop/persona360.duckdb demo --out demo-shop

## The whole test suite (unit, integration with real DuckDB/uvicorn/Spark, end to end in Chromium).
test: bytecode
	bash tests/e2e/setup.sh
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/codespell src docs README.md
	$(BIN)/mypy src/persona360

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

check: lint test

## Benchmarks print figures; they are never part of the test run.
bench: bytecode
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/segments.py
	$(BIN)/python bench/predict.py
	$(BIN)/python bench/ui.py

docs: $(STAMP)
	$(BIN)/python -c "from persona360.settings import settings_markdown as m; print(m(), end='')" > docs/settings.md

## Re-pin requirements/*.txt from pyproject.toml (after changing a dependency).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --no-header --quiet -o requirements/main.txt
	$(BIN)/uv pip compile pyproject.toml --extra spark --extra names --group dev --no-header --quiet -o requirements/dev.txt

clean:
	rm -rf $(VENV) demo-shop .pytest_cache .ruff_cache
