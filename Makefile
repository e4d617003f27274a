# Two commands set up everything on a fresh machine:
#   make run    install into .venv and open learn-gpt on its bundled data
#   make test   install into .venv (with dev tools) and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml constraints-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints-dev.txt torch
	$(BIN)/pip install --quiet -c constraints-dev.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/learn-gpt

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/threads.py
	$(BIN)/python bench/mlp.py

clean:
	rm -rf $(VENV) build *.egg-info
