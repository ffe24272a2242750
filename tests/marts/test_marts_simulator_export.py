"""The demo company's export files (`python -m simulator simulate export`, several currencies),
loaded through the files source with ingestion/mappings/salespulse_export.yml and built with only
that source enabled: the main KPIs of the marts match pandas computations from the export files,
to the cent and the day. Then the company moves on ten days, only what changed is loaded (as an
incremental CRM feed would), and the incremental models equal a full refresh."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    MAPPINGS,
    WITHOUT_FORECAST,
    assert_close,
    attributed_owner_ids,
    cents,
    load_files,
    read,
    rep_ids,
    run_dbt,
)

from simulator.exports import write_delta

pytestmark = pytest.mark.integration

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "small", "2026-06-30"
ADVANCE_DAYS, LATER_AS_OF = 10, "2026-07-10"
SLA_MINUTES, WINDOW_DAYS, THRESHOLD = 60, 90, 5
INCREMENTAL_MODELS = ("fct_activities", "fct_deal_stage_history", "pipeline_snapshot_daily")


def _export(out: Path, advance_days: int = 0) -> Path:
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", str(SEED), "--scale", SCALE, "--as-of", AS_OF, "--format", "csv"]
    command += ["--multi-currency", "--advance-days", str(advance_days)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def _vars(as_of: str) -> dict:
    return {"enabled_sources": ["files"], "as_of_date": as_of}


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, export_dir: Path) -> Path:
    """The export loaded into raw_files and the whole project (models, data tests, unit tests)
    built on it with `enabled_sources: [files]`."""
    work = tmp_path_factory.mktemp("simulator")
    home = work / "warehouse"
    load_files(home, MAPPING, base_dir=export_dir)
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=_vars(AS_OF), work_dir=work)
    return home


def _csv(export_dir: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(export_dir / f"{table}.csv", dtype=str, keep_default_na=False)


def _utc(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.replace("", None), utc=True, format="ISO8601")


@pytest.fixture(scope="module")
def deals(export_dir: Path) -> pd.DataFrame:
    """Live deals with their amount in USD: amount x the FX rate of the close date (creation date
    while open), rounded to cents half away from zero, deal by deal."""
    frame = _csv(export_dir, "deals")
    frame = frame[frame["is_deleted"] == "false"].copy()
    for column in ("created_at", "closed_at"):
        frame[column] = _utc(frame[column])
    rates = _csv(export_dir, "fx_rates")
    rate_of = {
        (row.currency, row.rate_date): Decimal(row.rate_to_reporting) for row in rates.itertuples()
    }
    closed = frame["status"].isin(["won", "lost"])
    frame["rate_day"] = (
        frame["closed_at"].where(closed, frame["created_at"]).dt.strftime("%Y-%m-%d")
    )
    frame["amount_usd"] = [
        cents(Decimal(amount) * (Decimal(1) if currency == "USD" else rate_of[(currency, day)]))
        for amount, currency, day in zip(
            frame["amount"], frame["currency"], frame["rate_day"], strict=True
        )
    ]
    assert set(frame["currency"]) > {"USD"}, "the export should mix currencies"
    # Closed deals count for the owner when they closed, though some were handed on since.
    owners = attributed_owner_ids(export_dir, frame)
    assert (owners != frame["owner_id"]).sum() > 10, "the export should hand won deals on"
    frame["rep_id"] = rep_ids(owners)
    return frame


def _rep_months(home: Path) -> pd.DataFrame:
    mart = read(home, "select * from sales.rep_performance where period_grain = 'month'")
    mart["month"] = pd.to_datetime(mart["period_start_date"]).dt.strftime("%Y-%m")
    return mart


def test_bookings_won_lost_win_rate_and_deal_size_match_pandas(
    built: Path, deals: pd.DataFrame
) -> None:
    closed = deals[deals["status"].isin(["won", "lost"])].copy()
    closed["month"] = closed["closed_at"].dt.strftime("%Y-%m")
    closed["won_usd"] = [
        a if s == "won" else Decimal(0)
        for a, s in zip(closed["amount_usd"], closed["status"], strict=True)
    ]
    closed["lost_usd"] = [
        a if s == "lost" else Decimal(0)
        for a, s in zip(closed["amount_usd"], closed["status"], strict=True)
    ]
    closed["won"] = closed["status"] == "won"
    expected = closed.groupby(["rep_id", "month"]).agg(
        bookings=("won_usd", "sum"),
        lost_amount=("lost_usd", "sum"),
        won_deals=("won", "sum"),
        closed_deals=("won", "size"),
    )
    expected = expected.reset_index()
    expected["lost_deals"] = expected["closed_deals"] - expected["won_deals"]

    mart = _rep_months(built)
    merged = expected.merge(mart, on=["rep_id", "month"], how="left", suffixes=("_e", ""))
    assert merged["bookings"].notna().all()
    assert len(merged) > 400
    assert (merged["won_deals"] == merged["won_deals_e"]).all()
    assert (merged["lost_deals"] == merged["lost_deals_e"]).all()
    assert (merged["bookings"].map(cents) == merged["bookings_e"]).all()
    assert (merged["lost_amount"].map(cents) == merged["lost_amount_e"]).all()
    assert_close(merged["win_rate"], merged["won_deals_e"] / merged["closed_deals"], "win_rate")
    sizes = [
        cents(b / w) if w else None
        for b, w in zip(merged["bookings_e"], merged["won_deals_e"], strict=True)
    ]
    assert (
        list(merged["average_deal_size"].map(lambda v: None if pd.isna(v) else cents(v))) == sizes
    )
    # Months of the grid with nothing closed: NULL win rate, not 0.
    idle = mart[mart["won_deals"] + mart["lost_deals"] == 0]
    assert len(idle) > 0 and idle["win_rate"].isna().all()


def test_sales_cycle_median_and_mean_match_pandas_to_the_day(
    built: Path, deals: pd.DataFrame
) -> None:
    won = deals[deals["status"] == "won"].copy()
    won["month"] = won["closed_at"].dt.strftime("%Y-%m")
    won["cycle_days"] = (won["closed_at"].dt.normalize() - won["created_at"].dt.normalize()).dt.days
    assert (won["cycle_days"] >= 0).all()
    expected = won.groupby(["rep_id", "month"])["cycle_days"].agg(["median", "mean"]).reset_index()
    merged = expected.merge(_rep_months(built), on=["rep_id", "month"], how="left")
    assert_close(merged["sales_cycle_days_median"], merged["median"], "median cycle")
    assert_close(merged["sales_cycle_days_mean"], merged["mean"], "mean cycle")


def test_lead_response_and_conversion_match_pandas(
    built: Path, export_dir: Path, deals: pd.DataFrame
) -> None:
    leads = _csv(export_dir, "contacts")
    leads["created_at"] = _utc(leads["created_at"])
    leads["converted_at"] = _utc(leads["converted_at"])
    first_deal = deals[deals["contact_id"] != ""].groupby("contact_id")["created_at"].min()
    leads["converted_at"] = leads["converted_at"].fillna(leads["contact_id"].map(first_deal))

    acts = _csv(export_dir, "activities")
    acts["occurred_at"] = _utc(acts["occurred_at"])
    # A meeting answers when the rep booked it (the export's created_at, mapped as logged_at),
    # or when it took place if it was logged afterwards; one the prospect booked (inbound) never.
    meeting = acts["type"] == "meeting"
    booked = _utc(acts["created_at"])
    acts.loc[meeting, "occurred_at"] = acts.loc[meeting, "occurred_at"].where(
        acts.loc[meeting, "occurred_at"] <= booked[meeting], booked[meeting]
    )
    assert (meeting & (acts["direction"] == "inbound")).sum() > 50
    responses = acts[
        (acts["type"].isin(["call", "email"]) & (acts["direction"] == "outbound"))
        | (meeting & (acts["direction"] != "inbound"))
    ]
    responses = responses[responses["occurred_at"].dt.strftime("%Y-%m-%d") <= AS_OF]
    lead_created = leads[["contact_id", "created_at"]].rename(
        columns={"created_at": "lead_created_at"}
    )
    joined = responses.merge(lead_created, on="contact_id")
    joined = joined[joined["occurred_at"] >= joined["lead_created_at"]]
    leads["first_response_at"] = leads["contact_id"].map(
        joined.groupby("contact_id")["occurred_at"].min()
    )
    leads["minutes"] = (leads["first_response_at"] - leads["created_at"]).dt.total_seconds() / 60
    leads["answered"] = leads["first_response_at"].notna()
    leads["within_sla"] = leads["minutes"] <= SLA_MINUTES
    delay = leads["converted_at"] - leads["created_at"]
    leads["converted"] = (delay >= pd.Timedelta(0)) & (delay <= pd.Timedelta(days=WINDOW_DAYS))
    leads["rep_id"] = "files:" + leads["owner_id"]
    leads["month"] = leads["created_at"].dt.strftime("%Y-%m")
    expected = leads.groupby(["rep_id", "month"]).agg(
        created=("answered", "size"),
        answered=("answered", "sum"),
        median_minutes=("minutes", "median"),
        within=("within_sla", "sum"),
        converted=("converted", "sum"),
    )
    expected = expected.reset_index()

    merged = expected.merge(_rep_months(built), on=["rep_id", "month"], how="left")
    assert (merged["leads_created"] == merged["created"]).all()
    assert (merged["leads_answered"] == merged["answered"]).all()
    assert (merged["leads_unanswered"] == merged["created"] - merged["answered"]).all()
    assert (merged["leads_answered_within_sla"] == merged["within"]).all()
    assert (merged["leads_converted"] == merged["converted"]).all()
    assert_close(merged["lead_response_minutes_median"], merged["median_minutes"], "median", 1e-6)
    assert_close(merged["lead_response_sla_share"], merged["within"] / merged["created"], "sla")
    assert_close(merged["lead_conversion_rate"], merged["converted"] / merged["created"], "conv")
    assert merged["leads_unanswered"].sum() > 0


def test_quota_attainment_matches_pandas(
    built: Path, export_dir: Path, deals: pd.DataFrame
) -> None:
    quotas = _csv(export_dir, "quotas")
    assert set(quotas["currency"]) == {"USD"}
    quotas["rep_id"] = "files:" + quotas["rep_id"]
    quotas["month"] = quotas["period_start"].str[:7]
    won = deals[deals["status"] == "won"].copy()
    won["month"] = won["closed_at"].dt.strftime("%Y-%m")
    bookings = won.groupby(["rep_id", "month"])["amount_usd"].sum()
    merged = quotas.merge(_rep_months(built), on=["rep_id", "month"], how="left")
    assert (merged["quota"].map(cents) == merged["target"].map(cents)).all()
    expected = [
        float(bookings.get((rep, month), Decimal(0)) / Decimal(target))
        for rep, month, target in zip(
            merged["rep_id"], merged["month"], merged["target"], strict=True
        )
    ]
    assert_close(merged["quota_attainment"], pd.Series(expected), "attainment", 1e-12)


def test_open_pipeline_on_the_as_of_date_matches_pandas(built: Path, deals: pd.DataFrame) -> None:
    open_deals = deals[deals["status"] == "open"]
    expected = open_deals.groupby("rep_id")["amount_usd"].agg(["sum", "size"]).reset_index()
    snapshot = read(
        built, f"select * from sales.pipeline_snapshot_daily where snapshot_date = '{AS_OF}'"
    )
    merged = expected.merge(snapshot, on="rep_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["open_deals"] == merged["size"]).all()
    assert (merged["open_pipeline"].map(cents) == merged["sum"]).all()
    assert (merged["weighted_pipeline"] <= merged["open_pipeline"]).all()


def _survey_answers(export_dir: Path) -> pd.DataFrame:
    answers = _csv(export_dir, "survey_responses")
    questions = _csv(export_dir, "survey_questions")[["survey_id", "question_id", "kind"]]
    answers = answers.merge(questions, on=["survey_id", "question_id"])
    answers = answers[answers["kind"].isin(["enps", "likert"])].copy()
    answers["value"] = answers["value"].astype("float64")
    return answers


def test_enps_and_response_rates_match_pandas_with_small_teams_suppressed(
    built: Path, export_dir: Path
) -> None:
    answers = _survey_answers(export_dir)
    enps = answers[answers["kind"] == "enps"]
    keys = ["survey_id", "wave", "team_id"]
    counts = enps.groupby(keys)["value"].agg(
        responses="size",
        promoters=lambda v: int((v >= 9).sum()),
        detractors=lambda v: int((v <= 6).sum()),
    )
    waves = _csv(export_dir, "survey_waves")
    expected = waves.merge(counts.reset_index(), on=keys, how="inner")
    expected = expected.rename(columns={"team_id": "team"})

    mart = read(built, "select * from people.enps_by_team_wave")
    mart["survey_id"] = mart["survey_id"].str.removeprefix("files:")
    mart["team"] = mart["team_id"].str.removeprefix("files:")
    merged = expected.merge(mart, on=["survey_id", "wave", "team"], how="left", suffixes=("_e", ""))
    assert merged["is_suppressed"].notna().all()
    # Invitations: the export's own count equals the team's headcount the marts derive.
    assert (merged["invited"] == merged["invited_e"].astype("int64")).all()
    small = merged["responses_e"] < THRESHOLD
    assert small.any() and (~small).any()
    assert merged.loc[small, "is_suppressed"].all()
    # A suppressed group shows neither its figures nor how many answered.
    hidden = ["enps", "promoters", "detractors", "responses", "response_rate"]
    assert merged.loc[small, hidden].isna().all().all()
    shown = merged[~small]
    assert (shown["responses"] == shown["responses_e"]).all()
    assert_close(shown["response_rate"], shown["responses_e"] / shown["invited"], "rate")
    assert not shown["is_suppressed"].any()
    expected_enps = 100 * (shown["promoters_e"] - shown["detractors_e"]) / shown["responses_e"]
    assert_close(shown["enps"], expected_enps, "eNPS", 1e-9)


def _likert_answers(export_dir: Path) -> pd.DataFrame:
    """The pulse answers with their question's scale and their place in it (0-1)."""
    answers = _survey_answers(export_dir)
    likert = answers[answers["kind"] == "likert"].copy()
    scales = _csv(export_dir, "survey_questions")[
        ["survey_id", "question_id", "scale_min", "scale_max"]
    ]
    likert = likert.merge(scales, on=["survey_id", "question_id"])
    low, high = likert["scale_min"].astype(int), likert["scale_max"].astype(int)
    likert["position"] = (likert["value"] - low) / (high - low)
    # Favourable: above the midpoint of the question's own scale (4-5, 5-7, 6-10).
    likert["favourable"] = likert["value"] > (low + high) / 2
    return likert


