"""A refresh killed at any step and started again ends with the same marts as a clean run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

SALESPULSE = str(Path(sys.executable).parent / "salespulse")


def _env(home: Path, demo_api, demo_company) -> dict[str, str]:
    env = {**os.environ, "SALESPULSE_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    env["SOURCES__HUBSPOT__BASE_URL"] = demo_api.base_url
    env["SOURCES__HUBSPOT__ACCESS_TOKEN"] = "test-token-never-logged"
    env["SALESPULSE_AS_OF_DATE"] = demo_company.as_of.isoformat()
    return env


def _mart(home: Path) -> pd.DataFrame:
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        return con.execute(
            "select * from sales.rep_performance_monthly order by rep_id, month_start_date"
        ).df()


@pytest.fixture(scope="module")
def clean_run_mart(tmp_path_factory, dbt_manifest, demo_api, demo_company) -> pd.DataFrame:
    home = tmp_path_factory.mktemp("clean") / "warehouse"
    run = subprocess.run(
        [SALESPULSE, "run"], env=_env(home, demo_api, demo_company), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return _mart(home)


@pytest.mark.parametrize(
    ("step", "delay_seconds"),
    [("hubspot", 1.0), ("salespulse_dbt_models", 3.0)],
    ids=["killed-while-loading", "killed-while-building"],
)
def test_a_killed_run_resumes_to_the_same_marts(
    step, delay_seconds, tmp_path, clean_run_mart, demo_api, demo_company
):
    home = tmp_path / "warehouse"
    env = _env(home, demo_api, demo_company)
    # Its own process group, so that the kill also takes dbt's child process, as a crash would.
    run = subprocess.Popen(
        [SALESPULSE, "run"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    for line in run.stderr:
        if line.strip() == f"… {step}":
            break
    time.sleep(delay_seconds)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (home / "serving.duckdb").exists()

    rerun = subprocess.run([SALESPULSE, "run"], env=env, capture_output=True, text=True)

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    pd.testing.assert_frame_equal(_mart(home), clean_run_mart)
