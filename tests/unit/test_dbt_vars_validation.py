"""dbt checks its vars itself before anything is built, because dbt can be run by hand with
--vars: "five" as the anonymity threshold used to become 0 through `| int` and turn suppression
off silently."""

import json

import pytest
from dbt_by_hand import dbt_by_hand

pytestmark = pytest.mark.integration


def test_dbt_refuses_bad_vars_before_building_anything(tmp_path):
    bad_vars = {
        "anonymity_threshold": "five",
        "reporting_currency": "USD'; drop schema sales cascade; --",
        "reporting_timezone": "Mars/Olympus",
        "fiscal_year_start_month": 13,
        "as_of_date": "30/06/2026",
        "enabled_sources": ["hubspot", "salesforce"],
    }
    result = dbt_by_hand(
        tmp_path, "build", "--select", "int_calendar_days", "--vars", json.dumps(bad_vars)
    )

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
