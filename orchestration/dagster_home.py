"""The Dagster instance the `salespulse` command runs in: persistent, so that `salespulse status`
and `dagster dev` see the command's runs, with the build-warehouse pool limited to one writer."""

import os
import sqlite3
from pathlib import Path

import yaml

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


def command_instance():
    """The Dagster instance of `DAGSTER_HOME` for the command's own run. On the stock SQLite
    storage (no storage configured in `dagster.yaml`) its event log keeps one connection per
    file (orchestration/event_log.py: the same files and layout, ~80 % less CPU per event); an
    instance configured with a storage or an instance class of its own (PostgreSQL) is used as
    configured."""
    from dagster import DagsterInstance
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.instance.ref import InstanceRef

    from orchestration import event_log

    home = os.environ["DAGSTER_HOME"]
    configured, instance_class = dagster_instance_config(home)
    storages = ("storage", "run_storage", "event_log_storage")
    if instance_class or any(key in configured for key in storages):
        return DagsterInstance.get()
    event_logs_dir = InstanceRef.config_defaults(home)["event_log_storage"]
    override = {
        "event_log_storage": {
            "module": event_log.MODULE,
            "class": event_log.CLASS_NAME,
            "config": yaml.safe_load(event_logs_dir.config_yaml),
        }
    }
    return DagsterInstance.from_ref(InstanceRef.from_dir(home, overrides=override))


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
