# django-personalize: `make demo` serves the Fairway Golf demo, `make test` runs lint + the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format bench install migrate clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e ".[redis,postgres,demo,cms,wagtail]" --group dev
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py loaddemo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations personalize --check --dry-run --settings=tests.settings
	$(BIN)/python manage.py makemigrations personalize_cms --check --dry-run --settings=tests.contrib_cms.settings

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/contrib_cms --ds=tests.contrib_cms.settings
	$(BIN)/python -m pytest tests/contrib_wagtail --ds=tests.contrib_wagtail.settings

bench: install
	$(BIN)/python -m benchmarks

worker: $(STAMP)
	$(BIN)/celery -A demo_site worker -B --loglevel=info

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache db.sqlite3
