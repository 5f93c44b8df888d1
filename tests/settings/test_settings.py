"""Every environment variable is read in podium/settings.py, typed, and documented in one table."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from podium.settings import DOC_PATH, EnvSettings, settings_doc, trace_base

PACKAGE = Path(__file__).resolve().parents[2] / "podium"


def test_docs_settings_table_is_generated_from_the_module():
    assert DOC_PATH.read_text() == settings_doc(), "run: python -m podium.settings --write"


def test_only_the_settings_module_touches_the_environment():
    found = subprocess.run(["grep", "-rln", "--include=*.py", r"os\.environ\|getenv", str(PACKAGE)],
                           capture_output=True, text=True)
    assert [Path(p).relative_to(PACKAGE).as_posix() for p in found.stdout.split()] == ["settings.py"]


def test_every_podium_variable_named_in_the_package_is_in_the_table():
    named = set()
    for path in PACKAGE.rglob("*.py"):
        named |= set(re.findall(r"\bPODIUM_[A-Z_]+\b", path.read_text()))
    documented = set(re.findall(r"`(PODIUM_[A-Z_]+)`", DOC_PATH.read_text()))
    assert named - {"PODIUM_TASKS_DIR"} <= documented


def test_a_snapshot_is_typed_with_defaults(tmp_path):
    env = EnvSettings.read({"PODIUM_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "PODIUM_DB_URL": ""})
    assert (env.home, env.models, env.hub_offline) == (tmp_path.resolve(), tmp_path.resolve() / "models", True)
    assert env.database_url == f"sqlite:///{tmp_path.resolve() / 'podium.db'}"  # empty counts as unset
    assert env.platform_config_file() is None
    (tmp_path / "platform.yaml").write_text("quota_per_org: 3\n")
    assert env.platform_config_file() == tmp_path.resolve() / "platform.yaml"
    assert "secret" not in repr(EnvSettings.read({"PODIUM_SECRET_KEY": "secret"}))


def test_the_trace_base_comes_from_one_function_in_order():
    env = EnvSettings.read({"PODIUM_TRACE_BASE": "org/env-base"})
    assert trace_base("org/flag", "org/setting", env) == "org/flag"
    assert trace_base(None, "org/setting", env) == "org/setting"
    assert trace_base(None, None, env) == "org/env-base"
    assert trace_base(None, None, EnvSettings.read({})) == "openai-community/gpt2"
