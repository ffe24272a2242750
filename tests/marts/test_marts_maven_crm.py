"""The public Maven CRM export, loaded through the files source and built with only that source
enabled, yields per-rep bookings, won and lost counts, win rate, average deal size and sales
cycle that match an independent pandas computation from the CSV."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    MAPPINGS,
    WITHOUT_FORECAST,
    assert_close,
    cents,
    load_files,
    read,
    run_dbt,
)

from ingestion.sources.files import load_mapping

MAPPING = MAPPINGS / "maven_crm.yml"
MAVEN_DIR = load_mapping(MAPPING).base_dir
AS_OF = "2017-12-31"  # the export's last close date

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (MAVEN_DIR / "sales_pipeline.csv").exists(), reason=f"Maven export not at {MAVEN_DIR}"
    ),
]


@pytest.fixture(scope="module")
def maven_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Maven export in raw_files, and every model, test and unit test of the project built on
    it with `enabled_sources: [files]` (a dbt build that fails fails here)."""
    work = tmp_path_factory.mktemp("maven")
    home = work / "warehouse"
    load_files(home, MAPPING)
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": AS_OF}
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=dbt_vars, work_dir=work)
    return home


@pytest.fixture(scope="module")
def expected_by_rep_and_year() -> pd.DataFrame:
    """Per sales agent and calendar year of closing (fiscal years start in January by default),
    straight from sales_pipeline.csv with pandas."""
    pipeline = pd.read_csv(MAVEN_DIR / "sales_pipeline.csv", dtype=str, keep_default_na=False)
    closed = pipeline[pipeline["deal_stage"].isin(["Won", "Lost"])].copy()
    assert (closed["close_date"] != "").all()
    closed["close_date"] = pd.to_datetime(closed["close_date"], format="%Y-%m-%d")
    closed["engage_date"] = pd.to_datetime(closed["engage_date"], format="%Y-%m-%d")
    closed["is_won"] = closed["deal_stage"] == "Won"
    closed["value"] = closed["close_value"].map(Decimal)
    closed["cycle_days"] = (closed["close_date"] - closed["engage_date"]).dt.days
    closed["year"] = closed["close_date"].dt.year
    won = closed[closed["is_won"]]

    keys = ["sales_agent", "year"]
    out = closed.groupby(keys).agg(won_deals=("is_won", "sum"), closed_deals=("is_won", "size"))
    out["lost_deals"] = out["closed_deals"] - out["won_deals"]
    out["bookings"] = won.groupby(keys)["value"].sum()
    out["bookings"] = out["bookings"].map(lambda v: v if isinstance(v, Decimal) else Decimal(0))
    out["win_rate"] = out["won_deals"] / out["closed_deals"]
    out["average_deal_size"] = [
        cents(b / w) if w else None for b, w in zip(out["bookings"], out["won_deals"], strict=True)
    ]
    out["cycle_median"] = won.groupby(keys)["cycle_days"].median()
    out["cycle_mean"] = won.groupby(keys)["cycle_days"].mean()
    return out.reset_index()


def _mart_by_rep_and_year(home: Path) -> pd.DataFrame:
    mart = read(
        home,
        "select * from sales.rep_performance where period_grain = 'fiscal_year' "
        "and won_deals + lost_deals > 0",
    )
    assert mart["rep_id"].str.startswith("files:").all()
    mart["sales_agent"] = mart["rep_id"].str.removeprefix("files:")
    mart["year"] = pd.to_datetime(mart["period_start_date"]).dt.year
    return mart


def test_the_export_builds_with_only_the_files_source(maven_home: Path) -> None:
    reps = read(maven_home, "select * from core.dim_reps where not is_unknown_member")
    assert len(reps) == 35
    assert set(reps["source_system"]) == {"files"}
    teams = read(maven_home, "select * from core.dim_teams where not is_unknown_member")
    assert len(teams) == 6  # a team per manager, derived from the reps
    deals = read(maven_home, "select status, count(*) as n from core.fct_deals group by status")
    assert dict(zip(deals["status"], deals["n"], strict=True)) == {
        "won": 4238,
        "lost": 2473,
        "open": 2089,
    }
    # No HubSpot relation was needed, and none was built.
    staging = read(
        maven_home,
        "select table_name from information_schema.tables where table_schema = 'staging'",
    )
    assert not staging["table_name"].str.startswith("stg_hubspot").any()


def test_per_rep_counts_bookings_and_win_rate_match_pandas(
    maven_home: Path, expected_by_rep_and_year: pd.DataFrame
) -> None:
    mart = _mart_by_rep_and_year(maven_home)
    merged = expected_by_rep_and_year.merge(
        mart, on=["sales_agent", "year"], how="outer", suffixes=("_expected", ""), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert len(merged) == len(expected_by_rep_and_year)
    assert merged["sales_agent"].nunique() == 30  # 5 of the 35 agents never closed a deal

    assert merged["won_deals"].dtype == "int64"
    assert (merged["won_deals"] == merged["won_deals_expected"]).all()
    assert (merged["lost_deals"] == merged["lost_deals_expected"]).all()
    assert (merged["bookings"].map(cents) == merged["bookings_expected"].map(cents)).all()
    assert sum(merged["bookings"].map(cents)) == Decimal("10005534.00")
    assert_close(merged["win_rate"], merged["win_rate_expected"], "win_rate")


def test_per_rep_average_deal_size_and_sales_cycle_match_pandas(
    maven_home: Path, expected_by_rep_and_year: pd.DataFrame
) -> None:
    mart = _mart_by_rep_and_year(maven_home)
    merged = expected_by_rep_and_year.merge(mart, on=["sales_agent", "year"], suffixes=("_e", ""))
    sizes = merged["average_deal_size"].map(lambda v: None if pd.isna(v) else cents(v))
    assert list(sizes) == list(merged["average_deal_size_e"])
    assert_close(merged["sales_cycle_days_median"], merged["cycle_median"], "cycle median")
    assert_close(merged["sales_cycle_days_mean"], merged["cycle_mean"], "cycle mean")


def test_monthly_rows_add_up_to_the_yearly_ones(maven_home: Path) -> None:
    """The same deals by month: Σ over the months of a year equals the year, rep by rep."""
    totals = read(
        maven_home,
        """
        select rep_id, period_grain, sum(bookings) as bookings, sum(won_deals) as won_deals,
            sum(lost_deals) as lost_deals
        from sales.rep_performance
        where period_grain in ('month', 'fiscal_year')
        group by rep_id, period_grain
        """,
    )
    pivot = totals.pivot(index="rep_id", columns="period_grain")
    for column in ("bookings", "won_deals", "lost_deals"):
        assert (pivot[(column, "month")] == pivot[(column, "fiscal_year")]).all(), column


def test_every_semantic_layer_metric_equals_its_mart_column(maven_home: Path) -> None:
    """One definition (issue 12): on the Maven export, every sales metric of the semantic layer
    at rep x month and team x fiscal quarter, the pipeline per day and the bookings to date equal
    the marts (Maven has no quotas, stage history or surveys)."""
    from semantic_agreement import (
        assert_bookings_to_date_agree,
        assert_performance_agrees,
        assert_pipeline_agrees,
        semantic_layer_of,
    )

    layer = semantic_layer_of(maven_home)
    assert assert_performance_agrees(layer, "rep", "month") > 100
    assert assert_performance_agrees(layer, "team", "fiscal_quarter") > 10
    assert assert_pipeline_agrees(layer) > 100
    assert assert_bookings_to_date_agree(layer) > 100
