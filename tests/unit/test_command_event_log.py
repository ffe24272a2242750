"""The `salespulse` command's Dagster event log: one SQLite connection per shard for the whole
run (Dagster's stock storage opens one per event), the same files and records as the stock
storage writes, and an instance configured with a storage of its own left as configured."""

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine

from orchestration.dagster_home import command_instance, ensure_dagster_home
from orchestration.event_log import ShardConnectionEventLogStorage
from salespulse.settings import load_settings

CHECKS = 40


@asset(check_specs=[AssetCheckSpec(f"check_{n}", asset="bookings") for n in range(CHECKS)])
def bookings():
    """An asset with many checks, as a dbt model with its tests: a planned and an evaluated event
    for each check, as in the nightly job."""
    yield MaterializeResult()
    for n in range(CHECKS):
        yield AssetCheckResult(check_name=f"check_{n}", passed=n % 7 != 3)


@asset(deps=[bookings])
def rep_leaderboard():
    return MaterializeResult(metadata={"rows": 12})


JOB = Definitions(assets=[bookings, rep_leaderboard]).resolve_implicit_global_asset_job_def()


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    return ensure_dagster_home(load_settings())


@pytest.fixture
def event_log_connections():
    """The files every new SQLite connection SQLAlchemy opens in this process points at."""
    opened: list[str] = []

    def record(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            (_, _, path), *_ = dbapi_connection.execute("PRAGMA database_list").fetchall()
            opened.append(Path(path).name)

    event.listen(Engine, "connect", record)
    yield opened
    event.remove(Engine, "connect", record)


def _run(instance: DagsterInstance) -> str:
    result = JOB.execute_in_process(instance=instance)
    assert result.success  # a failed check (severity ERROR) is recorded; the run goes on
    return result.run_id


def test_the_commands_event_log_opens_each_shard_once(dagster_home, event_log_connections):
    instance = command_instance()
    event_log_connections.clear()  # a new home's set-up (Dagster's migrations) opens its own
    try:
        run_id = _run(instance)
        events = instance.all_logs(run_id)
    finally:
        instance.dispose()
    assert isinstance(instance.event_log_storage, ShardConnectionEventLogStorage)
    checks = [e for e in events if e.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
    assert len(checks) == CHECKS
    opened = Counter(name for name in event_log_connections if name != "runs.db")
    # Dagster's own storage opens the run's shard for every event and the index shard 3-4 times
    # for every check event (over 400 here); the command's, the run's shard once, and the index
    # shard (opened with the instance) only to find two of its tables once each.
    assert opened == {f"{run_id}.db": 1, "index.db": 2}


def test_the_stock_storage_reads_what_the_command_wrote_as_it_writes_it(tmp_path, monkeypatch):
    """Two homes, one run each: the command's instance and Dagster's own; `dagster dev` and
    `salespulse status` (the stock storage) read the same events and check results from both."""
    written = {}
    for name, open_instance in {
        "command": command_instance,
        "stock": DagsterInstance.get,
    }.items():
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / name))
        home = ensure_dagster_home(load_settings())
        instance = open_instance()
        try:
            _run(instance)
        finally:
            instance.dispose()
        with DagsterInstance.from_config(str(home)) as stock:
            assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
            written[name] = _what_the_instance_holds(stock)
    assert written["command"] == written["stock"]
    assert written["command"]["check results"][False] == sum(n % 7 == 3 for n in range(CHECKS))


def _what_the_instance_holds(instance: DagsterInstance) -> dict:
    (run,) = instance.get_runs()
    events = instance.all_logs(run.run_id)
    check_key = next(iter(JOB.asset_layer.asset_graph.asset_check_keys))
    executions = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=10)
    latest = instance.get_latest_materialization_event(bookings.key)
    results = [
        e.dagster_event.event_specific_data.passed
        for e in events
        if e.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    return {
        "status": run.status,
        "event types": sorted(str(e.dagster_event_type) for e in events),
        "check executions": [x.status for x in executions],
        "latest materialization": latest is not None and latest.run_id == run.run_id,
        "check results": {passed: results.count(passed) for passed in (True, False)},
    }


def test_an_instance_with_a_storage_of_its_own_is_used_as_configured(dagster_home):
    config = Path(dagster_home, "dagster.yaml")
    base_dir = Path(dagster_home, "elsewhere")
    config.write_text(config.read_text() + f"storage:\n  sqlite:\n    base_dir: {base_dir}\n")
    instance = command_instance()
    try:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        _run(instance)
    finally:
        instance.dispose()
    assert Path(base_dir, "history", "runs", "index.db").exists()
