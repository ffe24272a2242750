"""The pipeline as it was, on the demo company's export (files source, its field history of
amount, close date, owner and forecast category beside the stage history): the waterfall equals
the company's known truth on every rep row, its won movement is the bookings of the rep who won
the deal, and the daily snapshot of past days equals a pandas reconstruction from the export's
field history (each deal's amount, owner and forecast category of that day, not today's)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
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

SEED, SCALE, AS_OF = 7, "small", "2026-06-30"
MONEY = (
    "opening_pipeline", "created", "reopened", "increased", "decreased", "pulled_in",
    "pushed_out", "won", "lost", "transferred_in", "transferred_out", "closing_pipeline",
)  # fmt: skip
# Month ends and a mid-quarter day: the snapshot of each is checked whole.
SNAPSHOT_DAYS = ("2024-03-31", "2025-02-14", "2025-09-30", "2026-01-31", "2026-06-15")


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_simulator(tmp_path_factory.mktemp("export"), SEED, SCALE, AS_OF)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, export_dir: Path) -> Path:
    work = tmp_path_factory.mktemp("history")
    home = work / "warehouse"
    load_files(home, MAPPINGS / "salespulse_export.yml", base_dir=export_dir)
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": AS_OF}
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=dbt_vars, work_dir=work)
    return home


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    for column in MONEY:
        frame[column] = frame[column].map(lambda value: cents(Decimal(str(value))))
    return frame


def test_waterfall_equals_the_demo_company_truth_on_every_rep_row(
    built: Path, export_dir: Path
) -> None:
    truth = pd.read_csv(
        export_dir / "truth" / "truth_pipeline_waterfall.csv", dtype=str, keep_default_na=False
    )
    truth = _money(truth.rename(columns={"period_start": "period_start_date"}))
    truth["rep_id"] = rep_ids(truth["rep_id"])
    truth = truth[(truth[list(MONEY)] != 0).any(axis=1)]
    mart = read(built, "select * from sales.pipeline_waterfall where waterfall_level = 'rep'")
    mart = _money(mart)
    mart["period_start_date"] = mart["period_start_date"].astype(str)
    key = ["rep_id", "period_grain", "period_start_date"]
    merged = truth.merge(mart, on=key, how="outer", suffixes=("_truth", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][key].head()
    assert len(merged) > 1000
    for column in MONEY:
        wrong = merged[merged[column] != merged[f"{column}_truth"]]
        assert wrong.empty, (column, wrong[[*key, column, f"{column}_truth"]].head())
    # The demo company exercises every movement but reopening.
    for column in set(MONEY) - {"reopened"}:
        assert (merged[column] != 0).any(), column


def test_won_movement_is_the_bookings_of_the_rep_who_won(built: Path) -> None:
    """-won of a rep's month is the rep's bookings (rep_performance): the owner when the deal
    was won, whoever owns it now."""
    waterfall = read(
        built,
        "select rep_id, period_start_date, -won as won from sales.pipeline_waterfall"
        " where waterfall_level = 'rep' and period_grain = 'month' and won != 0",
    )
    bookings = read(
        built,
        "select rep_id, period_start_date, bookings from sales.rep_performance"
        " where period_grain = 'month' and bookings > 0",
    )
    merged = waterfall.merge(bookings, on=["rep_id", "period_start_date"], how="outer")
    assert len(merged) > 300
    assert (merged["won"].map(cents) == merged["bookings"].map(cents)).all()


def _value_on(history: pd.DataFrame, prop: str, day: pd.Timestamp) -> pd.Series:
    """Per deal, the value of `prop` at the end of `day` (UTC): its last change on or before
    the day, else its first recorded value."""
    changes = history[history["property"] == prop]
    by_then = changes[changes["changed_at"] < day + pd.Timedelta(days=1)]
    last = by_then.groupby("deal_id")["value"].last()
    first = changes.groupby("deal_id")["value"].first()
    return last.reindex(first.index).fillna(first)


def _snapshot_in_pandas(export_dir: Path, day: str) -> pd.DataFrame:
    deals = read_csv(export_dir, "deals")
    deals = deals[deals["is_deleted"] == "false"].copy()
    for column in ("created_at", "closed_at"):
        deals[column] = utc(deals[column])
    history = read_csv(export_dir, "deal_property_history")
    history["changed_at"] = utc(history["changed_at"])
    history = history.sort_values(["deal_id", "changed_at"], kind="stable")
    rates = read_csv(export_dir, "fx_rates")
    rate_of = {(r.currency, r.rate_date): Decimal(r.rate_to_reporting) for r in rates.itertuples()}

    at = pd.Timestamp(day, tz="UTC")
    end = at + pd.Timedelta(days=1)
    open_then = deals[
        (deals["created_at"] < end) & (deals["closed_at"].isna() | (deals["closed_at"] >= end))
    ].copy()
    for prop, column in (("amount", "amount"), ("owner_id", "owner_id")):
        then = open_then["deal_id"].map(_value_on(history, prop, at))
        open_then[column] = then.where(then.notna(), open_then[column])
    category = open_then["deal_id"].map(_value_on(history, "forecast_category", at))
    open_then["forecast_category"] = category.where(
        category.notna(), open_then["forecast_category"]
    )
    # One rate per deal on every day, as its bookings have: its close date's once it closed
    # (since), its creation date's while open.
    rate_day = open_then["closed_at"].fillna(open_then["created_at"]).dt.strftime("%Y-%m-%d")
    open_then["usd"] = [
        cents(Decimal(a) * (Decimal(1) if c == "USD" else rate_of[(c, d)]))
        for a, c, d in zip(open_then["amount"], open_then["currency"], rate_day, strict=True)
    ]
    open_then["commit"] = [
        u if f.lower() == "commit" else Decimal(0)
        for u, f in zip(open_then["usd"], open_then["forecast_category"], strict=True)
    ]
    open_then["rep_id"] = rep_ids(open_then["owner_id"])
    return (
        open_then.groupby("rep_id")
        .agg(open_deals=("usd", "size"), open_pipeline=("usd", "sum"), commit=("commit", "sum"))
        .reset_index()
    )


@pytest.mark.parametrize("day", SNAPSHOT_DAYS)
def test_pipeline_snapshot_of_a_past_day_is_the_pipeline_as_it_was(
    built: Path, export_dir: Path, day: str
) -> None:
    expected = _snapshot_in_pandas(export_dir, day)
    mart = read(
        built,
        "select rep_id, open_deals, open_pipeline, commit_pipeline"
        f" from sales.pipeline_snapshot_daily where snapshot_date = date '{day}'",
    )
    merged = expected.merge(mart, on="rep_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(merged) > 5
    assert (merged["open_deals_x"] == merged["open_deals_y"]).all()
    assert (merged["open_pipeline_x"] == merged["open_pipeline_y"].map(cents)).all()
    assert (merged["commit"] == merged["commit_pipeline"].map(cents)).all()


def test_deal_slippage_matches_the_close_date_history_of_the_export(
    built: Path, export_dir: Path
) -> None:
    """Per deal, from the export's close_date history: the date each open day ended with
    (changes before the creation date count from it; the close day is no longer open), the
    first and last of them, the days it moved later or earlier, and the days pushed."""
    deals = read_csv(export_dir, "deals")
    deals = deals[deals["is_deleted"] == "false"]
    created = utc(deals.set_index("deal_id")["created_at"]).dt.strftime("%Y-%m-%d")
    closed = utc(deals.set_index("deal_id")["closed_at"]).dt.strftime("%Y-%m-%d")
    history = read_csv(export_dir, "deal_property_history")
    history = history[
        (history["property"] == "close_date") & history["deal_id"].isin(deals["deal_id"])
    ].copy()
    history["changed_at"] = utc(history["changed_at"])
    history = history.sort_values(["deal_id", "changed_at"], kind="stable")
    history["day"] = history["changed_at"].dt.strftime("%Y-%m-%d")
    history["day"] = history["day"].where(
        history["day"] >= history["deal_id"].map(created), history["deal_id"].map(created)
    )
    close_day = history["deal_id"].map(closed)
    history = history[close_day.isna() | (history["day"] < close_day)]
    daily = history.groupby(["deal_id", "day"])["value"].last().str[:10].reset_index()
    daily["previous"] = daily.groupby("deal_id")["value"].shift()
    moved = daily[daily["previous"].notna() & (daily["value"] != daily["previous"])].copy()
    moved["days"] = (pd.to_datetime(moved["value"]) - pd.to_datetime(moved["previous"])).dt.days
    pushes = moved[moved["days"] > 0].groupby("deal_id")["days"].agg(["size", "sum"])
    pulls = moved[moved["days"] < 0].groupby("deal_id").size()
    expected = daily.groupby("deal_id")["value"].agg(["first", "last"])
    expected["times_pushed"] = pushes["size"].reindex(expected.index).fillna(0).astype(int)
    expected["days_pushed"] = pushes["sum"].reindex(expected.index).fillna(0).astype(int)
    expected["times_pulled_in"] = pulls.reindex(expected.index).fillna(0).astype(int)

    mart = read(built, "select * from sales.deal_slippage where deal_id like 'files:%'")
    mart["deal_id"] = mart["deal_id"].str.removeprefix("files:")
    mart = mart.set_index("deal_id").loc[expected.index]
    assert len(expected) > 1000 and expected["times_pushed"].sum() > 100
    assert (mart["first_expected_close_date"].astype(str) == expected["first"]).all()
    assert (mart["last_expected_close_date"].astype(str) == expected["last"]).all()
    for column in ("times_pushed", "times_pulled_in", "days_pushed"):
        assert (mart[column] == expected[column]).all(), column


@pytest.fixture(scope="module")
def reloaded_without_field_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An export without a field-history file (as most CRM exports are) loaded twice, ten days
    apart, with the project built after each load: the history is what the dbt snapshot of the
    successive full exports kept. Returns (warehouse home, the later export)."""
    import yaml

    work = tmp_path_factory.mktemp("snapshots")
    mapping = yaml.safe_load((MAPPINGS / "salespulse_export.yml").read_text())
    del mapping["entities"]["deal_property_history"]
    mapping_path = work / "mapping.yml"
    mapping_path.write_text(yaml.safe_dump(mapping))
    home = work / "warehouse"
    for advance_days, as_of in ((0, AS_OF), (10, "2026-07-10")):
        dbt_vars = {"enabled_sources": ["files"], "as_of_date": as_of}
        export = export_simulator(
            work / f"export_{advance_days}", SEED, SCALE, AS_OF, "--advance-days", str(advance_days)
        )
        (export / "deal_property_history.csv").unlink()
        load_files(home, mapping_path, base_dir=export)
        selection = ("--select", "+fct_deal_versions", "--indirect-selection", "cautious")
        run_dbt(home, "build", *selection, dbt_vars=dbt_vars, work_dir=work)
    return home, work


