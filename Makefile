# Readout: `make demo` and `make test` do all set-up on a fresh machine (Python 3.11 + pip).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test test-fast lint format bench bot clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==25.3
	# torch first and pinned: unpinned, pip picks a multi-GB CUDA build (FINDINGS.md).
	$(BIN)/pip install -q torch==2.13.0
	# llama-cpp-python has no wheel for this platform: the first install compiles it (~11 min).
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/readout ingest examples/corpus
	$(BIN)/readout sources
	$(BIN)/readout ask "What did the US readout leave out that Japan's readout included?"

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy retrieval ingest bot

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m benchmarks.run

bot: install
	$(BIN)/readout bot

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
