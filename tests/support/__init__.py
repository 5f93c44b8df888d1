"""Test scaffolding shared by the test packages (this package holds no tests).

- `db`: migrated SQLite/PostgreSQL stores, settings and queue shortcuts for the platform tests.
- `faults`: worker fault scenarios (SIGKILL, drain) run as real processes.
- `models`: tiny model folders and the stand-in evaluator's variants.
- `fake_eval`: the stand-in for `podium eval` that the queue tests run.
- `records`: run records for tests that store a result without running an evaluation.
- `web`: the real app under TestClient, and a live `podium serve --demo` process.
"""
