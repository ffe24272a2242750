"""The metrics alert rules can watch, each read from the published marts as one frame with the
columns below, one row per subject (rep, team, company) and period. Every value is a mart's own
column, or a count over a mart's rows: alerts never define a metric anew (docs/metrics.md).

Frame columns: subject_id, subject_name, team_id, period_label, period_start_date,
is_evaluated (the period the rule judges: the last complete one, the one holding the as-of
date, the as-of day or the latest wave), value, sample (the count the value rests on, for min_sample).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ingestion.warehouse import PublishedWarehouse

PERFORMANCE_MART = {
    "rep": ("rep_performance", "rep_id", "rep_name"),
    "team": ("team_performance", "team_id", "team_name"),
    "company": ("company_performance", "'company'", "'Company'"),
}
UNKNOWN_MEMBER = "unassigned"  # the rep and team that ownerless records roll up to


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str  # share, ratio, count, days, score: how a value is written in a message
    sample_label: str  # what `sample` counts, for the message: "leads", "days elapsed"
    levels: tuple[str, ...]
    periods: tuple[str, ...]
    read: Callable[[PublishedWarehouse, str, str, date], pd.DataFrame]


def as_of_date(con: PublishedWarehouse) -> date:
    """The last day the published marts report on."""
    (day,) = con.execute(
        f"select max(date_day) from {con.relation('core', 'dim_dates')} "
        "where not is_after_as_of_date"
    ).fetchone()
    return day


def _performance(column: str, sample: str, in_progress: bool):
    """A column of rep/team/company_performance; judged on the last complete period, or on the
    period that holds the as-of date (pace metrics)."""

    def read(con, level: str, period: str, as_of: date) -> pd.DataFrame:
        mart, subject_id, subject_name = PERFORMANCE_MART[level]
        team_id = {"rep": "team_id", "team": "team_id", "company": "null"}[level]
        frame = con.execute(
            f"""
            select {subject_id} as subject_id, {subject_name} as subject_name,
                {team_id} as team_id, period_label, period_start_date, is_period_complete,
                cast({column} as double precision) as value, cast({sample} as double precision) as sample
            from {con.relation("sales", mart)}
            where period_grain = ? and period_start_date <= ?
            """,
            [period, as_of],
        ).df()
        if in_progress:  # the period holding the as-of date, complete on its last day
            judged = frame["period_start_date"].max()
        else:
            judged = frame.loc[frame["is_period_complete"], "period_start_date"].max()
        frame["is_evaluated"] = frame["period_start_date"] == judged
        return frame.drop(columns="is_period_complete")

    return read


def _working_days_without_activity(con, level: str, period: str, as_of: date) -> pd.DataFrame:
    """Weekdays (Monday to Friday) after the rep's last activity day, up to the as-of date;
    counted from the rep's start date when the rep has no activity since. Active reps only."""
    return con.execute(
        f"""
        with last_activity as (
            select rep_id, max(activity_date) as last_activity_date
            from {con.relation("sales", "rep_activity_daily")}
            group by rep_id
        ),
        reps as (
            select reps.rep_id, reps.rep_name, reps.team_id,
                greatest(
                    coalesce(last_activity.last_activity_date + 1, reps.start_date),
                    coalesce(reps.start_date, last_activity.last_activity_date + 1)
                ) as counting_from
            from {con.relation("core", "dim_reps")} as reps
            left join last_activity on last_activity.rep_id = reps.rep_id
            where reps.is_active and not reps.is_unknown_member
        )
        select reps.rep_id as subject_id, reps.rep_name as subject_name, reps.team_id,
            cast(? as varchar) as period_label, cast(? as date) as period_start_date,
            true as is_evaluated,
            cast(count(dates.date_day) as double precision) as value, cast(null as double precision) as sample
        from reps
        left join {con.relation("core", "dim_dates")} as dates
            on dates.date_day >= reps.counting_from and dates.date_day <= ?
            and not dates.is_weekend
        group by reps.rep_id, reps.rep_name, reps.team_id
        """,
        [as_of.isoformat(), as_of, as_of],
    ).df()


