"""The board change log: which entries a write touched, for web replicas that update their boards in place

Every write that can change a board row (a result, a finished job, a vote, a flag, a pick, a
model's facts or availability, an official provider) logs what it touched through a trigger,
so no code path (the worker, the web, the CLI, a hand-run SQL fix) can forget to. On
PostgreSQL the trigger also sends `NOTIFY podium_board` (an empty payload: notifications of
one transaction fold into one) that the replicas LISTEN to; on SQLite they poll the log. The
log keeps the newest RETAIN changes; a replica further behind than that rebuilds its board.
The trigger list is a frozen copy as of this revision.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 23:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

RETAIN = 100_000
# (table, kind of key, key column, events, condition); a key is an entry (submission id), a repo or an org.
TRIGGERS = (
    ("results", "submission", "submission_id", ("INSERT", "UPDATE", "DELETE"), None),
    ("jobs", "submission", "submission_id", ("UPDATE",), "OLD.state = 'finished' OR NEW.state = 'finished'"),
    ("jobs", "submission", "submission_id", ("DELETE",), "OLD.state = 'finished'"),
    ("submissions", "submission", "id", ("UPDATE", "DELETE"), None),
    ("votes", "submission", "submission_id", ("INSERT", "UPDATE", "DELETE"), None),
    ("models", "repo", "repo_id", ("UPDATE", "DELETE"), None),
    ("flags", "repo", "repo_id", ("INSERT", "UPDATE", "DELETE"), None),
    ("picks", "repo", "repo_id", ("INSERT", "UPDATE", "DELETE"), None),
    ("official_providers", "org", "org", ("INSERT", "UPDATE", "DELETE"), None),
)

PG_FUNCTION = f"""
CREATE FUNCTION podium_board_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_key text;
    old_key text;
    logged bigint;
BEGIN
    IF TG_OP <> 'DELETE' THEN new_key := to_jsonb(NEW) ->> TG_ARGV[1]; END IF;
    IF TG_OP <> 'INSERT' THEN old_key := to_jsonb(OLD) ->> TG_ARGV[1]; END IF;
    IF new_key IS NOT NULL THEN
        INSERT INTO board_changes (kind, key, at) VALUES (TG_ARGV[0], new_key, extract(epoch FROM clock_timestamp()))
        RETURNING id INTO logged;
    END IF;
    IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
        INSERT INTO board_changes (kind, key, at) VALUES (TG_ARGV[0], old_key, extract(epoch FROM clock_timestamp()))
        RETURNING id INTO logged;
    END IF;
    IF logged % 1000 = 0 THEN
        DELETE FROM board_changes WHERE id <= logged - {RETAIN};
    END IF;
    PERFORM pg_notify('podium_board', '');
    RETURN NULL;
END $$
"""
SQLITE_NOW = "(julianday('now') - 2440587.5) * 86400.0"


def _name(table: str, event: str) -> str:
    return f"board_change_{table}_{event.lower()}"


def _sqlite_trigger(table: str, kind: str, column: str, event: str, condition: str | None) -> str:
    log = "INSERT INTO board_changes (kind, key, at) SELECT '{kind}', {row}.{column}, {now} WHERE {row}.{column} IS NOT NULL{extra};"
    steps = []
    if event != "DELETE":
        steps.append(log.format(kind=kind, row="NEW", column=column, now=SQLITE_NOW, extra=""))
    if event != "INSERT":
        extra = f" AND OLD.{column} IS NOT NEW.{column}" if event == "UPDATE" else ""
        steps.append(log.format(kind=kind, row="OLD", column=column, now=SQLITE_NOW, extra=extra))
    steps.append(f"DELETE FROM board_changes WHERE id <= (SELECT max(id) FROM board_changes) - {RETAIN};")
    when = f" WHEN {condition}" if condition else ""
    return (f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN "
            + " ".join(steps) + " END")


def upgrade() -> None:
    op.create_table('board_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    for table, kind, column, events, condition in TRIGGERS:
        for event in events:
            if postgres:
                when = f" WHEN ({condition})" if condition else ""
                op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} FOR EACH ROW{when} "
                           f"EXECUTE FUNCTION podium_board_change('{kind}', '{column}')")
            else:
                op.execute(_sqlite_trigger(table, kind, column, event, condition))


def downgrade() -> None:
    for table, _kind, _column, events, _condition in TRIGGERS:
        for event in events:
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}" + (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION podium_board_change()")
    op.drop_table('board_changes')