def test_repeated_full_exports_become_a_history_through_the_dbt_snapshot(
    reloaded_without_field_history: tuple[Path, Path],
) -> None:
    """A deal whose amount changed between the two exports has the first export's amount up to
    the day before its new last_modified_at, and the second's from that day on."""
    home, work = reloaded_without_field_history
    first, later = (read_csv(work / f"export_{days}", "deals") for days in (0, 10))
    both = first.merge(later, on="deal_id", suffixes=("_first", "_later"))
    changed = both[
        (both["amount_first"] != both["amount_later"])
        & (both["is_deleted_later"] == "false")
        & (both["amount_first"] != "")
        & (both["amount_later"] != "")
    ].copy()
    assert len(changed) > 3, "ten days of the demo company change some amounts"
    changed["day"] = utc(changed["last_modified_at_later"]).dt.strftime("%Y-%m-%d")
    changed["created"] = utc(changed["created_at_later"]).dt.strftime("%Y-%m-%d")
    changed = changed[changed["day"] > changed["created"]]
    versions = read(
        home,
        "select deal_id, cast(valid_from_date as varchar) as valid_from_date,"
        " cast(valid_to_date as varchar) as valid_to_date, amount from core.fct_deal_versions",
    )
    versions["deal_id"] = versions["deal_id"].str.removeprefix("files:")
    versions["valid_to_date"] = versions["valid_to_date"].fillna("9999-12-31")

    def amount_on(deal_id: str, day: str) -> Decimal:
        rows = versions[
            (versions["deal_id"] == deal_id)
            & (versions["valid_from_date"] <= day)
            & (versions["valid_to_date"] >= day)
        ]
        assert len(rows) == 1, (deal_id, day, rows)
        return cents(rows["amount"].iloc[0])

    for row in changed.itertuples():
        before = (pd.Timestamp(row.day) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        assert amount_on(row.deal_id, before) == cents(row.amount_first), row.deal_id
        assert amount_on(row.deal_id, row.day) == cents(row.amount_later), row.deal_id


def test_win_loss_breakdown_matches_the_export_by_deal_type_and_loss_reason(
    built: Path, export_dir: Path
) -> None:
    """Per fiscal quarter, company-wide: won and lost deals and amounts by deal type (new
    business vs renewal/expansion) and closed-lost reason, as pandas counts them."""
    deals = deals_in_usd(export_dir)
    deals = deals[deals["status"].isin(["won", "lost"]) & (deals["closed_at"] < "2026-07-01")]
    deals = deals.copy()
    quarter = deals["closed_at"].dt.tz_localize(None).dt.to_period("Q").dt.start_time
    deals["period_start_date"] = quarter.dt.strftime("%Y-%m-%d")
    types = {"newbusiness": "new_business", "existingbusiness": "existing_business", "": "unknown"}
    deals["deal_type"] = deals["deal_type"].map(types)
    reason = deals["closed_lost_reason"].str.lower().str.replace(" ", "_")
    deals["loss_reason"] = reason.replace("", "not_given").where(deals["status"] == "lost")
    deals["outcome"] = deals["status"]
    deals["amount_usd"] = deals["amount_usd"].map(lambda v: Decimal(0) if v is None else v)
    key = ["period_start_date", "deal_type", "outcome", "loss_reason"]
    expected = (
        deals.groupby(key, dropna=False)
        .agg(deals=("deal_id", "size"), amount=("amount_usd", "sum"))
        .reset_index()
    )
    mart = read(
        built,
        "select cast(period_start_date as varchar) as period_start_date, deal_type, outcome,"
        " loss_reason, sum(deals) as deals, sum(amount) as amount from sales.win_loss_breakdown"
        " where period_grain = 'fiscal_quarter' group by all",
    )
    merged = expected.merge(mart, on=key, how="outer", indicator=True, suffixes=("", "_mart"))
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged["deals"] == merged["deals_mart"]).all()
    assert (merged["amount"].map(cents) == merged["amount_mart"].map(cents)).all()
    assert {"new_business", "existing_business"} <= set(merged["deal_type"])
    assert merged["loss_reason"].nunique() > 3


