"""The demo company's export as of the middle of a month (15 June 2026: a month, a quarter and a
fiscal year in progress, meetings already booked for the weeks ahead), loaded through the files
source and built with only that source enabled. Against pandas computations from the export
files: no mart reports a period or day after the as-of date, scheduled activities have not
happened, the period in progress is labelled and has a prorated attainment, the conversion of
leads still inside their window is told apart, the weighted pipeline is exact to the cent and
the same on every build, and rep_performance_monthly is rep_performance's month rows."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    CENT,
    MAPPINGS,
    WITHOUT_FORECAST,
    assert_close,
    cents,
    deals_in_usd,
    export_simulator,
    load_files,
    read,
    read_csv,
    rep_ids,
    run_dbt,
    utc,
)

from ingestion import PROJECT_ROOT

pytestmark = pytest.mark.integration

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "small", "2026-06-15"
AS_OF_DAY = dt.date.fromisoformat(AS_OF)
WINDOW_DAYS = 90
# The date columns that say which period, day or cohort a mart row is about.
PERIOD_COLUMNS = (
    "period_start_date",
    "month_start_date",
    "activity_date",
    "snapshot_date",
    "cohort_month_start_date",
)
VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF}


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_simulator(tmp_path_factory.mktemp("export"), SEED, SCALE, AS_OF)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mid_month")


@pytest.fixture(scope="module")
def built(work: Path, export_dir: Path) -> Path:
    home = work / "warehouse"
    load_files(home, MAPPING, base_dir=export_dir)
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=VARS, work_dir=work)
    return home


def _rep_months(home: Path) -> pd.DataFrame:
    mart = read(home, "select * from sales.rep_performance where period_grain = 'month'")
    mart["month"] = pd.to_datetime(mart["period_start_date"]).dt.strftime("%Y-%m")
    return mart


def test_no_mart_reports_a_period_or_a_day_after_the_as_of_date(built: Path) -> None:
    columns = read(
        built,
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ('core', 'sales') and column_name in {PERIOD_COLUMNS} "
        "and table_name != 'dim_dates'",  # the calendar: future days for plans, by design
    )
    assert {"company_performance", "rep_leaderboard", "rep_activity_daily"} <= set(
        columns["table_name"]
    )
    for row in columns.itertuples():
        latest = read(
            built, f"select max({row.column_name}) as d from {row.table_schema}.{row.table_name}"
        )["d"][0]
        assert pd.isna(latest) or latest.date() <= AS_OF_DAY, (row.table_name, latest)
    # The month in progress is there, ranked on its figures so far, not every rep tied at 1.
    june = read(
        built,
        "select * from sales.rep_leaderboard "
        "where period_grain = 'month' and period_start_date = '2026-06-01'",
    )
    assert len(june) > 10 and june["attainment_rank_in_company"].nunique() > 5


def test_only_activities_that_occurred_by_the_as_of_date_count(
    built: Path, export_dir: Path
) -> None:
    activities = read_csv(export_dir, "activities")
    activities["occurred_at"] = utc(activities["occurred_at"])
    scheduled = activities["occurred_at"].dt.date > AS_OF_DAY
    assert scheduled.sum() > 20, "the export should hold meetings and tasks booked ahead"
    occurred = activities[~scheduled].copy()
    occurred["rep_id"] = rep_ids(occurred["owner_id"])
    occurred["month"] = occurred["occurred_at"].dt.strftime("%Y-%m")
    expected = pd.crosstab([occurred["rep_id"], occurred["month"]], occurred["type"])
    expected["activities"] = expected.sum(axis=1)
    expected = expected.reset_index()

    merged = expected.merge(_rep_months(built), on=["rep_id", "month"], how="outer", indicator=True)
    assert (merged["_merge"] != "left_only").all()
    merged = merged.fillna({"activities_x": 0, "meeting": 0, "task": 0, "call": 0, "email": 0})
    assert (merged["activities_y"] == merged["activities_x"]).all()
    assert (merged["meetings"] == merged["meeting"]).all()
    assert (merged["tasks"] == merged["task"]).all()
    daily = read(built, "select sum(activities) as n from sales.rep_activity_daily")
    assert daily["n"][0] == len(occurred)


def _prorated(target: str, period_start: str, period_end: str) -> Decimal:
    """A quota row's part due by the as-of date: its share of days elapsed, to the cent."""
    start, end = dt.date.fromisoformat(period_start), dt.date.fromisoformat(period_end)
    elapsed = max(0, (min(end, AS_OF_DAY) - start).days + 1)
    share = Decimal(elapsed) / Decimal((end - start).days + 1)
    return (Decimal(target) * share).quantize(CENT, rounding=ROUND_HALF_UP)