def _open_deals_past_close_date(con, level: str, period: str, as_of: date) -> pd.DataFrame:
    """Live open deals whose expected close date is before the as-of date; sample: open deals."""
    subject = {
        "rep": ("deals.owner_rep_id", "coalesce(reps.rep_name, deals.owner_rep_id)"),
        "team": ("deals.team_id", "coalesce(teams.team_name, deals.team_id)"),
        "company": ("'company'", "'Company'"),
    }[level]
    team_id = "null" if level == "company" else "deals.team_id"
    return con.execute(
        f"""
        select {subject[0]} as subject_id, {subject[1]} as subject_name, {team_id} as team_id,
            cast(? as varchar) as period_label, cast(? as date) as period_start_date,
            true as is_evaluated,
            cast(count(case when deals.expected_close_date < ? then 1 end) as double precision) as value,
            cast(count(*) as double precision) as sample
        from {con.relation("core", "fct_deals")} as deals
        left join {con.relation("core", "dim_reps")} as reps on reps.rep_id = deals.owner_rep_id
        left join {con.relation("core", "dim_teams")} as teams on teams.team_id = deals.team_id
        where deals.status = 'open' and not deals.is_deleted and deals.created_date <= ?
        group by 1, 2, 3
        """,
        [as_of.isoformat(), as_of, as_of, as_of],
    ).df()


def _fiscal_quarter_pipeline_coverage(con, level: str, period: str, as_of: date) -> pd.DataFrame:
    """A rep's fiscal_quarter_coverage in pipeline_coverage_daily on the as-of date."""
    return con.execute(
        f"""
        select rep_id as subject_id, rep_name as subject_name, team_id,
            cast(snapshot_date as varchar) as period_label, snapshot_date as period_start_date,
            true as is_evaluated, cast(fiscal_quarter_coverage as double precision) as value,
            cast(null as double precision) as sample
        from {con.relation("sales", "pipeline_coverage_daily")}
        where snapshot_date = ?
        """,
        [as_of],
    ).df()


def _next_fiscal_quarter_pipeline_coverage(
    con, level: str, period: str, as_of: date
) -> pd.DataFrame:
    """The next fiscal quarter's pipeline_coverage in pipeline_weighted_forecast (open pipeline
    expected to close in it ÷ its quota), as of the as-of date. Only rows with a quota: a rep's
    quota sits on the row of the rep's current team, so each rep is one subject."""
    subject = {
        "rep": ("forecast.rep_id", "coalesce(reps.rep_name, forecast.rep_id)", "forecast.team_id"),
        "team": (
            "forecast.team_id",
            "coalesce(teams.team_name, forecast.team_id)",
            "forecast.team_id",
        ),
        "company": ("'company'", "'Company'", "null"),
    }[level]
    return con.execute(
        f"""
        select {subject[0]} as subject_id, {subject[1]} as subject_name, {subject[2]} as team_id,
            cast(forecast.quarter_start_date as varchar) as period_label,
            forecast.quarter_start_date as period_start_date, true as is_evaluated,
            cast(forecast.pipeline_coverage as double precision) as value, cast(null as double precision) as sample
        from {con.relation("sales", "pipeline_weighted_forecast")} as forecast
        left join {con.relation("core", "dim_reps")} as reps on reps.rep_id = forecast.rep_id
        left join {con.relation("core", "dim_teams")} as teams on teams.team_id = forecast.team_id
        where forecast.forecast_level = ? and not forecast.is_current_quarter
            and forecast.quota is not null
        """,
        [level],
    ).df()


