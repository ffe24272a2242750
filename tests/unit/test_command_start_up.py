"""The fixed costs every `salespulse` command pays before its first step: Dagster's run history
written without an fsync per event, and an environment compiled to bytecode once; and after its
last: a `run` ends without the interpreter's teardown, its output whole."""

import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from orchestration.dagster_home import ensure_dagster_home
from salespulse.settings import load_settings


def test_the_commands_run_history_commits_without_an_fsync(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    home = ensure_dagster_home(load_settings())
    instance = DagsterInstance.get()
    try:
        instance.get_runs(limit=1)  # opens the run storage's SQLite file
        with instance.run_storage.connect() as connection:
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        instance.dispose()
    assert synchronous == 0  # OFF: SQLite's default, FULL (2), syncs every commit to disk
    assert Path(home, "history", "runs.db").exists()


def test_a_plain_sqlite_connection_keeps_sqlites_default():
    """Only the engines SQLAlchemy opens (Dagster's storage) change; sqlite3 itself does not."""
    with sqlite3.connect(":memory:") as connection:
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2


@pytest.mark.parametrize("module", ["dagster", "dbt.cli.main", "dlt", "statsmodels.api"])
def test_the_environment_is_compiled_to_bytecode(module):
    """pyproject.toml's `compile-bytecode`: the heavy libraries import from .pyc files, so a
    process does not recompile them when PYTHONDONTWRITEBYTECODE is set."""
    source = Path(importlib.util.find_spec(module).origin)
    assert Path(importlib.util.cache_from_source(str(source))).exists()


def test_the_installed_command_is_the_console_script_that_skips_teardown_after_a_run():
    script = Path(sys.executable).parent / "salespulse"
    assert "console_script" in script.read_text()


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["run", "--scale", "tiny"], 1, "salespulse: --scale sizes the demo company"),
        (["status"], 1, "salespulse: no warehouse at"),
    ],
)
def test_the_command_exits_with_mains_code_and_its_whole_output(tmp_path, args, code, said):
    """`run` ends with os._exit: what it printed must be flushed first, and its code kept."""
    env = {**os.environ, "SALESPULSE_HOME": str(tmp_path / "nowhere")}
    env.pop("DAGSTER_HOME", None)
    script = Path(sys.executable).parent / "salespulse"
    result = subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == code
    assert result.stderr.startswith(said), result.stderr