def test_pulse_scores_match_pandas_per_scale_with_small_teams_suppressed(
    built: Path, export_dir: Path
) -> None:
    likert = _likert_answers(export_dir)
    assert {(lo, hi) for lo, hi in zip(likert["scale_min"], likert["scale_max"], strict=True)} == {
        ("1", "5"),
        ("1", "7"),
        ("0", "10"),
    }, "the demo pulse mixes 1-5, 1-7 and 0-10 questions"
    keys = ["survey_id", "wave", "team_id", "question_id", "scale_min", "scale_max"]
    expected = likert.groupby(keys).agg(
        responses=("value", "size"),
        mean=("value", "mean"),
        index=("position", "mean"),
        favourable=("favourable", "mean"),
    )
    expected = expected.reset_index().rename(columns={"team_id": "team"})
    expected[["scale_min", "scale_max"]] = expected[["scale_min", "scale_max"]].astype("int64")
    mart = read(built, "select * from people.pulse_scores_by_team_wave")
    mart["survey_id"] = mart["survey_id"].str.removeprefix("files:")
    mart["team"] = mart["team_id"].str.removeprefix("files:")
    on = ["survey_id", "wave", "team", "question_id", "scale_min", "scale_max"]
    merged = expected.merge(mart, on=on, how="left")
    assert merged["is_suppressed"].notna().all(), "every question keeps its own scale"
    shown = merged["responses_x"] >= THRESHOLD
    assert merged.loc[~shown, "is_suppressed"].all()
    hidden = ["mean_score", "mean_score_index", "favourable_share", "responses_y", "response_rate"]
    assert merged.loc[~shown, hidden].isna().all().all()
    assert (merged.loc[shown, "responses_x"] == merged.loc[shown, "responses_y"]).all()
    assert_close(merged.loc[shown, "mean_score"], merged.loc[shown, "mean"], "mean", 1e-9)
    assert_close(
        merged.loc[shown, "mean_score_index"], 100 * merged.loc[shown, "index"], "index", 1e-9
    )
    assert_close(
        merged.loc[shown, "favourable_share"], merged.loc[shown, "favourable"], "fav", 1e-9
    )