def _team_wave(column: str, sample: str, mart: str, where: str = "true"):
    """A team's figure per survey wave, NULL where the group is below the anonymity threshold
    (the marts suppress it), so a suppressed wave is never judged or compared."""

    def read(con, level: str, period: str, as_of: date) -> pd.DataFrame:
        frame = con.execute(
            f"""
            select team_id as subject_id, team_name as subject_name, team_id,
                survey_id || ' wave ' || cast(wave as varchar) as period_label,
                -- Each team's wave opens with its first answer: a wave starts when any team's did,
                -- so that every team's figure of one wave is judged and compared together.
                min(opened_date) over (partition by survey_id, wave) as period_start_date,
                case when is_suppressed then null else cast({column} as double precision) end as value,
                case when is_suppressed then null else cast({sample} as double precision) end as sample
            from {con.relation(*mart.split("."))}
            where {where} and opened_date <= ?
            """,
            [as_of],
        ).df()
        frame["is_evaluated"] = frame["period_start_date"] == frame["period_start_date"].max()
        return frame

    return read


PERIODS = ("week", "month", "fiscal_quarter")
LEVELS = ("rep", "team", "company")
METRICS: dict[str, Metric] = {
    "lead_response_sla_share": Metric(
        "lead response SLA share",
        "share",
        "leads",
        LEVELS,
        PERIODS,
        _performance("lead_response_sla_share", "leads_created", in_progress=False),
    ),
    "win_rate": Metric(
        "win rate",
        "share",
        "closed deals",
        LEVELS,
        PERIODS,
        _performance("win_rate", "won_deals + lost_deals", in_progress=False),
    ),
    "quota_attainment_pace": Metric(
        "quota attainment pace (prorated)",
        "ratio",
        "days elapsed",
        LEVELS,
        ("month", "fiscal_quarter"),
        _performance("prorated_quota_attainment", "days_elapsed_in_period", in_progress=True),
    ),
    "fiscal_quarter_pipeline_coverage": Metric(
        "pipeline coverage of the fiscal quarter's remaining quota",
        "ratio",
        "",
        ("rep",),
        ("day",),
        _fiscal_quarter_pipeline_coverage,
    ),
    "next_fiscal_quarter_pipeline_coverage": Metric(
        "pipeline coverage of the next fiscal quarter's quota",
        "ratio",
        "",
        LEVELS,
        ("day",),
        _next_fiscal_quarter_pipeline_coverage,
    ),
    "working_days_without_activity": Metric(
        "working days without a logged activity",
        "days",
        "",
        ("rep",),
        ("day",),
        _working_days_without_activity,
    ),
    "open_deals_past_close_date": Metric(
        "open deals past their expected close date",
        "count",
        "open deals",
        LEVELS,
        ("day",),
        _open_deals_past_close_date,
    ),
    "team_enps": Metric(
        "eNPS",
        "score",
        "responses",
        ("team",),
        ("wave",),
        _team_wave("enps", "responses", "people.enps_by_team_wave"),
    ),
    "team_pulse_score_index": Metric(
        "pulse score index",
        "score",
        "respondents",
        ("team",),
        ("wave",),
        _team_wave(
            "pulse_score_index",
            "respondents",
            "people.team_engagement_vs_performance",
            where="survey_kind = 'pulse'",
        ),
    ),
}


def read_metric(
    con: PublishedWarehouse, metric: str, level: str, period: str, as_of: date
) -> pd.DataFrame:
    """The metric's frame, without the unknown member that ownerless records roll up to."""
    frame = METRICS[metric].read(con, level, period, as_of)
    # One frame whichever engine read it: PostgreSQL's driver gives dates and NULLs as Python
    # objects where DuckDB gives datetime64 and NaN.
    frame["period_start_date"] = pd.to_datetime(frame["period_start_date"])
    frame[["value", "sample"]] = frame[["value", "sample"]].astype(float)
    frame["is_evaluated"] = frame["is_evaluated"].astype(bool)
    return frame[frame["subject_id"] != UNKNOWN_MEMBER].reset_index(drop=True)
