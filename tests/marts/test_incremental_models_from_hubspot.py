"""The incremental models equal a full refresh on data from HubSpot's API, whose branches the
files-source tests beside this one never run (a HubSpot engagement's associations, its archived
flag; a deal's property history that comes with the deal).

The tiny demo company is loaded through the HubSpot source and built; then the same company a
day later is loaded as the source loads a later day (its search on the last-modified date: the
records changed since, archived ones among them) and built incrementally. A `--full-refresh` of
the same day must give every table of the intermediate layer and the core and sales marts row
for row, but for the lineage columns that say when a row was computed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from marts_helpers import (
    INCREMENTAL_BUILD,
    assert_equal_marts,
    full_refresh_marts,
    incremental_marts,
    read,
    run_dbt,
    warehouse_env,
)

# The slow set (CI runs it), beside test_incremental_models_after_records_vanish.py.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "test-token-never-logged"


def _vars(as_of: dt.date) -> dict:
    return {"enabled_sources": ["hubspot"], "as_of_date": as_of.isoformat()}


@pytest.fixture(scope="module")
def a_day_later(tmp_path_factory: pytest.TempPathFactory, demo_company) -> tuple[Path, Path]:
    """(home, work): the warehouse after the first load and one a day later, each built."""
    from ingestion.pipelines import run_source
    from simulator.server import DemoApi

    work = tmp_path_factory.mktemp("hubspot_incremental")
    home = work / "warehouse"
    for company in (demo_company, demo_company.advance(1)):
        with DemoApi(company, token=TOKEN) as api:
            settings = {
                "SOURCES__HUBSPOT__BASE_URL": api.base_url,
                "SOURCES__HUBSPOT__ACCESS_TOKEN": TOKEN,
            }
            with warehouse_env(home, **settings):
                run_source("hubspot")
        run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(company.as_of), work_dir=work)
    return home, work


def test_the_second_day_reloaded_some_engagements_and_deals(a_day_later) -> None:
    """Otherwise the equality below proves less than it says: the second build rewrote some
    rows of each incremental intermediate model, not all."""
    home, _ = a_day_later
    for table in ("int_activities_unioned", "int_deal_property_history_unioned"):
        loads = read(
            home,
            f"select count(distinct loaded_at) as loads, count(*) as n, "
            f"count(*) filter (where loaded_at = (select max(loaded_at) from intermediate.{table})) "
            f"as latest from intermediate.{table}",
        ).iloc[0]
        assert loads["loads"] >= 2 and 0 < loads["latest"] < loads["n"], (table, loads)


def test_incremental_models_from_hubspot_equal_a_full_refresh(a_day_later, demo_company) -> None:
    home, work = a_day_later
    as_of = demo_company.advance(1).as_of
    assert_equal_marts(incremental_marts(home), full_refresh_marts(home, work, _vars(as_of)))