def test_team_engagement_never_averages_answers_of_different_scales(
    built: Path, export_dir: Path
) -> None:
    likert = _likert_answers(export_dir)
    expected = likert.groupby(["survey_id", "wave", "team_id"]).agg(
        respondents=("response_id", "nunique"),
        index=("position", "mean"),
        favourable=("favourable", "mean"),
    )
    expected = expected.reset_index().rename(columns={"team_id": "team"})
    mart = read(
        built, "select * from people.team_engagement_vs_performance where survey_kind = 'pulse'"
    )
    mart["survey_id"] = mart["survey_id"].str.removeprefix("files:")
    mart["team"] = mart["team_id"].str.removeprefix("files:")
    merged = expected.merge(mart, on=["survey_id", "wave", "team"], how="left")
    shown = merged["respondents_x"] >= THRESHOLD
    assert shown.any() and (~shown).any()
    # The pulse mixes scales: no raw mean of its answers, ever; the index compares them.
    assert merged["pulse_mean_score"].isna().all() and merged["pulse_scale_min"].isna().all()
    assert (merged.loc[shown, "respondents_y"] == merged.loc[shown, "respondents_x"]).all()
    assert (
        merged.loc[~shown, ["respondents_y", "response_rate", "pulse_score_index"]]
        .isna()
        .all()
        .all()
    )
    assert_close(
        merged.loc[shown, "pulse_score_index"], 100 * merged.loc[shown, "index"], "index", 1e-9
    )
    assert_close(
        merged.loc[shown, "pulse_favourable_share"], merged.loc[shown, "favourable"], "fav", 1e-9
    )


