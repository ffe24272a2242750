"""One definition: every semantic-layer metric, queried through `semantic.SemanticLayer` at the
marts' grains, equals the mart column it stands for (docs/metrics.md). Used by the mart tests on
the demo company's export and on the Maven export, whose warehouses they build anyway."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from semantic.layer import SemanticLayer

# Metrics of the sales performance marts, by the mart column of the same name.
ADDITIVE = [
    "bookings",
    "won_deals",
    "lost_deals",
    "lost_amount",
    "leads_created",
    "leads_answered",
    "leads_unanswered",
    "leads_answered_within_sla",
    "leads_converted",
    "leads_matured",
    "leads_converted_matured",
    "activities",
    "calls",
    "emails",
    "meetings",
    "tasks",
]
NULLABLE = [
    "win_rate",
    "amount_win_rate",
    "average_deal_size",
    "sales_cycle_days_median",
    "sales_cycle_days_mean",
    "lead_response_minutes_median",
    "lead_response_sla_share",
    "lead_conversion_rate",
    "lead_conversion_rate_matured",
]
QUOTA = ["quota", "quota_attainment", "prorated_quota", "prorated_quota_attainment"]
PERFORMANCE_METRICS = ADDITIVE + NULLABLE + QUOTA


def semantic_layer_of(home: Path) -> SemanticLayer:
    """The semantic layer over a mart test's build warehouse, with the semantic manifest its
    `dbt build` wrote (run_dbt puts the target folder beside the warehouse folder)."""
    manifest = (home.parent / "target" / "semantic_manifest.json").read_text()
    return SemanticLayer(home / "build.duckdb", manifest_json=manifest)


def read(layer: SemanticLayer, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(layer.warehouse), read_only=True) as con:
        return con.sql(sql).to_arrow_table().to_pandas()


def assert_performance_agrees(layer: SemanticLayer, level: str, grain: str) -> int:
    """Every sales metric at `level` (rep, team) by `grain` equals `<level>_performance`; returns
    the number of rows compared."""
    key = f"{level}_id"
    time = f"metric_time__{grain}"
    metrics = PERFORMANCE_METRICS if _has_quotas(layer) else ADDITIVE + NULLABLE
    result = layer.query(metrics, group_by=[level, time]).frame
    result = result.rename(columns={level: key, time: "period_start_date"})
    mart = read(
        layer,
        f"select * from sales.{level}_performance where period_grain = '{grain}'",
    )
    return _assert_frames_agree(result, mart, [key, "period_start_date"], metrics)


def assert_pipeline_agrees(layer: SemanticLayer) -> int:
    """Open pipeline per rep and day = pipeline_snapshot_daily; per month = its last snapshot day."""
    metrics = ["open_deals", "open_pipeline", "weighted_pipeline"]
    daily = layer.query(metrics, group_by=["rep", "metric_time__day"]).frame
    daily = daily.rename(columns={"rep": "rep_id", "metric_time__day": "snapshot_date"})
    mart = read(layer, "select * from sales.pipeline_snapshot_daily")
    compared = _assert_frames_agree(daily, mart, ["rep_id", "snapshot_date"], metrics, strict=True)

    monthly = layer.query(metrics, group_by=["rep", "metric_time__month"]).frame
    mart["month"] = pd.to_datetime(mart["snapshot_date"]).dt.to_period("M").dt.start_time.dt.date
    last_days = mart.groupby("month")["snapshot_date"].transform("max")
    month_end = mart[mart["snapshot_date"] == last_days]
    monthly = monthly.rename(columns={"rep": "rep_id", "metric_time__month": "month"})
    compared += _assert_frames_agree(monthly, month_end, ["rep_id", "month"], metrics, strict=True)
    return compared


def assert_bookings_to_date_agree(layer: SemanticLayer) -> int:
    """Month and quarter to date per rep and day = pipeline_coverage_daily (fiscal years start in
    January in these tests); trailing 90 days = the won amounts of fct_deals in the window."""
    coverage = read(layer, "select * from sales.pipeline_coverage_daily")
    result = layer.query(
        ["bookings_month_to_date", "bookings_quarter_to_date", "bookings_trailing_90_days"],
        group_by=["rep", "metric_time__day"],
    ).frame
    result = result.rename(columns={"rep": "rep_id", "metric_time__day": "snapshot_date"})
    merged = coverage.merge(result, on=["rep_id", "snapshot_date"], how="left")
    for mart_column, metric in [
        ("month_bookings_to_date", "bookings_month_to_date"),
        ("fiscal_quarter_bookings_to_date", "bookings_quarter_to_date"),
    ]:
        expected = merged[mart_column].map(_money)
        actual = merged[metric].map(lambda v: _money(0 if _is_null(v) else v))
        wrong = merged[expected != actual]
        assert wrong.empty, wrong[["rep_id", "snapshot_date", mart_column, metric]].head()

    won = read(
        layer,
        "select owner_rep_id_at_close as rep_id, closed_date, amount_reporting from core.fct_deals "
        "where is_won and not is_deleted and amount_reporting is not null",
    )
    sample = result.dropna(subset=["bookings_trailing_90_days"]).sample(
        n=min(300, len(result)), random_state=7
    )
    for row in sample.itertuples():
        day = pd.Timestamp(row.snapshot_date)
        window = won[
            (won["rep_id"] == row.rep_id)
            & (pd.to_datetime(won["closed_date"]) > day - pd.Timedelta(days=90))
            & (pd.to_datetime(won["closed_date"]) <= day)
        ]
        assert _money(window["amount_reporting"].sum()) == _money(row.bookings_trailing_90_days)
    return len(merged) + len(sample)


def assert_stage_metrics_agree(layer: SemanticLayer) -> int:
    """Stage conversion per pipeline and stage = stage_funnel_conversion's summed counts; stage
    entries = the history rows of the deals core.fct_deals counts."""
    metrics = ["deals_entered_stage", "next_stage_conversion_rate", "stage_win_rate"]
    result = layer.query(metrics, group_by=["stage_cohort__pipeline", "stage_cohort__stage"]).frame
    mart = read(
        layer,
        "select pipeline_id, stage_id, sum(deals_entered) as deals_entered_stage, "
        "sum(deals_reached_next_stage) / sum(deals_entered) as next_stage_conversion_rate, "
        "sum(deals_won) / sum(deals_entered) as stage_win_rate "
        "from sales.stage_funnel_conversion group by pipeline_id, stage_id",
    )
    result = result.rename(
        columns={"stage_cohort__pipeline": "pipeline_id", "stage_cohort__stage": "stage_id"}
    )
    compared = _assert_frames_agree(result, mart, ["pipeline_id", "stage_id"], metrics, strict=True)

    entries = layer.query(["stage_entries"], group_by=["rep"]).frame
    expected = read(
        layer,
        "select history.owner_rep_id as rep, count(*) as stage_entries "
        "from core.fct_deal_stage_history as history inner join core.fct_deals as deals "
        "on history.deal_id = deals.deal_id where not deals.is_deleted group by 1",
    )
    compared += _assert_frames_agree(entries, expected, ["rep"], ["stage_entries"], strict=True)
    return compared


def assert_survey_metrics_agree(layer: SemanticLayer) -> int:
    """eNPS per team and wave = enps_by_team_wave, per wave = enps_by_wave; pulse per team, wave
    and question = pulse_scores_by_team_wave; suppressed where the marts suppress."""
    enps = ["enps", "enps_responses", "enps_response_rate"]
    by_team = layer.query(
        enps,
        group_by=["team", "survey_answer_count__survey", "survey_answer_count__wave"],
        where=["{{ Dimension('survey_answer_count__question_kind') }} = 'enps'"],
    ).frame
    by_team = by_team.rename(
        columns={
            "team": "team_id",
            "survey_answer_count__survey": "survey_id",
            "survey_answer_count__wave": "wave",
            "enps_responses": "responses",
            "enps_response_rate": "response_rate",
        }
    )
    mart = read(layer, "select * from people.enps_by_team_wave")
    keys = ["survey_id", "wave", "team_id"]
    columns = ["enps", "responses", "response_rate", "is_suppressed"]
    compared = _assert_frames_agree(by_team.dropna(subset=["team_id"]), mart, keys, columns, True)

    by_wave = layer.query(
        enps, group_by=["survey_answer_count__survey", "survey_answer_count__wave"]
    ).frame
    by_wave = by_wave.rename(
        columns={
            "survey_answer_count__survey": "survey_id",
            "survey_answer_count__wave": "wave",
            "enps_responses": "responses",
            "enps_response_rate": "response_rate",
        }
    )
    company = read(layer, "select * from people.enps_by_wave")
    by_wave = by_wave[by_wave["survey_id"].isin(company["survey_id"])]
    compared += _assert_frames_agree(by_wave, company, ["survey_id", "wave"], columns, True)

    pulse = layer.query(
        ["pulse_favourable_share", "pulse_responses"],
        group_by=[
            "team",
            "survey_answer_count__survey",
            "survey_answer_count__wave",
            "survey_answer_count__question",
        ],
        where=["{{ Dimension('survey_answer_count__question_kind') }} = 'likert'"],
    ).frame
    pulse = pulse.rename(
        columns={
            "team": "team_id",
            "survey_answer_count__survey": "survey_id",
            "survey_answer_count__wave": "wave",
            "survey_answer_count__question": "question_id",
            "pulse_favourable_share": "favourable_share",
            "pulse_responses": "responses",
        }
    )
    scores = read(layer, "select * from people.pulse_scores_by_team_wave")
    keys = ["survey_id", "wave", "team_id", "question_id"]
    columns = ["favourable_share", "responses", "is_suppressed"]
    compared += _assert_frames_agree(pulse.dropna(subset=["team_id"]), scores, keys, columns, True)
    return compared


def _has_quotas(layer: SemanticLayer) -> bool:
    return bool(read(layer, "select count(*) as n from semantic.quota_periods")["n"].iloc[0])


def _assert_frames_agree(
    result: pd.DataFrame,
    mart: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    strict: bool = False,
) -> int:
    """Row for row on `keys`. A mart row the semantic layer has no row for must hold nothing
    (0 or NULL); with `strict`, both sides must have the same rows."""
    result, mart = result.copy(), mart.copy()
    for frame in (result, mart):
        for key in keys:
            if "date" in key or key in ("month",):
                frame[key] = pd.to_datetime(frame[key]).dt.date
    merged = mart[keys + columns].merge(
        result[keys + columns], on=keys, how="outer", suffixes=("_mart", "_sl"), indicator="side"
    )
    only_result = merged[merged["side"] == "right_only"]
    assert only_result.empty, f"rows the mart does not have:\n{only_result.head()}"
    if strict:
        only_mart = merged[merged["side"] == "left_only"]
        assert only_mart.empty, f"mart rows the semantic layer misses:\n{only_mart.head()}"
    for column in columns:
        for row in merged.itertuples(index=False):
            expected = getattr(row, f"{column}_mart")
            actual = getattr(row, f"{column}_sl")
            if row.side == "left_only" and column in ADDITIVE:
                actual = 0
            assert _same(expected, actual), (
                f"{column} at {dict(zip(keys, row[: len(keys)], strict=True))}: "
                f"mart {expected!r}, semantic layer {actual!r}"
            )
    assert len(merged) > 0
    return len(merged)


def _same(expected: object, actual: object) -> bool:
    if _is_null(expected) or _is_null(actual):
        return _is_null(expected) and _is_null(actual)
    if isinstance(expected, Decimal) or isinstance(actual, Decimal):
        return _money(expected) == _money(actual)
    if isinstance(expected, bool | str):
        return expected == actual
    return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-9)


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _is_null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
