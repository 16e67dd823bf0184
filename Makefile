# cxdesk: `make demo` opens the app on a demo store; `make test` runs every test;
# `make lint` runs ruff (check and format) and pyright; `make central-migration`
# writes a central-schema revision from models.py.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint format clean central-migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cxdesk demo

# Two workers, one per core; work stealing evens out the few long sync tests.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python -m bench

# pyright's own all-clear line counts its findings ("0 errors, 0 warnings, ..."), which
# reads like a problem in a log: its report is shown only when it finds something.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@report=$$($(BIN)/pyright 2>&1) || { echo "$$report"; exit 1; }; echo "pyright: no type errors"

# A new revision of the central schema from models.py: make central-migration MESSAGE="..."
central-migration: $(STAMP)
	$(BIN)/python -m cxdesk.sync.server.revision "$(MESSAGE)"

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
