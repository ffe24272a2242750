"""dbt checks its vars itself before anything is built, because dbt can be run by hand with
--vars: "five" as the anonymity threshold used to become 0 through `| int` and turn suppression
off silently."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion import PROJECT_ROOT

pytestmark = pytest.mark.integration

DBT = str(Path(sys.executable).parent / "dbt")
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def test_dbt_refuses_bad_vars_before_building_anything(tmp_path):
    bad_vars = {
        "anonymity_threshold": "five",
        "reporting_currency": "USD'; drop schema sales cascade; --",
        "reporting_timezone": "Mars/Olympus",
        "fiscal_year_start_month": 13,
        "as_of_date": "30/06/2026",
        "enabled_sources": ["hubspot", "salesforce"],
    }
    result = subprocess.run(
        [DBT, "build", "--select", "int_calendar_days", "--vars", json.dumps(bad_vars),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "SALESPULSE_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip

    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "Invalid SalesPulse vars:" in out
    for problem in (
        "anonymity_threshold must be a whole number of responses, not 'five'",
        "reporting_currency must be a three-letter ISO 4217 code",
        "reporting_timezone must be an IANA time zone name, not 'Mars/Olympus'",
        "fiscal_year_start_month must be from 1 to 12, not 13",
        "as_of_date must be a YYYY-MM-DD date, not '30/06/2026'",
        "enabled_sources names an unknown source 'salesforce'",
    ):
        assert problem in out, problem
    assert not (tmp_path / "build.duckdb").exists()  # nothing was built
