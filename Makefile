# The two commands of the quickstart are `make demo` and `make test`; both set everything up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-real lint groovy-lint typecheck pytest bench tools cross-tools schemas snapshots clean

# A virtualenv with cipipe (editable) and its test tools. A recent pip matters: since 26.3 its
# console-script wrapper no longer imports `re`, which halves `cipipe --help` start-up.
# `.[test]` includes every extra (all, coverage, parquet): `make test` exercises all of cipipe;
# `pip install cipipe` alone is the core (README: Installation).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=26.3"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Debian tools the pipeline runs for real (installed when we are root; otherwise listed): the
# demo builds and tests all three platforms, so the ARM and Windows cross toolchains, qemu-user
# and wine too.
tools:
	@bash .ci/install-debian-tools

# And what only the tests need: PostgreSQL, Chromium, Groovy.
cross-tools:
	@bash .ci/install-debian-tools --cross

# The pipeline on the sample service, then the learning loop (dashboard, shadow report, backtest,
# policy diff) on a synthetic history seeded into the demo's own store, demo/synthetic/.
demo: $(STAMP) tools
	@bash examples/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# npm-groovy-lint on vars/ and Jenkinsfile.example, from the npm registry (skipped without node).
groovy-lint:
	@bash .ci/groovy-lint

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: $(STAMP) cross-tools lint groovy-lint typecheck pytest

# The full builds of yaml-cpp and spdlog (../shared/repos, or CIPIPE_REAL_REPOS) for linux, arm and
# windows with yaml-cpp's googletest suite run natively and under qemu; the default suite builds
# only their libraries and small programs.
test-real: $(STAMP) cross-tools
	CIPIPE_REQUIRE_TOOLS=1 $(BIN)/pytest -m real_full tests/real

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Regenerate the JSON Schemas and golden files from the code; review the diff before committing.
schemas: $(STAMP)
	$(BIN)/cipipe schema --write schemas

# Golden files only (tests/_data/snapshots/; never schemas/): the tests still check what they can
# of each new file and name the ones they rewrote. Refused in CI (tests/support/snapshots.py).
snapshots: $(STAMP)
	CIPIPE_UPDATE_SNAPSHOTS=1 $(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis demo
