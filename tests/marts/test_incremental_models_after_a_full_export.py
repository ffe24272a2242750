"""A full export one simulated day later, through the files source, rebuilds only what changed,
and the incremental models (and every mart) equal a full refresh.

The tiny demo company's whole export is loaded and built; the next day's whole export (not an
incremental feed: every record again, as a nightly CSV drop delivers it) is loaded into the same
warehouse and built incrementally. The unchanged records keep their load id, so the run rewrites
the versions of the deals that changed only and the pipeline snapshot from the first day whose
state changed; a `--full-refresh` of the same day must then give every table of the intermediate
layer and the core and sales marts row for row, but for the lineage columns that say when a row
was computed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    INCREMENTAL_BUILD,
    MAPPINGS,
    assert_equal_marts,
    export_simulator,
    full_refresh_marts,
    incremental_marts,
    last_rebuild,
    load_files,
    run_dbt,
)

# The slow set (CI runs it): the default run keeps the several-days variant of this proof
# (test_incremental_models_over_several_days.py); tests/ingestion/test_files_unchanged_rows.py
# proves in the default run which rows of the next day's export keep their load.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "tiny", dt.date(2026, 6, 30)


def _vars(days: int) -> dict:
    return {"enabled_sources": ["files"], "as_of_date": (AS_OF + dt.timedelta(days)).isoformat()}


@pytest.fixture(scope="module")
def day_later(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Series, Path]:
    """The warehouse after today's full export and tomorrow's, each built incrementally; what
    tomorrow's build rebuilt."""
    work = tmp_path_factory.mktemp("full_export_day_later")
    home = work / "warehouse"
    today = export_simulator(work / "today", SEED, SCALE, AS_OF.isoformat())
    tomorrow = export_simulator(
        work / "tomorrow", SEED, SCALE, AS_OF.isoformat(), "--advance-days", "1"
    )
    load_files(home, MAPPING, base_dir=today)
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(0), work_dir=work)
    load_files(home, MAPPING, base_dir=tomorrow)  # the mapping's own kind: a full export
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(1), work_dir=work)
    rebuilt = last_rebuild(home)
    return home, rebuilt, work


def test_a_full_export_a_day_later_rebuilds_only_the_deals_and_days_that_changed(
    day_later,
) -> None:
    _, rebuilt, _ = day_later
    assert 0 < rebuilt["deals"] < rebuilt["all_deals"] / 10, rebuilt
    assert 0 < rebuilt["days"] < rebuilt["all_days"] / 10, rebuilt


def test_after_a_full_export_the_incremental_models_equal_a_full_refresh(day_later) -> None:
    home, _, work = day_later
    assert_equal_marts(incremental_marts(home), full_refresh_marts(home, work, _vars(1)))
