# The two promises of the README: `make demo` and `make test`, each from nothing.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
PORT ?= 8000

.PHONY: install demo test test-sqlite test-postgres lint bench openapi messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/cityloop demo --port $(PORT)

test: install lint test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest

lint: install
	$(BIN)/ruff check src benchmarks
	$(BIN)/mypy src/cityloop
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/run_all.py

openapi: install
	DJANGO_SETTINGS_MODULE=cityloop.config.settings.test $(BIN)/cityloop openapi --output docs/openapi.json

messages: install
	cd src/cityloop && ../../$(BIN)/cityloop makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/cityloop compilemessages

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
