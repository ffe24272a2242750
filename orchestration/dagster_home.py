"""The Dagster instance the `salespulse` command runs in: persistent, so that `salespulse status`
and `dagster dev` see the command's runs, with the build-warehouse pool limited to one writer."""

import os
import sqlite3
from pathlib import Path

from salespulse.settings import Settings

INSTANCE_CONFIG = """\
# Written by `salespulse`; DuckDB allows one writer, so every pool (build_warehouse) runs one
# step at a time across all runs.
concurrency:
  pools:
    default_limit: 1
# The daemon marks runs whose process died as failed, which frees their pool slots.
run_monitoring:
  enabled: true
telemetry:
  enabled: false
"""


def dagster_home(settings: Settings) -> Path:
    """`$DAGSTER_HOME` (Dagster's own variable), else the warehouse home's `dagster/`."""
    configured = os.environ.get("DAGSTER_HOME")
    return Path(configured).expanduser().resolve() if configured else settings.dagster_home


def ensure_dagster_home(settings: Settings) -> Path:
    """The instance folder, created with our instance config if new; exported as DAGSTER_HOME
    for Dagster and everything it starts."""
    home = dagster_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    os.environ["DAGSTER_HOME"] = str(home)
    write_run_history_without_fsync()
    return home


def write_run_history_without_fsync() -> None:
    """Dagster's SQLite run history commits every event on its own connection, and SQLite syncs
    each commit to disk: about 1,600 fsyncs before a nightly run's first step (one planned event
    per asset check), 40 s on this project's machines. With `synchronous=OFF` a crash of the
    process loses nothing (the writes are in the OS's cache); a power loss or OS crash can damage
    the run history, never the warehouse (docs/operations.md: delete the `dagster/` folder).
    Dagster has no setting for it, so this process's SQLite connections set the pragma as they
    open (`dagster dev` and the daemon keep SQLite's default)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_without_fsync):
        event.listen(Engine, "connect", _sqlite_without_fsync)


def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")