def test_stage_velocity_and_aging_match_pandas(built: Path, export_dir: Path) -> None:
    """Per open stage: median and 80th percentile of the days of the stays live deals completed
    by the end of the as-of date (whole seconds, as SQL counts them), and the deals open then
    that have been in their stage for longer than its 80th percentile."""
    deals = read_csv(export_dir, "deals")
    live = deals[deals["is_deleted"] == "false"].set_index("deal_id")["status"]
    stays = read_csv(export_dir, "deal_stage_history")
    stays = stays[
        stays["deal_id"].isin(live.index) & ~stays["stage_id"].isin(["closedwon", "closedlost"])
    ].copy()
    end = pd.Timestamp("2026-07-01", tz="UTC")
    entered = utc(stays["entered_at"]).dt.floor("s")
    exited = utc(stays["exited_at"]).dt.floor("s")
    stays["completed"] = exited.notna() & (exited < end)
    stays["days"] = (exited.where(stays["completed"], end) - entered).dt.total_seconds() / 86400
    completed = stays[stays["completed"]].groupby("stage_id")["days"]
    expected = pd.DataFrame(
        {"median": completed.median(), "p80": completed.quantile(0.8), "n": completed.size()}
    )
    current = stays[~stays["completed"] & (stays["deal_id"].map(live) == "open")].copy()
    current["aged"] = current["days"] > current["stage_id"].map(expected["p80"])
    expected["open_deals"] = current.groupby("stage_id").size()
    expected["aged"] = current.groupby("stage_id")["aged"].sum()

    mart = read(built, "select * from sales.stage_velocity").set_index("stage_id")
    assert set(mart.index) == set(expected.index)
    mart = mart.loc[expected.index]
    assert (mart["completed_stays"] == expected["n"]).all()
    assert_close(mart["median_days_in_stage"], expected["median"], "median", tolerance=1e-9)
    assert_close(mart["p80_days_in_stage"], expected["p80"], "p80", tolerance=1e-9)
    assert (mart["open_deals"] == expected["open_deals"].fillna(0)).all()
    assert (mart["aged_open_deals"] == expected["aged"].fillna(0)).all()
    assert expected["aged"].sum() > 10


