# film: the README's commands. `make demo` and `make test` set everything up on a fresh machine.
PY    ?= python3
VENV  ?= .venv
BIN   := $(VENV)/bin
DEMO  ?= demo
SHOTS ?= 8

.PHONY: demo test lint bench bench-batch bench-compose bench-offline bench-pipeline bench-rebuild \
        bench-startup \
        bench-story clean help

help:
	@echo "make demo   - install and make an offline film from examples/demo.txt into $(DEMO)/final.mp4"
	@echo "make test   - install and run the test suite"
	@echo "make lint   - ruff"
	@echo "make bench  - run the benchmarks in bench/ (results in bench/RESULTS.md)"

$(BIN)/python:
	$(PY) -m venv $(VENV) || { echo "'$(PY) -m venv' failed: apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml examples/plugins/film-solid/pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q -e examples/plugins/film-solid   # the example plugin and its test
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/film run --description-file examples/demo.txt -n $(SHOTS) -p $(DEMO) --model offline
	@echo "Your film: $(DEMO)/final.mp4"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

bench: bench-startup bench-rebuild bench-pipeline bench-story bench-batch bench-compose bench-offline

bench-batch: $(VENV)/.installed-test
	$(BIN)/python bench/bench_batch.py

bench-compose: $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_compose.py

bench-offline: $(VENV)/.installed-test
	$(BIN)/python bench/bench_offline.py

bench-pipeline: $(VENV)/.installed-test
	$(BIN)/python bench/bench_pipeline.py

bench-rebuild: $(VENV)/.installed-test
	$(BIN)/python bench/bench_rebuild.py

bench-story: $(VENV)/.installed-test
	$(BIN)/python bench/bench_story.py

bench-startup: $(VENV)/.installed-test
	$(BIN)/python bench/bench_startup.py

clean:
	rm -rf $(DEMO) .pytest_cache .ruff_cache
