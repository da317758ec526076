# Kinerja: `make demo` runs the demo, `make test` runs the whole test suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SOP_FILE := kinerja/sops/data/sop-mekanisme-pengumpulan-data-kinerja.yaml
DEMO_ENV := KINERJA_DEMO=1 DEBUG=0 DJANGO_SETTINGS_MODULE=kinerja.settings
PYTEST_ARGS ?=

.PHONY: install install-test lock audit pdf-libraries system-packages demo test lint messages clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Kinerja needs Python 3.11 ($(PYTHON) not found). Set PYTHON=/path/to/python3.11."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The dependencies come from the lock files in requirements/ (exact versions, PyPI's SHA-256
# hashes); pyproject.toml only states the ranges. Kinerja itself is installed without
# dependencies and without build isolation, so nothing unhashed is downloaded (setuptools is
# in the lock files too).
install: $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .

install-test: $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements/test.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .

# Tools that are not Kinerja's dependencies (pip-tools, pip-audit) live in their own venv.
TOOLS_VENV := $(VENV)/tools

$(TOOLS_VENV)/bin/python:
	$(PYTHON) -m venv $(TOOLS_VENV)

# Regenerate requirements/*.txt after changing the dependencies in pyproject.toml. Versions
# already locked are kept unless they no longer fit: `make lock LOCK_ARGS=--upgrade` moves
# everything to the newest allowed version, `LOCK_ARGS="--upgrade-package django"` one package.
# Only PyPI is asked (local pip configuration is ignored), so the hashes are PyPI's.
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT \
  PIP_CONFIG_FILE=/dev/null $(TOOLS_VENV)/bin/pip-compile --quiet --generate-hashes \
  --strip-extras --allow-unsafe --build-deps-for=editable \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
LOCK_ARGS ?=

lock: $(TOOLS_VENV)/bin/python
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip-tools
	$(PIP_COMPILE) --output-file=requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra=test --constraint=requirements/base.txt \
	  --output-file=requirements/test.txt pyproject.toml

# Known vulnerabilities in the locked runtime dependencies. Needs the vulnerability service
# (PyPI's JSON API), so it is run on the production host, not in CI.
audit: $(TOOLS_VENV)/bin/python
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip-audit
	$(TOOLS_VENV)/bin/pip-audit --strict --require-hashes --disable-pip -r requirements/base.txt

# Debian packages: Pango and HarfBuzz for WeasyPrint's PDFs (the demo too); Chromium for the
# browser tests, gettext for the catalog check and LibreOffice Calc for the tests that open
# Kinerja's workbooks in a real spreadsheet program (tests only).
pdf-libraries:
	@missing=""; \
	ldconfig -p | grep -q libpango-1.0.so.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libharfbuzz-subset.so.0 || missing="$$missing libharfbuzz-subset0"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing the Debian packages that PDF documents need:$$missing (apt-get, needs root)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	  || { echo "Could not install$$missing. Install them with: apt-get install$$missing"; exit 1; }; \
	fi

system-packages: pdf-libraries
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages the tests need:$$missing (apt-get, needs root)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	  || { echo "Could not install$$missing. Install them with: apt-get install$$missing"; exit 1; }; \
	fi

# Beside the web server, the task worker files the documents of the steps completed in the
# demo. It runs in a session of its own (setsid), so that Ctrl+C reaches only the web server;
# the trap then stops the worker once, gracefully (a document being rendered is finished and
# filed), however the server ends. The reminders' sweep runs every five minutes beside them
# (cron's job in production); the demo's mail is written under data/mail/.
demo: install pdf-libraries
	mkdir -p data
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v0
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v0
	$(DEMO_ENV) $(PY) manage.py demo_setup
	$(DEMO_ENV) $(PY) manage.py demo_accounts
	@echo "Kinerja demo on http://127.0.0.1:$(PORT)/ (Ctrl+C stops it and its task worker)"
	@$(DEMO_ENV) setsid $(PY) manage.py db_worker --interval 2 --no-reload & worker=$$!; \
	$(DEMO_ENV) setsid sh -c 'while :; do $(PY) manage.py send_reminders -v0; sleep 300; done' & \
	sweeper=$$!; \
	trap 'kill -TERM $$worker -$$sweeper 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The collected static files (the pages' CSS and JavaScript, compressed: about 20 s), made
# again only when a static file or a dependency has changed since.
staticfiles/staticfiles.json: $(shell find static -type f) requirements/base.txt requirements/test.txt
	DJANGO_SETTINGS_MODULE=kinerja.test_settings $(PY) manage.py collectstatic --no-input -v0

# TEST_MARKS, a pytest -m expression, chooses part of the suite (empty: all of it), e.g.
# `make test TEST_MARKS="sqlite or browser or demo"` (.ci/run's SQLite pass; the markers are
# described in pyproject.toml). --durations: the 25 slowest, to keep the suite fast.
TEST_MARKS ?=
TEST_ONLY = $(if $(strip $(TEST_MARKS)),($(TEST_MARKS)) and ,)
test: install-test system-packages staticfiles/staticfiles.json
	$(PY) -m pytest -n 2 -m "$(TEST_ONLY)not own_process" --durations=25 $(PYTEST_ARGS)
	$(PY) -m pytest -m "$(TEST_ONLY)own_process" $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: none chosen

# Style (ruff), the layer order of the packages (import-linter, [tool.importlinter] in
# pyproject.toml) and the types of the rule modules (mypy with django-stubs, [tool.mypy]).
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) staticfiles data/kinerja.sqlite3

# After changing UI text: extract the messages, translate the new ones in
# locale/id/LC_MESSAGES/django.po, then compile (the .mo file is committed).
messages: install-test
	DJANGO_SETTINGS_MODULE=kinerja.test_settings $(PY) manage.py makemessages -l id --no-obsolete \
	  -i ".venv/*" -i "staticfiles/*" -i "data/*" -i "node_modules/*" -i "static/*" -i "docs/*"
	msgfmt --check -o locale/id/LC_MESSAGES/django.mo locale/id/LC_MESSAGES/django.po
