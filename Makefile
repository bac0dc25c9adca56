# The two commands: `make run` and `make test`. Both create .venv and install the project when needed;
# `make test` also installs the Debian packages its tests drive (Chromium, PostgreSQL) when missing (.ci/packages).
# `make check` validates plugins.toml and type-checks core/ (mypy, strict; see [tool.mypy] in pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "practica needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/practica run --config ./plugins.toml

check: $(STAMP)
	@$(BIN)/practica check --config ./plugins.toml
	@$(BIN)/mypy

# compileall first: many tests start `practica run` processes, and where PYTHONDONTWRITEBYTECODE is set
# (as on this machine) each would compile the project's modules from source again (~0.2 s a start);
# only stale files are compiled, into the usual (git-ignored) __pycache__ folders.
test: $(STAMP)
	@.ci/packages
	@$(BIN)/python -m compileall -q core plugins adapters bench
	@$(BIN)/python -m pytest

bench: $(STAMP)
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache
