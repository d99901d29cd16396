# Every target does its own set-up on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := $(VENV)/.dev-installed
BENCH  := $(VENV)/.bench-installed

.PHONY: run test lint bench fmt clean chromium postgresql messages

run: $(DEV)
	$(BIN)/verbund demo

test: lint chromium postgresql
	$(BIN)/pytest -n 2 --dist loadgroup; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure, not a pass" >&2; fi; \
	exit $$rc

lint: $(DEV)
	$(BIN)/ruff check --no-cache src tests bench
	$(BIN)/ruff format --no-cache --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The page tests drive Debian's Chromium (never a downloaded browser build).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# The PostgreSQL tests need a server at 127.0.0.1:5432 (or VERBUND_TEST_DATABASE_URL): start the
# local cluster if it is installed but stopped. Without one, those tests fail and say what to do.
postgresql:
	@[ -n "$$VERBUND_TEST_DATABASE_URL" ] || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		( [ -d /etc/postgresql ] && $(SUDO) pg_ctlcluster --skip-systemctl-redirect \
		  "$$(ls /etc/postgresql | tail -n 1)" main start ) || \
		echo "PostgreSQL is not running at 127.0.0.1:5432: its tests will fail (see tests/conftest.py)" >&2

# The pages' message catalogues: extract the texts, merge them into de and en, compile the .mo
# files (committed, so that a fresh clone works without this step).
LOCALE := src/verbund/web/locale
messages: $(DEV)
	$(BIN)/pybabel extract -F babel.cfg --no-location --omit-header -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D messages --statistics

fmt: $(DEV)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(BENCH)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Verbund needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEV): pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(BENCH): pyproject.toml $(DEV)
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@
