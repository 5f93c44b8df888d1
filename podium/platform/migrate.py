"""Schema upgrades through Alembic, with the migration scripts packaged inside Podium.

No alembic.ini: the configuration is built here so `podium db upgrade` (and every command
that opens the database) works from any working directory. Every command checks the schema;
when it is already at HEAD the check is one SELECT and Alembic is not even imported (workers
start often, and importing Alembic costs more than the rest of the check).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision (0001-0004, 0007, 0010, 0005, 0011, 0012); a test checks it against the scripts.
HEAD = "0012"


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The head according to the migration scripts (what HEAD must equal)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no version table yet
        return None


def upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        conn.commit()


def ensure_schema(engine: Engine) -> None:
    """Upgrade to head unless already there."""
    if current_revision(engine) != HEAD:
        upgrade(engine)
