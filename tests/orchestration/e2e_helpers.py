"""Helpers shared by the end-to-end tests. Not a conftest: imported by name, as the other test
folders do with their helpers."""

import os
from pathlib import Path

import duckdb
import pandas as pd

DEMO_TOKEN = "test-token-never-logged"
MART = "sales.rep_performance_monthly"


def demo_sources(home: Path, demo_api, demo_company) -> dict[str, str]:
    """The settings of a warehouse at `home` loading the session's demo company (HubSpot)."""
    return {
        "SALESPULSE_HOME": str(home),
        "SOURCES__HUBSPOT__BASE_URL": demo_api.base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": DEMO_TOKEN,
        "SALESPULSE_AS_OF_DATE": demo_company.as_of.isoformat(),
    }


def command_env(home: Path, demo_api, demo_company) -> dict[str, str]:
    """The environment of a `salespulse` child process on that warehouse."""
    env = {**os.environ, **demo_sources(home, demo_api, demo_company)}
    env.pop("DAGSTER_HOME", None)
    return env


def read_mart(home: Path) -> pd.DataFrame:
    """The published rep-month mart, read as BI reads it."""
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        return con.execute(f"select * from {MART} order by rep_id, month_start_date").df()