# The forecast-category roll-up and the aging list: the as-of date closes a fiscal quarter, so the
# next quarter holds the open pipeline (the current one only what is overdue).
QUARTERS = {"2026-04-01": ("2026-04-01", "2026-06-30"), "2026-07-01": ("2026-07-01", "2026-09-30")}
CATEGORY_AMOUNTS = ("commit_amount", "best_case_amount", "pipeline_amount", "not_forecast_amount")


def _open_deals_as_of(export_dir: Path, day: str) -> pd.DataFrame:
    """The live deals open at the end of `day` (UTC) with the amount (USD at the creation
    date's rate), owner, forecast category and close date each had then, from the export."""
    deals = read_csv(export_dir, "deals")
    deals = deals[deals["is_deleted"] == "false"].copy()
    for column in ("created_at", "closed_at"):
        deals[column] = utc(deals[column])
    history = read_csv(export_dir, "deal_property_history")
    history["changed_at"] = utc(history["changed_at"])
    history = history.sort_values(["deal_id", "changed_at"], kind="stable")
    at = pd.Timestamp(day, tz="UTC")
    end = at + pd.Timedelta(days=1)
    deals = deals[
        (deals["created_at"] < end) & (deals["closed_at"].isna() | (deals["closed_at"] >= end))
    ].copy()
    for prop, column in (
        ("amount", "amount"), ("owner_id", "owner_id"),
        ("forecast_category", "forecast_category"), ("close_date", "close_date"),
    ):  # fmt: skip
        then = deals["deal_id"].map(_value_on(history, prop, at))
        deals[column] = then.where(then.notna(), deals[column])
    rates = read_csv(export_dir, "fx_rates")
    rate_of = {(r.currency, r.rate_date): Decimal(r.rate_to_reporting) for r in rates.itertuples()}
    deals["usd"] = [
        cents(Decimal(a) * (Decimal(1) if c == "USD" else rate_of[(c, d.strftime("%Y-%m-%d"))]))
        for a, c, d in zip(deals["amount"], deals["currency"], deals["created_at"], strict=True)
    ]
    teams = read_csv(export_dir, "reps").set_index("rep_id")["team_id"]
    deals["team_id"] = rep_ids(deals["owner_id"].map(teams).fillna(""))
    deals["rep_id"] = rep_ids(deals["owner_id"])
    deals["close_day"] = deals["close_date"].str[:10]
    return deals


