"""Lead response: the share of leads answered within the SLA and the median response time, by
team and by rep, and its trend."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import Kpi, chart, kpi_tiles, nothing_to_show, page_header, table
from dashboard.pages import PageContext, page_context

LEAD_COLUMNS = """
    period_start_date, period_label, lead_response_sla_share, lead_response_minutes_median,
    leads_created, leads_answered, leads_unanswered, leads_answered_within_sla
"""
TREND_PERIODS = 12


def subject_rows(context: PageContext, where: str, params: list) -> pd.DataFrame:
    """The company's rows, or the picked team's."""
    filters = context.filters
    if filters.team_id is None:
        return context.publication.query(
            f"select {LEAD_COLUMNS} from {marts.COMPANY_PERFORMANCE} "
            f"where period_grain = ? and {where} order by period_start_date",
            [filters.grain, *params],
        )
    in_scope, scope_params = context.scope.teams_clause()
    return context.publication.query(
        f"select {LEAD_COLUMNS} from {marts.TEAM_PERFORMANCE} "
        f"where period_grain = ? and team_id = ? and {in_scope} and {where} "
        "order by period_start_date",
        [filters.grain, filters.team_id, *scope_params, *params],
    )


def by_team(context: PageContext) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.teams_clause()
    return context.publication.query(
        f"select team_name, {LEAD_COLUMNS} from {marts.TEAM_PERFORMANCE} "
        f"where period_grain = ? and period_label = ? and {in_scope} and team_id <> 'unassigned' "
        "order by lead_response_sla_share desc nulls last, team_name",
        [filters.grain, filters.period_label, *scope_params],
    )


def by_rep(context: PageContext) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.reps_clause()
    team_clause = "true" if filters.team_id is None else "team_id = ?"
    team_params = [] if filters.team_id is None else [filters.team_id]
    return context.publication.query(
        f"select rep_id, rep_name, team_name, {LEAD_COLUMNS} from {marts.REP_PERFORMANCE} "
        f"where period_grain = ? and period_label = ? and {team_clause} and {in_scope} "
        "and leads_created > 0 "
        "order by lead_response_sla_share desc nulls last, rep_name",
        [filters.grain, filters.period_label, *team_params, *scope_params],
    )


COLUMNS = {
    "lead_response_sla_share": fmt.percent_column("Within SLA"),
    "lead_response_minutes_median": fmt.number_column("Median min", 0),
    "leads_created": fmt.count_column("Leads"),
    "leads_unanswered": fmt.count_column("Unanswered", help="Never answered: not counted as 0"),
}


def render(context: PageContext) -> None:
    filters = context.filters
    page_header(context, "Lead response", f"{filters.subject} · {filters.period_label}")
    current = subject_rows(context, "period_label = ?", [filters.period_label])
    if current.empty:
        nothing_to_show("No leads in this period.")
        return
    row = current.iloc[0]
    kpi_tiles(
        [
            Kpi(
                "Answered within SLA",
                fmt.percent(row["lead_response_sla_share"]),
                f"{fmt.count(row['leads_answered_within_sla'])} of "
                f"{fmt.count(row['leads_created'])} leads",
            ),
            Kpi("Median response", fmt.number(row["lead_response_minutes_median"], 0, " min")),
            Kpi("Leads created", fmt.count(row["leads_created"])),
            Kpi(
                "Unanswered",
                fmt.count(row["leads_unanswered"]),
                help="Leads with no outbound call, e-mail or meeting yet: counted apart, never "
                "as a response time of 0.",
            ),
        ]
    )

    if filters.team_id is None:
        teams = by_team(context)
        if len(teams) > 1:
            st.subheader("By team", anchor=False)
            table(teams, {"team_name": fmt.text_column("Team"), **COLUMNS})

    st.subheader("By rep", anchor=False)
    reps = by_rep(context)
    if reps.empty:
        st.caption("No rep had leads in this period.")
    else:
        reps["rep_label"] = fmt.rep_labels(reps)
        table(reps, {"rep_label": fmt.text_column("Rep", pinned=True), **COLUMNS})

    st.subheader("Trend", anchor=False)
    trend = subject_rows(context, "period_start_date <= ?", [filters.period_start])
    trend = trend.tail(TREND_PERIODS)
    chart(
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("period_label:O", sort=None, title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y(
                "lead_response_sla_share:Q",
                axis=alt.Axis(format="%"),
                title="Within SLA",
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("period_label:N", title="Period"),
                alt.Tooltip("lead_response_sla_share:Q", title="Within SLA", format=".0%"),
                alt.Tooltip("lead_response_minutes_median:Q", title="Median min", format=".0f"),
                alt.Tooltip("leads_created:Q", title="Leads"),
            ],
        )
        .properties(height=240)
    )


render(page_context())
