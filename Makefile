VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint sandbox chaos bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest

sandbox: $(STAMP)
	$(PY) -m bot sandbox $(ARGS)

chaos: $(STAMP)
	$(PY) bench/chaos.py

bench: $(STAMP)
	for script in bench/faq.py bench/fanout.py bench/selfcheck.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV)
