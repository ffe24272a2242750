"""Records that vanish from a later full export leave the incremental models as a full refresh
leaves them.

The files source keeps a record a newer full export no longer holds, soft-deleted, with the load
id that last delivered it (files-source.md): its `loaded_at` does not move, so an incremental
model that rebuilds only what was loaded since never sees it go. The tiny demo company's export
is loaded and built; then the same day's export, without some activities (among them the first
responses of some leads), some stage entries and property changes of deals that stay, and with
one deal handed to another rep (its stage entries unchanged), without some leads (every lead of
one week among them, so lead_response_by_hour_weekday loses that week's period) and with a rep
renamed, is loaded as a full export and built incrementally; a `--full-refresh` must give every
table of the intermediate layer and the core and sales marts row for row, but for the lineage
columns that say when a row was computed.
"""

from __future__ import annotations

import datetime as dt
import shutil
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
    load_files,
    read,
    read_csv,
    run_dbt,
    utc,
    write_csv,
)

# The slow set (CI runs it), beside test_incremental_models_after_a_full_export.py.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "tiny", dt.date(2026, 6, 30)
VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF.isoformat()}


@pytest.fixture(scope="module")
def vanished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, set]]:
    """(home, work, what vanished): the warehouse after the whole export, then the same export
    without some records, each built incrementally."""
    work = tmp_path_factory.mktemp("records_vanish")
    home = work / "warehouse"
    today = export_simulator(work / "today", SEED, SCALE, AS_OF.isoformat())
    load_files(home, MAPPING, base_dir=today)
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=VARS, work_dir=work)

    first_responses = read(
        home,
        "select source_activity_id from core.fct_activities where activity_id in "
        "(select first_response_activity_id from core.fct_leads) order by 1 limit 5",
    )["source_activity_id"]
    smaller = work / "smaller"
    shutil.copytree(today, smaller)
    activities = read_csv(today, "activities")
    gone_activities = set(first_responses) | set(activities["activity_id"].iloc[::97])
    write_csv(activities[~activities["activity_id"].isin(gone_activities)], smaller, "activities")
    # Deals that stay in the export lose one stage entry (not their first) and one change.
    history = read_csv(today, "deal_stage_history")
    entries = history.groupby("deal_id")["entered_at"].transform("count")
    later_entries = history[(entries >= 3) & history.duplicated("deal_id")]
    gone_entries = later_entries.drop_duplicates("deal_id").iloc[:5].index
    write_csv(history.drop(index=gone_entries), smaller, "deal_stage_history")
    changes = read_csv(today, "deal_property_history")
    gone_changes = changes.drop_duplicates("deal_id", keep="last").iloc[:5].index
    write_csv(changes.drop(index=gone_changes), smaller, "deal_property_history")
    # A deal with stage entries handed to another rep: only the deal's row changes.
    deals = read_csv(today, "deals")
    moved = deals.index[deals["deal_id"] == later_entries["deal_id"].iloc[-1]][0]
    others = sorted(set(deals["owner_id"]) - {deals.loc[moved, "owner_id"], ""})
    deals.loc[moved, "owner_id"] = others[0]
    write_csv(deals, smaller, "deals")
    # Leads: every 50th, and every lead of the second week with leads (the week's period goes
    # from the lead-response mart); the rep with the most leads left renamed.
    leads = read_csv(today, "contacts")
    created = utc(leads["created_at"]).dt.tz_localize(None).dt.date
    weeks = pd.Series(
        [day - dt.timedelta(days=day.weekday()) for day in created], index=leads.index
    )
    gone_week = sorted(set(weeks))[1]
    gone_leads = leads.index[(weeks == gone_week) | (leads.index % 50 == 0)]
    write_csv(leads.drop(index=gone_leads), smaller, "contacts")
    reps = read_csv(today, "reps")
    busiest = leads.drop(index=gone_leads)["owner_id"].replace("", None).mode()[0]
    renamed = reps.index[reps["rep_id"] == busiest][0]
    reps.loc[renamed, "last_name"] = reps.loc[renamed, "last_name"] + "-Renamed"
    write_csv(reps, smaller, "reps")

    load_files(home, MAPPING, base_dir=smaller)  # the mapping's own kind: a full export
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=VARS, work_dir=work)
    gone = {
        "activities": gone_activities,
        "first_responses": set(first_responses),
        "lead_week": {gone_week},
        "renamed_rep": {reps.loc[renamed, "rep_id"]},
    }
    return home, work, gone


def test_the_vanished_records_are_gone_from_the_core_marts(vanished) -> None:
    home, _, gone = vanished
    assert len(gone["first_responses"]) == 5
    ids = ", ".join(f"'{activity}'" for activity in sorted(gone["activities"]))
    for table in ("intermediate.int_activities_unioned", "core.fct_activities"):
        still = read(home, f"select count(*) as n from {table} where source_activity_id in ({ids})")
        assert still["n"].iloc[0] == 0, table
    answered_by_gone = read(
        home,
        "select count(*) as n from core.fct_leads where first_response_activity_id in "
        f"(select 'files:' || unnest([{ids}]))",
    )
    assert answered_by_gone["n"].iloc[0] == 0


def test_the_lead_response_mart_lost_the_emptied_week_and_renamed_the_rep(vanished) -> None:
    """The cases its incremental run handles apart: a period left without leads is deleted (the
    post-hook), and a renamed rep's cells are rebuilt though none of its leads changed."""
    home, _, gone = vanished
    (week,) = gone["lead_week"]
    (rep,) = gone["renamed_rep"]
    cells = read(
        home,
        "select count(*) filter (where period_grain = 'week' and period_start_date = "
        f"'{week.isoformat()}') as emptied_week, "
        f"count(*) filter (where rep_id = 'files:{rep}') as rep_cells, "
        f"count(*) filter (where rep_id = 'files:{rep}' and rep_name like '%-Renamed') as renamed "
        "from sales.lead_response_by_hour_weekday",
    ).iloc[0]
    assert cells["emptied_week"] == 0
    assert cells["rep_cells"] > 0
    assert cells["renamed"] == cells["rep_cells"]


def test_after_records_vanish_the_incremental_models_equal_a_full_refresh(vanished) -> None:
    home, work, _ = vanished
    assert_equal_marts(incremental_marts(home), full_refresh_marts(home, work, VARS))
