# Podium: `make serve` runs the main job, `make test` runs the linter and the tests. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: install browser lint test demo serve bench clean

install: $(VENV)/.installed

# torch first, as its CPU build: PyPI's Linux torch is the CUDA build (gigabytes of GPU libraries).
# Where pip's own configuration already offers the CPU build (a local wheel or mirror), that is used;
# elsewhere it comes from PyTorch's CPU index (TORCH_CPU_SOURCE: point it at a mirror if need be).
PYTHON ?= python3
TORCH := 2.13.0
TORCH_CPU_SOURCE ?= --index-url https://download.pytorch.org/whl/cpu
TORCH_OFFERED = $(PY) -m pip install --dry-run -q --no-deps --ignore-installed --report - torch==$(TORCH) 2>/dev/null \
	| $(PY) -c 'import json, sys; print(json.load(sys.stdin)["install"][0]["metadata"]["version"])' 2>/dev/null

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	if [ "$$($(TORCH_OFFERED))" = "$(TORCH)+cpu" ]; then $(PIP) torch==$(TORCH); \
	else $(PIP) torch==$(TORCH) $(TORCH_CPU_SOURCE); fi
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
