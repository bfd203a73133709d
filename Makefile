# gate: `make demo` runs gate on the bundled example; `make test` runs the test suite.
# Both create .venv and install the pinned, hash-checked dependency set on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck imports ci bench clean lock

$(STAMP): requirements/dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gate demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check gate tests
	$(BIN)/ruff format --check gate tests

typecheck: $(STAMP)
	$(BIN)/mypy --strict gate

imports: $(STAMP)
	$(BIN)/lint-imports

ci: test lint typecheck imports

# Issue 10's benchmark: gate against same-run baselines, ~15 minutes, writes bench/RESULTS.md. Not part of
# `make test` (tests/test_bench_smoke.py runs small workloads there). `.venv/bin/python -m bench --quick` for a look.
bench: $(STAMP)
	$(BIN)/python -m bench

# Regenerate the pinned set after editing requirements/*.in (needs pip-tools in the venv).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o dev.txt dev.in

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
