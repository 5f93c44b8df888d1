"""Shared fixtures: an isolated PODIUM_HOME, the demo models, and the data folder.

Core tests run on the real benchmark data when it is there (PODIUM_DATA_DIR or
../shared/data) and otherwise on the synthetic fixture tasks, and say which. Tests marked
`data` need the real folder and skip with the reason when it is absent. Tests that need a
service (PostgreSQL, chromium, Playwright) skip without it, and fail under CI (`support.ci`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podium import paths
from support.ci import under_ci


def pytest_configure(config):
    home = Path(config.rootpath) / ".pytest_cache" / "podium-home"
    os.environ.setdefault("PODIUM_HOME", str(home))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    paths.ensure_nltk_data()


def pytest_report_header(config):
    real = paths.data_dir()
    return [f"podium data: {real}" if real else
            "podium data: no real data folder found (PODIUM_DATA_DIR, ../shared/data): core tests use the "
            "synthetic fixture tasks; tests marked 'data' are skipped",
            "services: CI=true, so a missing PostgreSQL, chromium or Playwright fails its tests" if under_ci() else
            "services: a missing PostgreSQL, chromium or Playwright skips its tests (they fail under CI=true)"]


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    found = paths.data_dir()
    if found is None:
        pytest.skip("needs the real benchmark data folder: set PODIUM_DATA_DIR or place it at ../shared/data")
    return found


@pytest.fixture(scope="session")
def eval_data_dir(tmp_path_factory) -> Path:
    """The real data folder, or synthetic fixtures written once per session."""
    found = paths.data_dir()
    if found is not None:
        return found
    from podium.eval.data.fixtures import write_fixture_data

    return write_fixture_data(tmp_path_factory.mktemp("fixture-data"))


@pytest.fixture(scope="session")
def demo_models(eval_data_dir) -> dict[str, Path]:
    """The tiny demo models, built into the test PODIUM_HOME's model mirror (reused across runs)."""
    from podium.engine.demo import build_demo_models

    root = paths.podium_home() / "models"
    os.environ["PODIUM_MODELS_ROOT"] = str(root)
    return build_demo_models(root, data=eval_data_dir)