def test_the_period_in_progress_is_labelled_and_has_a_prorated_attainment(
    built: Path, export_dir: Path
) -> None:
    quotas = read_csv(export_dir, "quotas")
    assert set(quotas["currency"]) == {"USD"} and quotas["period_end"].max() == "2026-06-30"
    quotas["rep_id"] = rep_ids(quotas["rep_id"])
    quotas["prorated"] = [
        _prorated(t, s, e)
        for t, s, e in zip(
            quotas["target"], quotas["period_start"], quotas["period_end"], strict=True
        )
    ]
    deals = deals_in_usd(export_dir)
    won = deals[deals["status"] == "won"]

    performance = read(built, "select * from sales.rep_performance")
    for grain, start in (
        ("month", "2026-06-01"),
        ("fiscal_quarter", "2026-04-01"),
        ("fiscal_year", "2026-01-01"),
    ):
        rows = performance[
            (performance["period_grain"] == grain)
            & (pd.to_datetime(performance["period_start_date"]) == pd.Timestamp(start))
        ]
        assert len(rows) > 10, grain
        assert not rows["is_period_complete"].any(), grain
        assert (
            rows["days_elapsed_in_period"] == (AS_OF_DAY - dt.date.fromisoformat(start)).days + 1
        ).all()
        in_period = quotas[(quotas["period_start"] >= start) & (quotas["period_start"] <= AS_OF)]
        prorated = in_period.groupby("rep_id")["prorated"].sum()
        booked = (
            won[
                (won["closed_at"].dt.strftime("%Y-%m-%d") >= start)
                & (won["closed_at"].dt.strftime("%Y-%m-%d") <= AS_OF)
            ]
            .groupby("rep_id")["amount_usd"]
            .sum()
        )
        with_quota = rows[rows["rep_id"].isin(prorated.index)]
        assert len(with_quota) > 10, grain
        assert (with_quota["prorated_quota"].map(cents) == with_quota["rep_id"].map(prorated)).all()
        expected = [
            float(booked.get(rep, Decimal(0)) / prorated[rep]) for rep in with_quota["rep_id"]
        ]
        assert_close(with_quota["prorated_quota_attainment"], pd.Series(expected), grain, 1e-12)
    # A complete period: both attainments agree, and it says it is complete.
    may = performance[
        (performance["period_grain"] == "month")
        & (pd.to_datetime(performance["period_start_date"]) == pd.Timestamp("2026-05-01"))
    ]
    assert may["is_period_complete"].all() and (may["days_elapsed_in_period"] == 31).all()
    assert_close(may["prorated_quota_attainment"], may["quota_attainment"], "May")


def test_lead_conversion_of_matured_leads_is_told_apart_from_maturing_ones(
    built: Path, export_dir: Path
) -> None:
    deals = deals_in_usd(export_dir)
    leads = read_csv(export_dir, "contacts")
    leads["created_at"] = utc(leads["created_at"])
    converted_at = utc(leads["converted_at"])
    first_deal = deals[deals["contact_id"] != ""].groupby("contact_id")["created_at"].min()
    converted_at = converted_at.fillna(leads["contact_id"].map(first_deal))
    delay = converted_at - leads["created_at"]
    window = pd.Timedelta(days=WINDOW_DAYS)
    leads["converted"] = (delay >= pd.Timedelta(0)) & (delay <= window)
    end_of_as_of = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
    leads["matured"] = leads["created_at"] + window < end_of_as_of
    leads["converted_matured"] = leads["converted"] & leads["matured"]
    leads["rep_id"] = rep_ids(leads["owner_id"])
    leads["month"] = leads["created_at"].dt.strftime("%Y-%m")
    expected = leads.groupby(["rep_id", "month"]).agg(
        created=("matured", "size"),
        matured=("matured", "sum"),
        converted_matured=("converted_matured", "sum"),
    )
    expected = expected.reset_index()

    merged = expected.merge(_rep_months(built), on=["rep_id", "month"], how="left")
    assert (merged["leads_created"] == merged["created"]).all()
    assert (merged["leads_matured"] == merged["matured"]).all()
    assert (merged["leads_maturing"] == merged["created"] - merged["matured"]).all()
    assert (merged["leads_converted_matured"] == merged["converted_matured"]).all()
    rate = merged["converted_matured"] / merged["matured"].where(merged["matured"] > 0)
    assert_close(merged["lead_conversion_rate_matured"], rate, "matured conversion")
    # The latest cohorts are still maturing: their plain rate understates, the matured one is unknown.
    company = read(
        built,
        "select * from sales.company_performance where period_grain = 'month' "
        "order by period_start_date desc limit 3",
    )
    assert (company["leads_maturing"] == company["leads_created"]).all()
    assert company["lead_conversion_rate_matured"].isna().all()


def _stage_probabilities() -> dict[str, Decimal]:
    seed = pd.read_csv(PROJECT_ROOT / "dbt_project" / "seeds" / "stage_map.csv", dtype=str)
    seed = seed[(seed["source_system"] == "files") & (seed["pipeline_id"] == "default")]
    seed = seed[seed["win_probability"].notna()]
    return {
        stage: Decimal(p)
        for stage, p in zip(seed["stage_id"], seed["win_probability"], strict=True)
    }


