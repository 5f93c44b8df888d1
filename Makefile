# Podium: `make serve` runs the main job, `make test` runs the linter and the tests. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: install browser lint test demo serve bench clean

install: $(VENV)/.installed

# torch==2.13.0 first: the CPU build on disk. A bare `torch` requirement would pull a CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test]'
	touch $@

# Browser tests drive Debian's chromium with Playwright (`playwright install` cannot download here).
browser:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium) || \
	  echo "chromium could not be installed: browser tests will be skipped and say so"

# The linter (configuration in pyproject.toml: pycodestyle, pyflakes, isort, bugbear, pyupgrade).
lint: install
	$(PY) -m ruff check .

test: install browser lint
	$(PY) -m pytest -q

# The leaderboard with its embedded SQLite store and a local worker evaluating the demo models.
serve: install
	$(VENV)/bin/podium serve --demo

# One offline evaluation of a demo model, printed as a table (no server).
demo: install
	$(VENV)/bin/podium demo

clean:
	rm -rf $(VENV) podium-data runs .pytest_cache