def _incremental_tables(home: Path) -> dict[str, pd.DataFrame]:
    order = {
        "fct_activities": "activity_id",
        "fct_deal_stage_history": "deal_id, entry_number",
        "pipeline_snapshot_daily": "snapshot_date, rep_id",
    }
    schema = {"pipeline_snapshot_daily": "sales"}
    # Lineage of the incremental runs: when a row was last computed, and from which load.
    lineage = {"pipeline_snapshot_daily": ["source_loaded_at", "rebuilt_at"]}
    return {
        model: read(
            home, f"select * from {schema.get(model, 'core')}.{model} order by {keys}"
        ).drop(columns=lineage.get(model, []))
        for model, keys in order.items()
    }


@pytest.mark.slow  # two more dbt builds
def test_incremental_models_equal_a_full_refresh_after_an_incremental_load(
    built: Path, export_dir: Path, tmp_path: Path
) -> None:
    home = tmp_path / "warehouse"
    shutil.copytree(built, home, symlinks=True)
    later = _export(tmp_path / "later", advance_days=ADVANCE_DAYS)
    changed = write_delta(export_dir, later, tmp_path / "delta")
    assert 0 < changed["activities"] < 44_000  # a feed of what changed, not everything
    assert 0 < changed["deals"] < 4_000
    load_files(home, MAPPING, base_dir=tmp_path / "delta", export="incremental")

    run_dbt(home, "run", *WITHOUT_FORECAST, dbt_vars=_vars(LATER_AS_OF), work_dir=tmp_path)
    incremental = _incremental_tables(home)
    loads = read(home, "select count(distinct loaded_at) as loads from core.fct_activities")
    assert loads["loads"][0] == 2, "unchanged activities kept their first load"
    assert str(incremental["pipeline_snapshot_daily"]["snapshot_date"].max())[:10] == LATER_AS_OF

    select = ["--select", *INCREMENTAL_MODELS, "--full-refresh"]
    run_dbt(home, "run", *select, dbt_vars=_vars(LATER_AS_OF), work_dir=tmp_path)
    full = _incremental_tables(home)
    for model in INCREMENTAL_MODELS:
        assert len(incremental[model]) > 0, model
        pd.testing.assert_frame_equal(incremental[model], full[model], obj=model)