def test_forecast_category_rollup_matches_pandas_and_reconciles(
    built: Path, export_dir: Path
) -> None:
    """Per rep and quarter: the open pipeline at the end of the as-of date by the category and
    owner each deal had then (overdue deals count now), recomputed from the export; bookings to
    date are the won deals closed in the quarter by the owner at close; team rows are the sums
    of their reps' and the company row the sum of the teams'."""
    deals = _open_deals_as_of(export_dir, AS_OF)
    deals["close_day"] = deals["close_day"].where(deals["close_day"] >= AS_OF, AS_OF)
    deals["quarter_start_date"] = None
    for start, (first, last) in QUARTERS.items():
        inside = (deals["close_day"] >= first) & (deals["close_day"] <= last)
        deals.loc[inside, "quarter_start_date"] = start
    deals = deals[deals["quarter_start_date"].notna()].copy()
    category = deals["forecast_category"].str.lower()
    for name in ("commit", "best_case", "pipeline"):
        deals[f"{name}_amount"] = deals["usd"].where(category == name, Decimal(0))
    known = category.isin(["commit", "best_case", "pipeline"])
    deals["not_forecast_amount"] = deals["usd"].where(~known, Decimal(0))
    key = ["rep_id", "quarter_start_date"]
    expected = deals.groupby(key).agg(
        open_deals=("usd", "size"), **{c: (c, "sum") for c in CATEGORY_AMOUNTS}
    )

    won = deals_in_usd(export_dir)
    won = won[(won["status"] == "won") & (won["closed_at"] >= pd.Timestamp("2026-04-01", tz="UTC"))]
    won = won[won["closed_at"] < pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)]
    bookings = won.groupby("rep_id")["amount_usd"].sum()

    mart = read(built, "select * from sales.forecast_category_rollup")
    mart["quarter_start_date"] = mart["quarter_start_date"].astype(str)
    for column in (*CATEGORY_AMOUNTS, "open_pipeline", "bookings_to_date"):
        mart[column] = mart[column].map(cents)
    reps = mart[mart["forecast_level"] == "rep"].set_index(key)
    with_pipeline = reps[reps["open_deals"] > 0]
    assert set(with_pipeline.index) == set(expected.index)
    assert len(expected) > 15 and expected["commit_amount"].sum() > 0
    for column in ("open_deals", *CATEGORY_AMOUNTS):
        got = with_pipeline.loc[expected.index, column]
        differs = got != expected[column]
        assert not differs.any(), (column, got[differs], expected[column][differs])
    this_quarter = reps.xs("2026-04-01", level="quarter_start_date")["bookings_to_date"]
    assert (this_quarter == bookings.reindex(this_quarter.index).fillna(0).map(cents)).all()
    assert set(bookings.index) <= set(this_quarter.index), "a rep's bookings are missing"

    # Team = Σ its reps, company = Σ the teams, on every additive column.
    additive = ["open_deals", *CATEGORY_AMOUNTS, "open_pipeline", "bookings_to_date"]
    rep_sums = (
        mart[mart["forecast_level"] == "rep"]
        .groupby(["team_id", "quarter_start_date"])[additive]
        .sum()
    )
    teams = mart[mart["forecast_level"] == "team"].set_index(["team_id", "quarter_start_date"])
    assert (teams.loc[rep_sums.index, additive] == rep_sums).all().all()
    assert len(teams) == len(rep_sums)
    team_sums = teams.groupby("quarter_start_date")[additive].sum()
    company = mart[mart["forecast_level"] == "company"].set_index("quarter_start_date")
    assert (company.loc[team_sums.index, additive] == team_sums).all().all()
    # The cumulative forecasts, on every row.
    assert (
        mart["commit_forecast"].map(cents) == mart["bookings_to_date"] + mart["commit_amount"]
    ).all()
    assert (
        mart["best_case_forecast"].map(cents)
        == mart["bookings_to_date"] + mart["commit_amount"] + mart["best_case_amount"]
    ).all()


