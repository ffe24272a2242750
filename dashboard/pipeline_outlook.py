"""The pipeline page's outlook for this and the next fiscal quarter: the forecast-category
roll-up of the company or the picked team (booked, commit, best case, pipeline, the cumulative
and weighted forecasts, quota), each rep's categories, and the teams' and company's coverage of
the quota still to book. Thin views over sales.forecast_category_rollup and
sales.pipeline_weighted_forecast."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import table
from dashboard.pages import PageContext

# The level rows' figures, top to bottom, as the roll-up states them.
OUTLOOK_ROWS = [
    ("bookings_to_date", "Booked so far"),
    ("commit_amount", "Commit"),
    ("best_case_amount", "Best case"),
    ("pipeline_amount", "Pipeline"),
    ("not_forecast_amount", "Not forecast"),
    ("commit_forecast", "Commit forecast"),
    ("best_case_forecast", "Best-case forecast"),
    ("weighted_forecast_bookings", "Weighted forecast"),
    ("quota", "Quota"),
]


def level_rollup(context: PageContext) -> pd.DataFrame:
    """The company's or the picked team's roll-up rows, this quarter first."""
    team_id = context.filters.team_id
    return context.publication.query(
        f"""
        select rollup.*, quarters.fiscal_quarter_label
        from {marts.FORECAST_CATEGORY_ROLLUP} as rollup
        inner join {marts.DIM_DATES} as quarters on quarters.date_day = rollup.quarter_start_date
        where rollup.forecast_level = ? and rollup.team_id is not distinct from ?
        order by rollup.quarter_start_date
        """,
        ["company" if team_id is None else "team", team_id],
    )


def rep_rollup(context: PageContext) -> pd.DataFrame:
    """The roll-up rows of the reps the viewer may see (in the picked team)."""
    in_scope, scope_params = context.scope.reps_clause("rollup.rep_id")
    team_id = context.filters.team_id
    team_clause = "true" if team_id is None else "rollup.team_id = ?"
    return context.publication.query(
        f"""
        select rollup.*, reps.rep_name, reps.team_name
        from {marts.FORECAST_CATEGORY_ROLLUP} as rollup
        left join {marts.DIM_REPS} as reps on reps.rep_id = rollup.rep_id
        where rollup.forecast_level = 'rep' and {team_clause} and {in_scope}
        order by rollup.quarter_start_date, rollup.best_case_forecast desc, reps.rep_name
        """,
        [*([] if team_id is None else [team_id]), *scope_params],
    )


def coverage(context: PageContext) -> pd.DataFrame:
    """The company's and the visible teams' coverage of both quarters, one row per level."""
    in_scope, scope_params = context.scope.teams_clause("forecast.team_id")
    return context.publication.query(
        f"""
        select
            coalesce(teams.team_name, 'Company') as level_name,
            forecast.forecast_level,
            forecast.team_id,
            forecast.reporting_currency,
            max(case when forecast.is_current_quarter then forecast.pipeline_coverage end)
                as this_quarter_coverage,
            max(case when forecast.is_current_quarter then forecast.remaining_quota end)
                as this_quarter_remaining_quota,
            max(case when not forecast.is_current_quarter then forecast.pipeline_coverage end)
                as next_quarter_coverage
        from {marts.PIPELINE_WEIGHTED_FORECAST} as forecast
        left join {marts.DIM_TEAMS} as teams on teams.team_id = forecast.team_id
        where forecast.forecast_level = 'company'
            or (forecast.forecast_level = 'team' and {in_scope})
        group by 1, 2, 3, 4
        order by forecast.forecast_level, level_name
        """,
        scope_params,
    )


def outlook_table(levels: pd.DataFrame) -> pd.DataFrame:
    """The level rows turned to one row per figure and one column per quarter (this, next):
    three columns fit a phone."""
    rows = []
    for column, label in OUTLOOK_ROWS:
        row = {"figure": label, "measure": column}
        for quarter in levels.itertuples():
            row["this_quarter" if quarter.is_current_quarter else "next_quarter"] = getattr(
                quarter, column
            )
        rows.append(row)
    return pd.DataFrame(rows)


def render_outlook(context: PageContext) -> None:
    levels = level_rollup(context)
    if levels.empty:
        return
    currency = levels["reporting_currency"].iloc[0]
    labels = dict(zip(levels["is_current_quarter"], levels["fiscal_quarter_label"], strict=True))
    st.subheader("Forecast categories, this and next quarter", anchor=False)
    st.caption(
        "Open deals on the as-of date by the forecast category they had then, each category "
        "alone; commit forecast = booked + commit, best-case forecast = booked + commit + best "
        "case. Omitted deals and deals without a category are not forecast."
    )
    outlook = outlook_table(levels)
    table(
        outlook,
        {
            "figure": fmt.text_column("", pinned=True),
            "this_quarter": fmt.money_column(labels.get(True, "This quarter"), currency),
            "next_quarter": fmt.money_column(labels.get(False, "Next quarter"), currency),
        },
    )

    reps = rep_rollup(context)
    if len(reps):
        reps["rep_label"] = fmt.rep_labels_per_rep(reps)
        tabs = st.tabs(
            [
                f"Reps, {labels.get(True, 'this quarter')}",
                f"Reps, {labels.get(False, 'next quarter')}",
            ]
        )
        for tab, is_current in zip(tabs, (True, False), strict=True):
            with tab:
                table(
                    reps[reps["is_current_quarter"] == is_current],
                    {
                        "rep_label": fmt.text_column("Rep", pinned=True),
                        "commit_amount": fmt.money_column("Commit", currency),
                        "best_case_amount": fmt.money_column("Best case", currency),
                        "pipeline_amount": fmt.money_column("Pipeline", currency),
                        "bookings_to_date": fmt.money_column("Booked", currency),
                    },
                )

    levels_coverage = coverage(context)
    if len(levels_coverage):
        st.subheader("Team and company coverage", anchor=False)
        st.caption(
            "Coverage = open pipeline expected to close in the quarter ÷ (quota − bookings so far); "
            "none without a quota or once it is met."
        )
        table(
            levels_coverage,
            {
                "level_name": fmt.text_column("Team", pinned=True),
                "this_quarter_coverage": fmt.number_column(
                    f"{labels.get(True, 'This qtr')}", 1, "×"
                ),
                "this_quarter_remaining_quota": fmt.money_column("Quota left", currency),
                "next_quarter_coverage": fmt.number_column(
                    f"{labels.get(False, 'Next qtr')}", 1, "×"
                ),
            },
        )