def _band(per_week: float) -> str:
    for upper, band in ((0.5, "<0.5"), (1, "0.5-1"), (2, "1-2"), (4, "2-4")):
        if per_week < upper:
            return band
    return "4+"


def test_win_drivers_rate_activity_per_week_with_wilson_intervals(
    built: Path, export_dir: Path, deals: pd.DataFrame
) -> None:
    """Company-wide win drivers recomputed from the export: activities per week open (not a raw
    count), Wilson intervals from statsmodels, lead sources in the canonical spelling, small
    samples flagged and unranked."""
    from statsmodels.stats.proportion import proportion_confint

    closed = deals[deals["status"].isin(["won", "lost"])].copy()
    closed["year"] = "FY" + closed["closed_at"].dt.strftime("%Y")
    acts = _csv(export_dir, "activities")
    acts["occurred_at"] = _utc(acts["occurred_at"])
    linked = acts.merge(closed[["deal_id", "closed_at"]], on="deal_id")
    linked = linked[linked["occurred_at"] <= linked["closed_at"]]
    closed["activities"] = closed["deal_id"].map(linked.groupby("deal_id").size()).fillna(0)
    hours = (closed["closed_at"] - closed["created_at"]).dt.total_seconds() / 3600
    closed["per_week"] = closed["activities"] / (hours.clip(lower=24) / (24 * 7))
    closed["band"] = [
        0 if a == 0 else _band(r)
        for a, r in zip(closed["activities"], closed["per_week"], strict=True)
    ]
    closed["band"] = closed["band"].astype(str)
    closed["source"] = closed["lead_source"].str.lower()
    closed["won"] = closed["status"] == "won"

    mart = read(built, "select * from sales.win_drivers where scope = 'company'")
    for driver, column in (("activities_per_week_band", "band"), ("lead_source", "source")):
        expected = closed.groupby(["year", column])["won"].agg(["size", "sum"]).reset_index()
        rows = mart[mart["driver"] == driver].merge(
            expected,
            left_on=["fiscal_year_label", "driver_value"],
            right_on=["year", column],
            how="outer",
            indicator=True,
        )
        assert (rows["_merge"] == "both").all(), driver
        assert (rows["closed_deals"] == rows["size"]).all() and (
            rows["won_deals"] == rows["sum"]
        ).all()
        low, high = proportion_confint(rows["sum"], rows["size"], alpha=0.05, method="wilson")
        # The marts round to four decimals (half a unit, and a last-bit tie may go either way).
        assert_close(rows["win_rate_ci_low"], pd.Series(low), f"{driver} low", 1.5e-4)
        assert_close(rows["win_rate_ci_high"], pd.Series(high), f"{driver} high", 1.5e-4)
        small = rows["size"] < 30
        assert small.any() and (~small).any()
        assert (rows["is_below_minimum_sample"] == small).all()
        assert rows.loc[small, "win_rate_rank"].isna().all()
        ranked = rows[~small].copy()
        ranked["expected_rank"] = ranked.groupby("year")["win_rate"].rank(
            method="min", ascending=False
        )
        assert (ranked["win_rate_rank"] == ranked["expected_rank"]).all()
    # Long deals are not simply the busy ones: some deals with few activities a week have many.
    assert (closed.loc[closed["band"] == "<0.5", "activities"] >= 5).any()


