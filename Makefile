# Two commands do all the setup on a fresh machine with Python 3.11+:
#   make run   - create .venv if missing, install, migrate, say how to create the first
#                administrator if there is none, start the app on 127.0.0.1:8501
#   make test  - the same setup plus test tools, then the whole test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test migrate bench browser postgresql clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed-run $@

migrate: $(VENV)/.installed-run
	$(BIN)/python -m planner migrate

run: migrate
	-$(BIN)/python -m planner check-admin
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true

browser:
	-sh scripts/install-browser.sh

postgresql:
	-sh scripts/install-postgresql.sh

test: $(VENV)/.installed-dev browser postgresql
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
