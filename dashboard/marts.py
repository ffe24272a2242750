"""The published relations the dashboard reads, named once, and the lookups every page shares.

Pages select mart columns by name; when a mart is renamed, this is the one place to change.
"""

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from dashboard.warehouse import Publication

DATA_AS_OF = "salespulse.data_as_of"
PUBLICATIONS = "salespulse.publications"

DIM_DATES = "core.dim_dates"
DIM_REPS = "core.dim_reps"
DIM_TEAMS = "core.dim_teams"
FCT_ACTIVITIES = "core.fct_activities"
FCT_DEALS = "core.fct_deals"
FCT_DEAL_STAGE_HISTORY = "core.fct_deal_stage_history"
RECORD_EXCEPTIONS = "core.record_exceptions"

COMPANY_PERFORMANCE = "sales.company_performance"
TEAM_PERFORMANCE = "sales.team_performance"
REP_PERFORMANCE = "sales.rep_performance"
REP_LEADERBOARD = "sales.rep_leaderboard"
LEAD_RESPONSE_BY_HOUR_WEEKDAY = "sales.lead_response_by_hour_weekday"
REP_COACHING_INSIGHTS = "sales.rep_coaching_insights"
REP_ACTIVITY_DAILY = "sales.rep_activity_daily"
PIPELINE_COVERAGE_DAILY = "sales.pipeline_coverage_daily"
PIPELINE_SNAPSHOT_DAILY = "sales.pipeline_snapshot_daily"
PIPELINE_WEIGHTED_FORECAST = "sales.pipeline_weighted_forecast"
PIPELINE_WATERFALL = "sales.pipeline_waterfall"
STAGE_VELOCITY = "sales.stage_velocity"
FORECAST_CATEGORY_ROLLUP = "sales.forecast_category_rollup"
OPEN_DEAL_AGING = "sales.open_deal_aging"
DEAL_SLIPPAGE = "sales.deal_slippage"
WIN_LOSS_BREAKDOWN = "sales.win_loss_breakdown"

FORECAST_BOOKINGS_MONTHLY = "forecast.forecast_bookings_monthly"
FORECAST_VS_ACTUAL = "forecast.forecast_vs_actual"
FORECAST_ACCURACY = "forecast.forecast_accuracy"

ENPS_BY_WAVE = "people.enps_by_wave"
ENPS_BY_TEAM_WAVE = "people.enps_by_team_wave"
PULSE_SCORES_BY_TEAM_WAVE = "people.pulse_scores_by_team_wave"

ALERTS = "alerts.alerts"  # KPI alert state (alerts/, docs/operations.md "KPI alerts")

# Grains of the period marts (column period_grain), in the order the filter offers them.
GRAINS = {
    "fiscal_quarter": "Fiscal quarter",
    "month": "Month",
    "week": "Week",
    "fiscal_year": "Fiscal year",
}


@dataclass(frozen=True)
class DataAsOf:
    published_at: datetime
    run_id: str
    as_of_date: date | None  # the last day the marts hold actuals for


def data_as_of(publication: Publication) -> DataAsOf:
    """When the data was published (the publication log) and the day its figures run to."""
    published = publication.query(f"select published_at, run_id from {DATA_AS_OF}")
    as_of = publication.query(
        f"select max(date_day) as as_of_date from {DIM_DATES} where not is_after_as_of_date"
    )
    row = published.iloc[0]
    as_of_date = as_of["as_of_date"].iloc[0]
    return DataAsOf(
        published_at=row["published_at"].to_pydatetime(),
        run_id=row["run_id"],
        as_of_date=None if pd.isna(as_of_date) else pd.Timestamp(as_of_date).date(),
    )


def periods(publication: Publication, grain: str, as_of_date: date | None) -> pd.DataFrame:
    """period_label, period_start_date, period_end_date of `grain`, latest first, up to the
    period that holds the as-of date (the marts also carry the rest of the fiscal year)."""
    return publication.query(
        f"""
        select period_label, period_start_date, period_end_date
        from {COMPANY_PERFORMANCE}
        where period_grain = ? and period_start_date <= coalesce(?, period_start_date)
        order by period_start_date desc
        """,
        [grain, as_of_date],
    )


def teams(publication: Publication) -> pd.DataFrame:
    """team_id, team_name of the real teams (not the unknown member)."""
    return publication.query(
        f"select team_id, team_name from {DIM_TEAMS} where not is_unknown_member order by team_name"
    )


def reps(publication: Publication) -> pd.DataFrame:
    """rep_id, rep_name, team_id, team_name, is_active of the real reps."""
    return publication.query(
        f"""
        select rep_id, rep_name, team_id, team_name, is_active
        from {DIM_REPS} where not is_unknown_member
        order by rep_name, rep_id
        """
    )
