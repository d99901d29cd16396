# Every target does its own set-up on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := $(VENV)/.dev-installed
BENCH  := $(VENV)/.bench-installed
# Compiled by mypyc (see the rule for $(COMPILED) below).
COMPILE  := engine/engine engine/agents engine/places engine/queues engine/states \
            engine/policies engine/commands engine/effects sim/driver
COMPILED := src/verbund/.compiled

.PHONY: run test lint bench fmt clean chromium postgresql messages compiled pure

run: $(DEV) $(COMPILED)
	$(BIN)/verbund demo

# The whole suite on the compiled modules; then the engine's and the simulator's tests once more
# on the same source interpreted (a copy without the compiled modules), as installed by pip.
test: lint chromium postgresql $(COMPILED)
	VERBUND_BUILD=compiled $(BIN)/pytest -n 2 --dist loadgroup; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure, not a pass" >&2; fi; \
	[ $$rc -eq 0 ] || exit $$rc; \
	rm -rf .pure && mkdir .pure && cp -r src/verbund .pure/ && find .pure -name '*.so' -delete && \
	VERBUND_BUILD=pure PYTHONPATH=.pure $(BIN)/pytest -n 2 -q -p no:cacheprovider \
		tests/engine tests/sim tests/test_compiled.py

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

bench: $(BENCH) $(COMPILED)
	$(BIN)/python -m bench

clean: pure
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .pure .mypyc.log

# The engine's core and the simulator's driver, compiled by mypyc from the very same Python source
# (the simulator runs about 1.6× as fast: BENCHMARKS.md). Without them (`make pure`, or installed
# by pip) the same source runs interpreted; `import verbund` refuses a compiled module that is
# older than its source, so an edit is never silently shadowed: `make compiled` again.
compiled: $(COMPILED)

$(COMPILED): $(DEV) $(COMPILE:%=src/verbund/%.py) mypyc.ini
	@echo "compiling the engine's core and the simulator's driver with mypyc (about a minute)"
	@cd src && ../$(BIN)/mypyc --config-file ../mypyc.ini $(COMPILE:%=verbund/%.py) \
		> ../.mypyc.log 2>&1 || { cat ../.mypyc.log; exit 1; }
	@rm -rf src/build
	@touch $@

pure:
	find src -name '*.so' -delete
	rm -rf src/build $(COMPILED)

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