@pytest.mark.slow  # another load and dbt build
def test_deals_missing_from_a_later_full_export_leave_the_marts(
    built: Path, export_dir: Path, deals: pd.DataFrame, tmp_path: Path
) -> None:
    """The next full export no longer holds some won and open deals (deleted in the CRM): after
    the load and an incremental dbt run, bookings and the open pipeline are those of the deals
    the export still holds, computed with pandas."""
    home = tmp_path / "warehouse"
    shutil.copytree(built, home, symlinks=True)
    later = tmp_path / "later"
    shutil.copytree(export_dir, later)
    exported = _csv(export_dir, "deals")
    live = exported[exported["is_deleted"] == "false"]
    removed = set(live[live["status"] == "won"]["deal_id"].iloc[::25])
    removed |= set(live[live["status"] == "open"]["deal_id"].iloc[::10])
    assert len(removed) > 50
    exported[~exported["deal_id"].isin(removed)].to_csv(later / "deals.csv", index=False)
    load_files(home, MAPPING, base_dir=later)
    run_dbt(home, "run", *WITHOUT_FORECAST, dbt_vars=_vars(AS_OF), work_dir=tmp_path)

    kept = deals[~deals["deal_id"].isin(removed)]
    won = kept[kept["status"] == "won"].copy()
    won["month"] = won["closed_at"].dt.strftime("%Y-%m")
    expected = won.groupby(["rep_id", "month"])["amount_usd"].agg(["sum", "size"]).reset_index()
    mart = _rep_months(home)
    mart = mart[mart["won_deals"] > 0]
    merged = expected.merge(mart, on=["rep_id", "month"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "a rep-month of bookings appears or vanishes"
    assert (merged["won_deals"] == merged["size"]).all()
    assert (merged["bookings"].map(cents) == merged["sum"]).all()
    assert sum(merged["sum"]) < sum(deals[deals["status"] == "won"]["amount_usd"])

    open_deals = kept[kept["status"] == "open"]
    snapshot = read(
        home, f"select * from sales.pipeline_snapshot_daily where snapshot_date = '{AS_OF}'"
    )
    expected_open = open_deals.groupby("rep_id")["amount_usd"].agg(["sum", "size"]).reset_index()
    merged = expected_open.merge(snapshot, on="rep_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["open_deals"] == merged["size"]).all()
    assert (merged["open_pipeline"].map(cents) == merged["sum"]).all()


def test_every_semantic_layer_metric_equals_its_mart_column(built: Path) -> None:
    """One definition (issue 12): every metric of the semantic layer, queried through MetricFlow's
    Python API at rep x month and team x fiscal quarter (and per day, stage, team-wave), equals
    the mart column it stands for; the project's semantic manifest passes MetricFlow's checks."""
    from semantic_agreement import (
        assert_bookings_to_date_agree,
        assert_performance_agrees,
        assert_pipeline_agrees,
        assert_stage_metrics_agree,
        assert_survey_metrics_agree,
        semantic_layer_of,
    )

    from semantic.manifest import validate_manifest

    assert validate_manifest((built.parent / "target" / "semantic_manifest.json").read_text()) == []
    layer = semantic_layer_of(built)
    assert assert_performance_agrees(layer, "rep", "month") > 100
    assert assert_performance_agrees(layer, "team", "fiscal_quarter") > 10
    assert assert_pipeline_agrees(layer) > 100
    assert assert_bookings_to_date_agree(layer) > 100
    assert assert_stage_metrics_agree(layer) > 5
    assert assert_survey_metrics_agree(layer) > 100


def test_a_survey_grouping_that_isolates_one_respondent_is_suppressed(
    built: Path, export_dir: Path
) -> None:
    """A team and wave with a single eNPS respondent (found in the export with pandas): however
    the semantic layer is asked (that team-wave, or any grouping filtered down to it, or
    MetricFlow's own engine on the building blocks), no figure and no count comes back."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
    from semantic_agreement import semantic_layer_of

    answers = _survey_answers(export_dir)
    enps = answers[answers["kind"] == "enps"]
    sizes = enps.groupby(["survey_id", "wave", "team_id"])["response_id"].nunique()
    survey, wave, team = sizes[sizes == 1].index[0]
    survey, team = f"files:{survey}", f"files:{team}"
    layer = semantic_layer_of(built)
    metrics = ["enps", "enps_responses", "enps_response_rate"]
    only_them = [
        f"{{{{ Dimension('survey_answer_count__survey') }}}} = '{survey}'",
        f"{{{{ Dimension('survey_answer_count__wave') }}}} = '{wave}'",
        f"{{{{ Entity('team') }}}} = '{team}'",
    ]

    for group_by in (["team", "survey_answer_count__wave"], ["survey_answer_count__wave"], []):
        rows = layer.query(metrics, group_by=group_by, where=only_them).frame
        assert len(rows) == 1, group_by
        assert rows[metrics].isna().all(axis=None), rows
        assert rows["is_suppressed"].all()

    # The raw engine, on the building blocks: the published counts hold nothing for the team.
    request = MetricFlowQueryRequest.create(
        metric_names=["enps_cell_responses", "enps_cell_promoters", "enps_cell_detractors"],
        group_by_names=["team"],
        where_constraints=only_them,
    )
    sql = layer.engine.explain(request).sql_statement.sql
    raw = read(built, sql)
    assert raw.drop(columns="team").isna().all(axis=None), raw

    # Where the company's other suppressed teams hold enough answers, the wave is shown whole.
    company = read(built, "select * from people.enps_by_wave where not is_suppressed")
    shown = layer.query(
        metrics, group_by=["survey_answer_count__survey", "survey_answer_count__wave"]
    )
    merged = company.merge(
        shown.frame,
        left_on=["survey_id", "wave"],
        right_on=["survey_answer_count__survey", "survey_answer_count__wave"],
    )
    assert len(merged) == len(company) > 0
    assert (merged["responses"] == merged["enps_responses"]).all()
