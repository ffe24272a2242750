"""The `salespulse` command as a person runs it: the README's first command, status, and
clean one-line failures."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

SALESPULSE = str(Path(sys.executable).parent / "salespulse")


def _salespulse(*args: str, home: Path, extra_env: dict[str, str] | None = None, timeout=300):
    env = {**os.environ, "SALESPULSE_HOME": str(home), **(extra_env or {})}
    for name in ("SOURCES__HUBSPOT__BASE_URL", "SOURCES__HUBSPOT__ACCESS_TOKEN", "DAGSTER_HOME"):
        if extra_env is None or name not in extra_env:
            env.pop(name, None)
    return subprocess.run(
        [SALESPULSE, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_run_demo_publishes_and_prints_a_summary_then_status_reports_it(tmp_path, dbt_manifest):
    home = tmp_path / "warehouse"

    run = _salespulse("run", "--demo", home=home)

    assert run.returncode == 0, run.stderr[-3000:]
    assert f"Serving warehouse: {home / 'serving.duckdb'}" in run.stdout
    assert "Top reps by bookings:" in run.stdout
    assert "✓ serving__warehouse" in run.stderr
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from sales.rep_performance_monthly").fetchone()[0] > 0

    status = _salespulse("status", home=home)
    assert status.returncode == 0, status.stderr
    assert "sales.rep_performance_monthly" in status.stdout
    assert "SUCCESS" in status.stdout


def test_run_without_a_token_fails_in_one_line_and_publishes_nothing(tmp_path, dbt_manifest):
    home = tmp_path / "warehouse"

    run = _salespulse(
        "run", home=home, extra_env={"SOURCES__HUBSPOT__BASE_URL": "http://127.0.0.1:9"}
    )

    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("salespulse: the refresh failed")
    assert "access_token" in run.stderr
    assert not (home / "serving.duckdb").exists()


def test_unknown_arguments_exit_non_zero_with_usage(tmp_path):
    result = _salespulse("ingest", "salesforce", home=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