def _stage_norms(export_dir: Path, end: pd.Timestamp) -> pd.Series:
    """Per open stage, the 80th percentile of the days of the stays live deals completed before
    `end` (whole seconds, as SQL counts them)."""
    deals = read_csv(export_dir, "deals")
    live = deals.loc[deals["is_deleted"] == "false", "deal_id"]
    stays = read_csv(export_dir, "deal_stage_history")
    stays = stays[
        stays["deal_id"].isin(live) & ~stays["stage_id"].isin(["closedwon", "closedlost"])
    ]
    entered = utc(stays["entered_at"]).dt.floor("s")
    exited = utc(stays["exited_at"]).dt.floor("s")
    completed = exited.notna() & (exited < end)
    days = (exited - entered).dt.total_seconds() / 86400
    return days[completed].groupby(stays.loc[completed, "stage_id"]).quantile(0.8)


def test_open_deal_aging_matches_pandas(built: Path, export_dir: Path) -> None:
    """Each deal open at the end of the as-of date: its owner, amount and expected close date
    then, days since created, its days in the stage it was in (from its stay in the stage
    history) against the stage's 80th percentile; the aged deals add up to stage_velocity's."""
    end = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
    deals = _open_deals_as_of(export_dir, AS_OF).set_index("deal_id")
    stays = read_csv(export_dir, "deal_stage_history")
    entered = utc(stays["entered_at"])
    exited = utc(stays["exited_at"])
    stays = stays[(entered < end) & (exited.isna() | (exited >= end))].copy()
    stays["days"] = (end - utc(stays["entered_at"]).dt.floor("s")).dt.total_seconds() / 86400
    stays = stays.set_index("deal_id").loc[deals.index]
    norms = _stage_norms(export_dir, end)
    expected = pd.DataFrame(
        {
            "owner_rep_id": deals["rep_id"],
            "stage_id": stays["stage_id"],
            "amount": deals["usd"],
            "days_since_created": (
                pd.Timestamp(AS_OF) - deals["created_at"].dt.tz_localize(None).dt.normalize()
            ).dt.days,
            "expected_close_date": deals["close_day"],
            "days_in_stage": stays["days"],
            "norm": stays["stage_id"].map(norms),
        }
    )
    expected["aged"] = expected["days_in_stage"] > expected["norm"]
    expected.index = "files:" + expected.index

    mart = read(built, "select * from sales.open_deal_aging").set_index("deal_id")
    assert set(mart.index) == set(expected.index)
    assert len(mart) > 100
    mart = mart.loc[expected.index]
    assert (mart["owner_rep_id"] == expected["owner_rep_id"]).all()
    assert (mart["stage_id"] == expected["stage_id"]).all()
    assert (mart["amount_reporting"].map(cents) == expected["amount"]).all()
    assert (mart["days_since_created"] == expected["days_since_created"]).all()
    assert (mart["expected_close_date"].astype(str) == expected["expected_close_date"]).all()
    assert_close(mart["days_in_stage"], expected["days_in_stage"], "days in stage", 1e-9)
    assert_close(mart["stage_norm_days"], expected["norm"], "norm", 1e-9)
    assert (mart["is_older_than_norm"] == expected["aged"]).all()
    assert expected["aged"].sum() > 10
    velocity = read(built, "select stage_id, aged_open_deals from sales.stage_velocity")
    aged = mart.groupby("stage_id")["is_older_than_norm"].sum()
    assert (
        velocity.set_index("stage_id")["aged_open_deals"]
        == aged.reindex(velocity["stage_id"]).fillna(0).values
    ).all()


