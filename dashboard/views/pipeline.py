"""Pipeline: today's open and weighted pipeline, each rep's coverage of what is left of the
quarter's quota, and the daily snapshot over the last weeks.

Movement, slippage and aging come with the pipeline-history marts (issue 10); until then this
page reads the daily snapshot.
"""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import (
    Kpi,
    chart,
    kpi_tiles,
    legend_below,
    money_axis,
    nothing_to_show,
    page_header,
    table,
)
from dashboard.pages import PageContext, page_context

TREND_DAYS = 90


def snapshot_date(context: PageContext):
    found = context.publication.query(
        f"select max(snapshot_date) as snapshot_date from {marts.PIPELINE_COVERAGE_DAILY} "
        "where snapshot_date <= coalesce(?, snapshot_date)",
        [context.data_as_of.as_of_date],
    )
    value = found["snapshot_date"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def current_quarter(context: PageContext) -> pd.DataFrame:
    team_id = context.filters.team_id
    return context.publication.query(
        f"""
        select quarters.fiscal_quarter_label, forecast.reporting_currency,
            forecast.open_pipeline, forecast.weighted_pipeline, forecast.bookings_to_date,
            forecast.forecast_bookings
        from {marts.PIPELINE_WEIGHTED_FORECAST} as forecast
        inner join {marts.DIM_DATES} as quarters on quarters.date_day = forecast.quarter_start_date
        where forecast.is_current_quarter and forecast.forecast_level = ?
            and forecast.team_id is not distinct from ?
        """,
        ["company" if team_id is None else "team", team_id],
    )


def rep_rows(context: PageContext, where: str, params: list) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.reps_clause("coverage.rep_id")
    team_clause = "true" if filters.team_id is None else "coverage.team_id = ?"
    team_params = [] if filters.team_id is None else [filters.team_id]
    return context.publication.query(
        f"""
        select coverage.snapshot_date, coverage.rep_id, coverage.rep_name, coverage.team_name,
            coverage.reporting_currency, coverage.open_pipeline, coverage.weighted_pipeline,
            coverage.pipeline_closing_this_fiscal_quarter, coverage.fiscal_quarter_quota,
            coverage.fiscal_quarter_bookings_to_date, coverage.fiscal_quarter_remaining_quota,
            coverage.fiscal_quarter_coverage, snapshot.open_deals, snapshot.overdue_pipeline
        from {marts.PIPELINE_COVERAGE_DAILY} as coverage
        left join {marts.PIPELINE_SNAPSHOT_DAILY} as snapshot
            on snapshot.snapshot_date = coverage.snapshot_date
            and snapshot.rep_id = coverage.rep_id
        where {where} and {team_clause} and {in_scope}
        order by coverage.snapshot_date, coverage.rep_name
        """,
        [*params, *team_params, *scope_params],
    )


def render(context: PageContext) -> None:
    filters = context.filters
    day = snapshot_date(context)
    page_header(context, "Pipeline", f"{filters.subject} · snapshot of {fmt.day(day)}")
    if day is None:
        nothing_to_show("No pipeline snapshot is published yet.")
        return

    quarter = current_quarter(context)
    if len(quarter):
        row = quarter.iloc[0]
        currency, label = row["reporting_currency"], row["fiscal_quarter_label"]
        st.caption(f"{label}, the current fiscal quarter")
        kpi_tiles(
            [
                Kpi(
                    "Closing this quarter",
                    fmt.money_short(row["open_pipeline"], currency),
                    "open pipeline",
                    help="Open deals expected to close in the quarter (overdue ones count as now).",
                ),
                Kpi(
                    "Weighted",
                    fmt.money_short(row["weighted_pipeline"], currency),
                    "× stage probability",
                ),
                Kpi("Booked so far", fmt.money_short(row["bookings_to_date"], currency)),
                Kpi(
                    "Forecast",
                    fmt.money_short(row["forecast_bookings"], currency),
                    "pipeline-weighted",
                ),
            ]
        )

    st.subheader("Coverage of this quarter's remaining quota", anchor=False)
    today = rep_rows(context, "coverage.snapshot_date = ?", [day])
    if today.empty:
        nothing_to_show("No rep has pipeline in this snapshot.")
        return
    currency = today["reporting_currency"].iloc[0]
    today = today.sort_values(["fiscal_quarter_coverage", "rep_name"], na_position="last")
    today["rep_label"] = fmt.rep_labels(today)
    st.caption(
        "Coverage = open pipeline expected to close this quarter ÷ (quota − bookings so far), "
        "lowest first; none where the quota is already met."
    )
    table(
        today,
        {
            "rep_label": fmt.text_column("Rep", pinned=True),
            "fiscal_quarter_coverage": fmt.number_column("Coverage", 1, "×"),
            "pipeline_closing_this_fiscal_quarter": fmt.money_column("Closing this qtr", currency),
            "fiscal_quarter_remaining_quota": fmt.money_column("Quota left", currency),
            "overdue_pipeline": fmt.money_column("Overdue", currency),
        },
    )

    st.subheader(f"Open pipeline, last {TREND_DAYS} days", anchor=False)
    start = day - pd.Timedelta(days=TREND_DAYS)
    trend = rep_rows(context, "coverage.snapshot_date between ? and ?", [start, day])
    chart(
        alt.Chart(trend)
        .mark_area()
        .encode(
            x=alt.X("snapshot_date:T", title=None),
            y=alt.Y("open_pipeline:Q", axis=money_axis(), stack="zero"),
            color=alt.Color("team_name:N", legend=legend_below()),
            detail="rep_id:N",
            tooltip=[
                alt.Tooltip("snapshot_date:T", title="Day"),
                alt.Tooltip("rep_name:N", title="Rep"),
                alt.Tooltip("open_pipeline:Q", title="Open pipeline", format=",.0f"),
            ],
        )
        .properties(height=260)
    )
    st.caption("Each band is one rep's open pipeline, coloured by team.")


render(page_context())
