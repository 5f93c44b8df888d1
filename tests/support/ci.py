"""What a missing service means: a skip on a developer's machine, a failure under CI.

"Tested on PostgreSQL and in a real browser" must not quietly shrink to "tested on SQLite"
because a server was down or chromium was not installed. Every test that needs an outside
service (PostgreSQL, chromium, Playwright) asks `require_or_skip` instead of calling
`pytest.skip`, so that with `CI=true` (what CI systems set) the absence fails the run.
The real benchmark data folder is not such a service: without it the suites run on the
synthetic fixture tasks and the tests marked `data` skip, under CI too.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CI_VALUES = {"1", "true", "yes", "on"}


def under_ci() -> bool:
    """True when the CI environment variable says so (`CI=true`, as GitHub, GitLab and others set it)."""
    return os.environ.get("CI", "").strip().lower() in CI_VALUES


def require_or_skip(reason: str) -> NoReturn:
    """A required service is missing: skip the test with `reason`, or fail it under CI."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: a required service is missing, so this fails instead of skipping)",
                    pytrace=False)
    pytest.skip(reason)
