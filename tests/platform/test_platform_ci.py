"""Both databases stay tested under CI: an unreachable PostgreSQL skips the PostgreSQL tests on a
developer's machine and fails them with `CI=true` (the rule lives in `support.ci`, shared with the
browser tests). Each case runs one real PostgreSQL-backed test in a child pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # the discard port: nothing listens
ONE_POSTGRES_TEST = "tests/platform/test_platform_queue.py::test_cancel_and_requeue[postgresql]"


def child_pytest(target: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "CI"} | env
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", target],
                          cwd=TESTS.parent, env=environment, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 error")])
def test_an_unreachable_postgresql_skips_locally_and_fails_under_ci(ci, outcome):
    run = child_pytest(ONE_POSTGRES_TEST, PODIUM_TEST_PG_URL=UNREACHABLE, **({"CI": ci} if ci else {}))
    assert outcome in run.stdout, run.stdout[-2000:]
    assert "PostgreSQL at " + UNREACHABLE + " is not reachable" in run.stdout
    assert (run.returncode == 0) == (not ci), run.stdout[-2000:]


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 failed"), ("1", "1 failed"),
                                         ("false", "1 skipped")])
def test_require_or_skip_fails_only_under_ci(tmp_path, ci, outcome):
    test = tmp_path / "test_needs_a_service.py"
    test.write_text("from support.ci import require_or_skip\n\n"
                    "def test_it():\n    require_or_skip('needs the frobnicator')\n")
    run = child_pytest(str(test), PYTHONPATH=str(TESTS), **({"CI": ci} if ci else {}))
    assert outcome in run.stdout and "needs the frobnicator" in run.stdout, run.stdout[-2000:]
