"""Lead response: the share of leads answered within the SLA and the median response time, by
team and by rep, by the weekday and hour the leads came in, and its trend."""

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


WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
WHOLE_SUBJECT = ""  # the weekday × hour picker's option for the company or team itself


def by_hour_weekday(context: PageContext, rep_id: str) -> pd.DataFrame:
    """The period's cells (weekday × hour with leads) of the company, the picked team, or one
    rep (rep_id) within the viewer's scope."""
    filters = context.filters
    if rep_id != WHOLE_SUBJECT:
        in_scope, scope_params = context.scope.reps_clause()
        where, params = f"scope = 'rep' and rep_id = ? and {in_scope}", [rep_id, *scope_params]
    elif filters.team_id is None:
        where, params = "scope = 'company'", []
    else:
        in_scope, scope_params = context.scope.teams_clause()
        where, params = (
            f"scope = 'team' and team_id = ? and {in_scope}",
            [
                filters.team_id,
                *scope_params,
            ],
        )
    cells = context.publication.query(
        f"""
        select day_of_week, hour_of_day, leads_created, leads_answered_within_sla,
            lead_response_sla_share, lead_response_minutes_median
        from {marts.LEAD_RESPONSE_BY_HOUR_WEEKDAY}
        where period_grain = ? and period_label = ? and {where}
        order by day_of_week, hour_of_day
        """,
        [filters.grain, filters.period_label, *params],
    )
    cells["day"] = cells["day_of_week"].map(WEEKDAYS)
    return cells


def hour_weekday_section(context: PageContext, reps: pd.DataFrame) -> None:
    st.subheader("By weekday and hour", anchor=False)
    # Labels as options (unique: rep_labels tells namesakes apart), each standing for a rep id.
    whose = {context.filters.subject: WHOLE_SUBJECT}
    if not reps.empty:
        whose |= dict(zip(reps["rep_label"], reps["rep_id"], strict=True))
    label = st.selectbox("Leads of", list(whose), key="hour_weekday_of")
    picked = whose[label]
    cells = by_hour_weekday(context, picked)
    if cells.empty:
        st.caption("No leads in this period.")
        return
    st.caption(
        "When the leads came in (reporting time zone) and the share answered within the SLA. "
        "A blank cell had no lead; a cell of one or two leads reads 0% or 100% on little "
        "evidence: hover or tap for its leads."
    )
    chart(
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("day:O", sort=list(WEEKDAYS.values()), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("hour_of_day:O", scale=alt.Scale(domain=list(range(24))), title="Hour"),
            color=alt.Color(
                "lead_response_sla_share:Q",
                title="Within SLA",
                scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                legend=alt.Legend(format="%", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("day:N", title="Day"),
                alt.Tooltip("hour_of_day:O", title="Hour"),
                alt.Tooltip("leads_created:Q", title="Leads"),
                alt.Tooltip("lead_response_sla_share:Q", title="Within SLA", format=".0%"),
                alt.Tooltip("lead_response_minutes_median:Q", title="Median min", format=".0f"),
            ],
        )
        .properties(height=24 * 15)
    )
    with st.expander("As a table"):
        table(
            cells,
            {
                "day": fmt.text_column("Day"),
                "hour_of_day": fmt.count_column("Hour"),
                "leads_created": fmt.count_column("Leads"),
                "lead_response_sla_share": fmt.percent_column("Within SLA"),
                "lead_response_minutes_median": fmt.number_column("Median min", 0),
            },
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

    hour_weekday_section(context, reps)

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
