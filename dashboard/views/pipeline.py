"""Pipeline: today's open and weighted pipeline, the forecast categories of this and the next
quarter with the teams' and company's coverage, how it moved this fiscal quarter (the
waterfall: opening, created, grown, shrunk, pulled in, pushed out, won, lost, closing), each
rep's coverage of what is left of the quarter's quota, the daily snapshot over the last weeks,
how long deals stay in each stage, the deals older than their stage's norm, the most pushed
deals, and what was won and lost."""

from datetime import date

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
from dashboard.deal_lists import render_aged_deals, render_most_pushed, render_win_loss
from dashboard.pages import PageContext, page_context
from dashboard.pipeline_outlook import render_outlook

TREND_DAYS = 90
# The waterfall's movements in reading order (the mart signs them: outflows are negative).
MOVEMENTS = [
    ("created", "Created"),
    ("reopened", "Reopened"),
    ("increased", "Increased"),
    ("decreased", "Decreased"),
    ("pulled_in", "Pulled in"),
    ("pushed_out", "Pushed out (slipped)"),
    ("transferred_in", "Transferred in"),
    ("transferred_out", "Transferred out"),
    ("won", "Won"),
    ("lost", "Lost"),
]


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


def waterfall(context: PageContext) -> pd.DataFrame:
    """The company's or the team's waterfall for the fiscal quarter holding the as-of date."""
    team_id = context.filters.team_id
    return context.publication.query(
        f"""
        select * from {marts.PIPELINE_WATERFALL}
        where period_grain = 'fiscal_quarter' and waterfall_level = ?
            and team_id is not distinct from ?
            and period_start_date <= coalesce(?, period_start_date)
        order by period_start_date desc
        limit 1
        """,
        ["company" if team_id is None else "team", team_id, context.data_as_of.as_of_date],
    )


def movement_rows(row: pd.Series) -> pd.DataFrame:
    """One row per movement, from opening to closing, as the waterfall mart states them."""
    rows = [("Opening", row["opening_pipeline"])]
    rows += [(label, row[column]) for column, label in MOVEMENTS]
    rows.append(("Closing", row["closing_pipeline"]))
    return pd.DataFrame(rows, columns=["movement", "amount"])


def stage_velocity(context: PageContext) -> pd.DataFrame:
    return context.publication.query(
        f"""
        select pipeline_id, stage_label, stage_display_order, reporting_currency,
            completed_stays, median_days_in_stage, p80_days_in_stage, open_deals,
            aged_open_deals, aged_open_pipeline
        from {marts.STAGE_VELOCITY}
        order by pipeline_id, stage_display_order
        """
    )


def render_movement(context: PageContext) -> None:
    found = waterfall(context)
    if found.empty:
        return
    row = found.iloc[0]
    currency = row["reporting_currency"]
    st.subheader(f"How the pipeline moved in {row['period_label']}", anchor=False)
    st.caption(
        "Opening + every movement = closing, to the cent. Decreases, slips out of the quarter, "
        "transfers out, wins and losses are negative; "
        f"{fmt.percent(row['slipped_share'])} of the opening pipeline slipped."
    )
    moves = movement_rows(row)
    table(
        moves,
        {"movement": fmt.text_column("Movement"), "amount": fmt.money_column("Amount", currency)},
    )
    steps = moves[moves["movement"].isin(["Opening", "Closing"]) | (moves["amount"] != 0)]
    chart(
        alt.Chart(steps.assign(amount=steps["amount"].astype(float)))
        .mark_bar()
        .encode(
            x=alt.X("amount:Q", axis=money_axis(), title=None),
            y=alt.Y("movement:N", sort=steps["movement"].tolist(), title=None),
            color=alt.condition("datum.amount < 0", alt.value("#c0504d"), alt.value("#4f81bd")),
            tooltip=[
                alt.Tooltip("movement:N", title="Movement"),
                alt.Tooltip("amount:Q", title="Amount", format=",.0f"),
            ],
        )
        .properties(height=28 * len(steps))
    )


def render_stage_velocity(context: PageContext) -> None:
    stages = stage_velocity(context)
    if stages.empty:
        return
    st.subheader("Time in each stage", anchor=False)
    st.caption(
        "Days deals spent in each stage (median and 80th percentile of completed stays), and the "
        "open deals already older than their stage's 80th percentile. Company-wide."
    )
    table(
        stages,
        {
            "stage_label": fmt.text_column("Stage", pinned=True),
            "median_days_in_stage": fmt.number_column("Median days", 0),
            "p80_days_in_stage": fmt.number_column("80th pct days", 0),
            "open_deals": fmt.count_column("Open deals"),
            "aged_open_deals": fmt.count_column("Aged", help="Older than the stage's 80th pct"),
            "aged_open_pipeline": fmt.money_column(
                "Aged pipeline", stages["reporting_currency"].iloc[0]
            ),
        },
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

    render_outlook(context)
    render_movement(context)
    render_rep_coverage(context, day)
    render_stage_velocity(context)
    render_aged_deals(context)
    render_most_pushed(context)
    render_win_loss(context)


def render_rep_coverage(context: PageContext, day: date) -> None:
    """Each rep's coverage on the snapshot day, and their open pipeline over the last weeks."""
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
