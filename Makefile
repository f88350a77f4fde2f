# The two commands: `make demo` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint check serve-demo clean lock

# The runtime for `make demo`; for `make test` and `make lint`, requirements-dev.txt, which holds the runtime and the
# tools on top of it. Both are compiled with hashes (`make lock`), so nothing unpinned or altered is installed.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP) $(DEV_STAMP)

# requirements.in and requirements-dev.in -> requirements.txt and requirements-dev.txt, every package pinned with its
# hashes. Resolved against PyPI alone: this machine's pip config (extra local indexes, find-links, a constraints file)
# is set aside so that the locks hold PyPI's hashes and install anywhere, the Docker build included. Pins already in
# the .txt files are kept; `make lock LOCK_ARGS=--upgrade` (or `--upgrade-package NAME`) moves them.
PIP_COMPILE := env PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT= $(VENV)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --index-url https://pypi.org/simple $(LOCK_ARGS)
lock: $(DEV_STAMP)
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

## Fresh machine -> portal with demo data at http://127.0.0.1:8000 (SQLite, no Redis).
demo: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## Fresh machine -> the full test suite. Set DATABASE_URL (and TEST_REDIS_URL) to run on PostgreSQL, as CI does.
# Two processes (pytest-xdist), a file each at a time: each has its own test database and Redis databases
# (testing/services.py). `make test XDIST=` runs in one.
XDIST ?= -n 2 --dist loadfile
test: $(DEV_STAMP)
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var db.sqlite3
