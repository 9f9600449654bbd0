# Readout: `make demo` and `make test` do all set-up on a fresh machine (Python 3.11 + pip).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# llama-cpp-python compiles llama.cpp on install. Its default -march=native enables the AMX
# kernels on CPUs that have AMX, and on this kind of machine (a VM with AMX flags) they segfault
# on the first multi-token batch; an explicit AVX2 build runs on any x86-64-v3 CPU instead.
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
endif

.PHONY: install demo test test-fast lint format bench bot adapter clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==25.3
	# torch first and pinned: unpinned, pip picks a multi-GB CUDA build (FINDINGS.md).
	$(BIN)/pip install -q torch==2.13.0
	# llama-cpp-python has no wheel for this platform: the first install compiles it (~11 min).
	# pip caches the built wheel regardless of CMAKE_ARGS: `pip cache remove llama_cpp_python`
	# before changing them.
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/readout ingest examples/corpus
	# The sample article's plain-text header names no publisher: say it once; later runs keep it.
	$(BIN)/readout ingest examples/corpus/000_20936f9da8db826c.txt --publisher "Global Times"
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

# Refit the bundled question adapter (retrieval/assets/question_adapter.npz) on the tuning sets of
# examples/eval. The dev set and blind13-17 stay out of it: they are what it is scored on.
ADAPTER_SETS := heldout fresh abstain blind blind2 blind3 blind4 blind5 blind6 blind7 blind8 \
	blind9 blind10 blind11 blind12
adapter: install
	$(BIN)/readout ingest examples/corpus
	$(BIN)/readout ingest examples/corpus/000_20936f9da8db826c.txt --publisher "Global Times"
	$(BIN)/readout tune $(ADAPTER_SETS:%=examples/eval/%_questions.jsonl) \
		--out retrieval/assets/question_adapter.npz

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
