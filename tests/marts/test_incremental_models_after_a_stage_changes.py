"""A deal stage whose status and funnel order change, without a reload of the deals that went
through it, leaves the incremental models as a full refresh leaves them.

Every stage entry of `fct_deal_stage_history` carries its stage's label, funnel order and status,
and a deal version's status before its close is its stage's; a files stage's status and order
follow the deals in it (int_deal_stages_unioned), a HubSpot stage's come from the CRM's pipeline
settings, and the seed stage_map overrides both. None of these changes reloads the deals whose
history names the stage. The tiny demo company's export is loaded and built; then the same day's
export is loaded as a full export and built incrementally with one open deal moved into the lost
stage, still open, and the deals in the last open stage moved back a stage but for one won deal
moved into it (only those deals' rows change). The lost stage then holds an open deal: it is an
open stage on every lost deal's last entry (its funnel order is the seed stage_map's and stays).
The last open stage holds only a won deal: it is a won stage, and every deal that went through
it earlier was won there, in its versions too. A `--full-refresh`
must give every table of the intermediate layer and the core and sales marts row for row, but
for the lineage columns that say when a row was computed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

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
    write_csv,
)

# The slow set (CI runs it), beside test_incremental_models_after_records_vanish.py.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "tiny", dt.date(2026, 6, 30)
VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF.isoformat()}
LOST_STAGE = "files:default/closedlost"
LAST_OPEN_STAGE = "contractsent"

STAGE_ENTRIES = (
    "select stage_status, stage_display_order, count(*) as entries "
    "from core.fct_deal_stage_history where stage_id = 'closedlost' "
    "group by all order by all"
)


@pytest.fixture(scope="module")
def stage_changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(home, work, the won stage's entries before and after): the warehouse after the whole
    export, then after the same export with an open deal in the lost stage, each built
    incrementally."""
    work = tmp_path_factory.mktemp("stage_changes")
    home = work / "warehouse"
    today = export_simulator(work / "today", SEED, SCALE, AS_OF.isoformat())
    load_files(home, MAPPING, base_dir=today)
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=VARS, work_dir=work)
    before = read(home, STAGE_ENTRIES)

    changed = work / "changed"
    shutil.copytree(today, changed)
    deals = read_csv(today, "deals")
    open_deal = deals.index[(deals["status"] == "open") & (deals["is_deleted"] == "false")][0]
    deals.loc[open_deal, "stage_id"] = "closedlost"
    deals.loc[deals["stage_id"] == LAST_OPEN_STAGE, "stage_id"] = "decisionmakerboughtin"
    won_deal = deals.index[(deals["status"] == "won") & (deals["is_deleted"] == "false")][0]
    deals.loc[won_deal, "stage_id"] = LAST_OPEN_STAGE
    write_csv(deals, changed, "deals")
    load_files(home, MAPPING, base_dir=changed)  # the mapping's own kind: a full export
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=VARS, work_dir=work)
    return home, work, {"before": before, "after": read(home, STAGE_ENTRIES)}


def test_the_lost_stage_became_an_open_stage_on_every_entry(stage_changed) -> None:
    """The case this file is about happened: the stage's status moved, on the entries of deals
    that were not reloaded too."""
    home, _, entries = stage_changed
    before, after = entries["before"], entries["after"]
    assert before["stage_status"].tolist() == ["lost"], before
    assert before["entries"].iloc[0] > 10, before
    assert after["stage_status"].tolist() == ["open"], after
    assert after["entries"].iloc[0] == before["entries"].iloc[0]
    stages = read(
        home,
        "select stage_id, status, display_order from intermediate.int_deal_stages_unioned "
        f"where stage_id in ('closedlost', '{LAST_OPEN_STAGE}') order by stage_id",
    )
    assert stages["status"].tolist() == ["open", "won"]
    assert stages["display_order"].iloc[0] == after["stage_display_order"].iloc[0]
    versions = read(
        home,
        "select status, count(*) as versions from core.fct_deal_versions "
        f"where stage_id = '{LAST_OPEN_STAGE}' group by all",
    )
    assert versions["status"].tolist() == ["won"], versions
    assert versions["versions"].iloc[0] > 10, versions


def test_after_a_stage_changes_the_incremental_models_equal_a_full_refresh(
    stage_changed,
) -> None:
    home, work, _ = stage_changed
    assert_equal_marts(incremental_marts(home), full_refresh_marts(home, work, VARS))