def test_weighted_pipeline_is_exact_to_the_cent_and_the_same_on_every_build(
    built: Path, export_dir: Path, work: Path, tmp_path: Path
) -> None:
    deals = deals_in_usd(export_dir)
    open_deals = deals[deals["status"] == "open"].copy()
    probability = _stage_probabilities()
    open_deals["weighted"] = [
        (amount * probability[stage]).quantize(CENT, rounding=ROUND_HALF_UP)
        for amount, stage in zip(open_deals["amount_usd"], open_deals["stage_id"], strict=True)
    ]
    expected = open_deals.groupby("rep_id")["weighted"].sum()
    snapshot = read(
        built, f"select * from sales.pipeline_snapshot_daily where snapshot_date = '{AS_OF}'"
    )
    assert len(snapshot) == len(expected) > 10
    assert (snapshot["weighted_pipeline"].map(cents) == snapshot["rep_id"].map(expected)).all()

    # A second clean build of the snapshot gives every row to the cent, in any summation order.
    home = tmp_path / "warehouse"
    shutil.copytree(built, home, symlinks=True)
    select = ["--select", "pipeline_snapshot_daily", "--full-refresh", "--threads", "2"]
    run_dbt(home, "run", *select, dbt_vars=VARS, work_dir=tmp_path)
    order = "order by snapshot_date, rep_id"
    first = read(
        built,
        f"select * exclude (source_loaded_at, rebuilt_at) from sales.pipeline_snapshot_daily {order}",
    )
    again = read(
        home,
        f"select * exclude (source_loaded_at, rebuilt_at) from sales.pipeline_snapshot_daily {order}",
    )
    assert len(first) > 5000
    pd.testing.assert_frame_equal(first, again)


def test_a_deal_closed_after_a_past_as_of_date_is_open_on_that_day(
    built: Path, export_dir: Path, tmp_path: Path
) -> None:
    """Built again as of a past day (a backfill), a deal won or lost after that day is no
    record exception: it is in the day's open pipeline, as pandas counts it from the export,
    and the day's snapshot is the same as in the build as of the export's date."""
    past_day = "2026-05-31"
    end_of_day = pd.Timestamp(past_day, tz="UTC") + pd.Timedelta(days=1)
    deals = deals_in_usd(export_dir)
    created = deals["created_at"] < end_of_day
    open_then = created & ~(deals["closed_at"] < end_of_day)
    closed_later = open_then & deals["closed_at"].notna()
    assert closed_later.sum() > 20, "the export should close some of that day's deals later"

    home = tmp_path / "warehouse"
    shutil.copytree(built, home, symlinks=True)
    select = ["--select", "+pipeline_snapshot_daily", "--full-refresh", "--threads", "2"]
    run_dbt(home, "run", *select, dbt_vars={**VARS, "as_of_date": past_day}, work_dir=tmp_path)

    columns = "rep_id, open_deals, open_pipeline, weighted_pipeline"
    day = f"from sales.pipeline_snapshot_daily where snapshot_date = '{past_day}' order by rep_id"
    backfilled = read(home, f"select {columns} {day}")
    assert backfilled["open_deals"].sum() == open_then.sum()
    pd.testing.assert_frame_equal(backfilled, read(built, f"select {columns} {day}"))
    fact = f"select count(*) as n from core.fct_deals where created_date <= '{past_day}'"
    assert read(home, fact)["n"][0] == read(built, fact)["n"][0]
    listed = read(home, "select source_record_id from core.record_exceptions")
    assert not set(deals.loc[closed_later, "deal_id"]) & set(listed["source_record_id"])


def test_rep_performance_monthly_is_the_month_rows_of_rep_performance(built: Path) -> None:
    monthly = read(
        built, "select * from sales.rep_performance_monthly order by rep_id, month_start_date"
    )
    performance = read(
        built,
        "select period_start_date as month_start_date, * exclude (period_start_date) "
        "from sales.rep_performance where period_grain = 'month' order by rep_id, period_start_date",
    )
    assert len(monthly) > 300
    pd.testing.assert_frame_equal(monthly, performance[list(monthly.columns)])


def test_the_forecast_and_the_reconciliation_read_the_sales_marts(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESPULSE_HOME", str(built))
    from orchestration.defs.checks.reconciliation import bookings_reconcile_with_staging
    from orchestration.defs.forecast.assets import monthly_bookings

    history = monthly_bookings()
    company = read(
        built,
        "select period_start_date, bookings from sales.company_performance "
        "where period_grain = 'month' order by period_start_date",
    )
    series = history[history["series_id"] == "company"].sort_values("month_start")
    assert list(series["bookings"]) == list(company["bookings"])
    teams = read(built, "select distinct team_id from sales.team_performance")
    assert set(history["series_id"]) == {"company"} | {f"team:{t}" for t in teams["team_id"]}

    result = bookings_reconcile_with_staging()
    assert result.passed, result.metadata