# pipeline_weighted_forecast as of a day in the past, mid-quarter, on the same export: deals
# changed amount, stage and owner since, and some reps booked without any pipeline left.
PAST = "2026-05-20"
PAST_QUARTERS = {
    "2026-04-01": ("2026-04-01", "2026-06-30"),
    "2026-07-01": ("2026-07-01", "2026-09-30"),
}


@pytest.fixture(scope="module")
def built_as_of_past(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse rebuilt with as_of_date = PAST: the forecast, and the sales performance it
    reads, as they stood at the end of that day."""
    work = tmp_path_factory.mktemp("as_of_past")
    home = work / "warehouse"
    shutil.copytree(built, home, symlinks=True)
    selection = (
        "--select", "+pipeline_weighted_forecast", "+team_performance", "+company_performance",
        *WITHOUT_FORECAST,
    )  # fmt: skip
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": PAST}
    run_dbt(home, "run", *selection, dbt_vars=dbt_vars, work_dir=work)
    return home


def _weighted_pipeline_in_pandas(export_dir: Path, day: str) -> pd.DataFrame:
    """Per rep and quarter: the deals open at the end of `day` with the amount, owner and close
    date each had then (an overdue one closes on the day), weighted by the win probability of
    the stage it was in then (deal_stage_history), to the cent deal by deal. A deal won or lost
    since was open on the day and counts (a close after the as-of date is no record exception)."""
    deals = _open_deals_as_of(export_dir, day).copy()
    # One FX rate per deal on every day (docs/metrics.md): a deal closed since converts at its
    # close date's rate, on the days it was open too.
    rates = read_csv(export_dir, "fx_rates")
    rate_of = {(r.currency, r.rate_date): Decimal(r.rate_to_reporting) for r in rates.itertuples()}
    closed = deals["closed_at"].notna()
    deals.loc[closed, "usd"] = [
        cents(Decimal(a) * (Decimal(1) if c == "USD" else rate_of[(c, d.strftime("%Y-%m-%d"))]))
        for a, c, d in zip(
            deals.loc[closed, "amount"],
            deals.loc[closed, "currency"],
            deals.loc[closed, "closed_at"],
            strict=True,
        )
    ]
    end = pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)
    stays = read_csv(export_dir, "deal_stage_history")
    entered, exited = utc(stays["entered_at"]), utc(stays["exited_at"])
    stays = stays[(entered < end) & (exited.isna() | (exited >= end))]
    stage_then = stays.set_index("deal_id")["stage_id"]
    probability = _stage_probabilities()
    deals["weighted"] = [
        cents(usd * probability[stage_then[deal]])
        for usd, deal in zip(deals["usd"], deals["deal_id"], strict=True)
    ]
    deals["close_day"] = deals["close_day"].where(deals["close_day"] >= day, day)
    deals["quarter_start_date"] = None
    for start, (first, last) in PAST_QUARTERS.items():
        inside = (deals["close_day"] >= first) & (deals["close_day"] <= last)
        deals.loc[inside, "quarter_start_date"] = start
    deals = deals[deals["quarter_start_date"].notna()]
    return deals.groupby(["rep_id", "quarter_start_date"]).agg(
        open_pipeline=("usd", "sum"), weighted_pipeline=("weighted", "sum")
    )


def _stage_probabilities() -> dict[str, Decimal]:
    seed = pd.read_csv(PROJECT_ROOT / "dbt_project" / "seeds" / "stage_map.csv", dtype=str)
    seed = seed[(seed["source_system"] == "files") & seed["win_probability"].notna()]
    return dict(zip(seed["stage_id"], seed["win_probability"].map(Decimal), strict=True))


def test_weighted_forecast_of_a_past_day_is_the_pipeline_as_it_was_and_every_booking(
    built_as_of_past: Path, export_dir: Path
) -> None:
    """As of PAST: each rep's open and weighted pipeline per quarter equal pandas on the export's
    field and stage history of that day (not today's state); every rep who booked in the
    quarter has a row with those bookings (won deals closed in the quarter by the day, by the
    owner at close); team and company bookings are team_performance's and
    company_performance's; team and company pipeline the sums of their reps'."""
    expected = _weighted_pipeline_in_pandas(export_dir, PAST)
    mart = read(built_as_of_past, "select * from sales.pipeline_weighted_forecast")
    assert (mart["as_of_date"].astype(str) == PAST).all()
    mart["quarter_start_date"] = mart["quarter_start_date"].astype(str)
    money = ["bookings_to_date", "open_pipeline", "weighted_pipeline"]
    for column in money:
        mart[column] = mart[column].map(cents)
    key = ["rep_id", "quarter_start_date"]
    reps = mart[mart["forecast_level"] == "rep"].set_index(key)
    with_pipeline = reps[reps["open_pipeline"] != 0]
    assert set(with_pipeline.index) == set(expected.index)
    assert len(expected) > 15
    for column in ("open_pipeline", "weighted_pipeline"):
        got = with_pipeline.loc[expected.index, column]
        differs = got != expected[column]
        assert not differs.any(), (column, got[differs], expected[column][differs])
    # The pipeline as it was differs from today's for some reps: the comparison can tell.
    today = _open_deals_as_of(export_dir, AS_OF)
    today = today[today["created_at"] < pd.Timestamp(PAST, tz="UTC") + pd.Timedelta(days=1)]
    today_by_rep = today.groupby("rep_id")["usd"].sum()
    then_by_rep = expected.groupby("rep_id")["open_pipeline"].sum()
    reps_either = today_by_rep.index.union(then_by_rep.index)
    assert (
        today_by_rep.reindex(reps_either, fill_value=0)
        != then_by_rep.reindex(reps_either, fill_value=0)
    ).any()

    won = deals_in_usd(export_dir)
    won = won[
        (won["status"] == "won")
        & (won["closed_at"] >= pd.Timestamp("2026-04-01", tz="UTC"))
        & (won["closed_at"] < pd.Timestamp(PAST, tz="UTC") + pd.Timedelta(days=1))
    ]
    bookings = won.groupby("rep_id")["amount_usd"].sum().map(cents)
    this_quarter = reps.xs("2026-04-01", level="quarter_start_date")["bookings_to_date"]
    assert set(bookings.index) <= set(this_quarter.index), "a rep's bookings are missing"
    assert (this_quarter == bookings.reindex(this_quarter.index).fillna(Decimal(0))).all()
    assert (reps.xs("2026-07-01", level="quarter_start_date")["bookings_to_date"] == 0).all()

    def performance(level: str, columns: str) -> pd.DataFrame:
        return read(
            built_as_of_past,
            f"select {columns}, bookings from sales.{level}_performance"
            " where period_grain = 'fiscal_quarter' and period_start_date = date '2026-04-01'",
        )

    teams = mart[(mart["forecast_level"] == "team") & (mart["quarter_start_date"] == "2026-04-01")]
    team_bookings = performance("team", "team_id").set_index("team_id")["bookings"].map(cents)
    team_bookings = team_bookings[team_bookings != 0]
    assert set(team_bookings.index) <= set(teams["team_id"])
    got = teams.set_index("team_id")["bookings_to_date"]
    assert (got == team_bookings.reindex(got.index).fillna(Decimal(0))).all()
    company = mart[mart["forecast_level"] == "company"].set_index("quarter_start_date")
    assert company.loc["2026-04-01", "bookings_to_date"] == cents(
        performance("company", "1 as one")["bookings"][0]
    )
    assert company.loc["2026-04-01", "bookings_to_date"] == bookings.sum() > 0
    # Team and company pipeline: the sums of their reps'.
    rep_sums = reps.reset_index().groupby(["team_id", "quarter_start_date"])[money[1:]].sum()
    team_rows = mart[mart["forecast_level"] == "team"].set_index(["team_id", "quarter_start_date"])
    assert (team_rows.loc[rep_sums.index, money[1:]] == rep_sums).all().all()
    company_sums = reps.groupby(level="quarter_start_date")[money[1:]].sum()
    assert (company.loc[company_sums.index, money[1:]] == company_sums).all().all()
