"""An incremental build for an earlier as-of date than the last one (a past day run again, as a
backfill does) leaves the incremental models as a full refresh for that day leaves them.

Every incremental model takes the as-of date moving back into account (the snapshot and the
waterfall remove the days and periods after it, the lead-response mart recomputes the periods
whose leads no longer add up, fct_leads rebuilds the leads whose conversion window or first
response the date changes), but the other incremental proofs only move it forward. The tiny demo
company's export is loaded and built as of its export day, then built again incrementally as of
a day five weeks earlier (across a month's and a fiscal quarter's end); a `--full-refresh` for
that earlier day must give every table of the intermediate layer and the core and sales marts
row for row, but for the lineage columns that say when a row was computed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from marts_helpers import (
    INCREMENTAL_BUILD,
    MAPPINGS,
    assert_equal_marts,
    export_simulator,
    full_refresh_marts,
    incremental_marts,
    load_files,
    read,
    run_dbt,
)

# The slow set (CI runs it), beside the other incremental proofs that need a build of their own.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, EXPORT_DAY = 7, "tiny", dt.date(2026, 7, 20)
EARLIER_DAY = EXPORT_DAY - dt.timedelta(days=35)  # 2026-06-15: before June's and Q2's end


def _vars(as_of: dt.date) -> dict:
    return {"enabled_sources": ["files"], "as_of_date": as_of.isoformat()}


def _rows_after_the_earlier_day(home) -> dict[str, int]:
    """Rows of the as-of-dated marts that lie after EARLIER_DAY."""
    return (
        read(
            home,
            f"""
        select
            (select count(*) from sales.pipeline_snapshot_daily
             where snapshot_date > date '{EARLIER_DAY}') as snapshot_days,
            (select count(*) from sales.pipeline_waterfall
             where period_start_date > date '{EARLIER_DAY}') as waterfall_periods,
            (select count(*) from sales.lead_response_by_hour_weekday
             where period_start_date > date '{EARLIER_DAY}') as lead_response_periods
        """,
        )
        .iloc[0]
        .to_dict()
    )


@pytest.fixture(scope="module")
def built_for_an_earlier_day(tmp_path_factory: pytest.TempPathFactory):
    """(home, work, the rows after EARLIER_DAY the build for the export's day made): the export
    built as of its day, then incrementally as of EARLIER_DAY."""
    work = tmp_path_factory.mktemp("as_of_earlier")
    home = work / "warehouse"
    export = export_simulator(work / "export", SEED, SCALE, EXPORT_DAY.isoformat())
    load_files(home, MAPPING, base_dir=export)
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(EXPORT_DAY), work_dir=work)
    later_rows = _rows_after_the_earlier_day(home)
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(EARLIER_DAY), work_dir=work)
    return home, work, later_rows


def test_nothing_after_the_earlier_day_is_left(built_for_an_earlier_day) -> None:
    home, _, later_rows = built_for_an_earlier_day
    assert all(count > 0 for count in later_rows.values()), later_rows
    assert _rows_after_the_earlier_day(home) == dict.fromkeys(later_rows, 0)


def test_an_earlier_day_built_incrementally_equals_a_full_refresh(built_for_an_earlier_day) -> None:
    home, work, _ = built_for_an_earlier_day
    assert_equal_marts(incremental_marts(home), full_refresh_marts(home, work, _vars(EARLIER_DAY)))
