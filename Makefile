# The two commands of the README:
#   make run   — set up (virtualenv, install, migrate, sync exercises, demo course) and serve at http://127.0.0.1:5000
#   make test  — install what the tests need and run the whole suite (.ci/run calls this)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test translations setup

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MLE Lab needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@$(MAKE) --no-print-directory translations

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(MAKE) --no-print-directory translations

translations:
	$(BIN)/pybabel compile -d webapp/translations

setup: install
	$(FLASK) db upgrade
	$(FLASK) exercises sync
	$(FLASK) demo

run: setup
	@echo "MLE Lab is starting at http://$(HOST):$(PORT)  (gunicorn; stop with Ctrl+C)"
	$(BIN)/gunicorn -c webapp/gunicorn_conf.py --bind $(HOST):$(PORT) --access-logfile - 'webapp:create_app()'

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
