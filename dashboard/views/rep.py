"""One rep: KPIs against the team median, activity by type and day, lead response, and the open
deals that need attention."""

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
    nothing_to_show,
    page_header,
    table,
)
from dashboard.pages import PageContext, page_context

ATTENTION_ROWS = 10

# (label, rep column, team median column, difference column, formatter, lower is better)
COACHING = [
    ("Win rate", "win_rate", "team_median_win_rate", "win_rate_vs_team_median", "share", False),
    (
        "Median cycle",
        "sales_cycle_days_median",
        "team_median_sales_cycle_days_median",
        "sales_cycle_days_median_vs_team_median",
        "days",
        True,
    ),
    (
        "Median response",
        "lead_response_minutes_median",
        "team_median_lead_response_minutes_median",
        "lead_response_minutes_median_vs_team_median",
        "minutes",
        True,
    ),
    (
        "Stage advance rate",
        "stage_advance_rate",
        "team_median_stage_advance_rate",
        "stage_advance_rate_vs_team_median",
        "share",
        False,
    ),
    (
        "Call share",
        "call_share",
        "team_median_call_share",
        "call_share_vs_team_median",
        "share",
        None,
    ),
    (
        "Email share",
        "email_share",
        "team_median_email_share",
        "email_share_vs_team_median",
        "share",
        None,
    ),
    (
        "Meeting share",
        "meeting_share",
        "team_median_meeting_share",
        "meeting_share_vs_team_median",
        "share",
        None,
    ),
    (
        "Task share",
        "task_share",
        "team_median_task_share",
        "task_share_vs_team_median",
        "share",
        None,
    ),
]


def chosen_rep(context: PageContext) -> tuple[str | None, str | None]:
    """The rep in the filter, else the first rep the viewer may see (in the team, if picked)."""
    filters = context.filters
    if filters.rep_id is not None:
        return filters.rep_id, filters.rep_name
    reps = marts.reps(context.publication)
    if context.scope.rep_ids is not None:
        reps = reps[reps["rep_id"].isin(context.scope.rep_ids)]
    if filters.team_id is not None:
        reps = reps[reps["team_id"] == filters.team_id]
    reps = reps[reps["is_active"]] if reps["is_active"].any() else reps
    if reps.empty:
        return None, None
    return reps["rep_id"].iloc[0], reps["rep_name"].iloc[0]


def rep_rows(context: PageContext, relation: str, columns: str, rep_id: str) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.reps_clause()
    return context.publication.query(
        f"select {columns} from {relation} "
        f"where period_grain = ? and period_label = ? and rep_id = ? and {in_scope}",
        [filters.grain, filters.period_label, rep_id, *scope_params],
    )


def _format(value: object, kind: str) -> str:
    if kind == "share":
        return fmt.percent(value)
    return fmt.number(value, 0, " days" if kind == "days" else " min")


def _difference(value: object, kind: str) -> str | None:
    if kind == "share":
        return fmt.signed_percent_points(value)
    return fmt.signed(value, 0, " days" if kind == "days" else " min")


def kpis(performance: pd.Series, coaching: pd.Series | None) -> list[Kpi]:
    currency = performance["reporting_currency"]
    tiles = [
        Kpi(
            "Bookings",
            fmt.money_short(performance["bookings"], currency),
            f"{fmt.percent(performance['quota_attainment'])} of "
            f"{fmt.money_short(performance['quota'], currency)} quota",
        ),
        Kpi(
            "Deals won · lost",
            f"{fmt.count(performance['won_deals'])} · {fmt.count(performance['lost_deals'])}",
            f"{fmt.money_short(performance['average_deal_size'], currency)} average deal",
        ),
        Kpi(
            "Leads answered within SLA",
            fmt.percent(performance["lead_response_sla_share"]),
            f"{fmt.count(performance['leads_created'])} leads · "
            f"{fmt.count(performance['leads_unanswered'])} unanswered",
        ),
        Kpi("Activities", fmt.count(performance["activities"])),
    ]
    if coaching is None:
        return tiles
    for label, column, _, difference, kind, lower_is_better in COACHING[:3]:
        tiles.append(
            Kpi(
                label,
                _format(coaching[column], kind),
                delta=_difference(coaching[difference], kind),
                delta_color={True: "inverse", False: "normal", None: "off"}[lower_is_better],
                help="Against the median of the team's reps in the same period.",
            )
        )
    return tiles


def coaching_table(coaching: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "measure": label,
                "rep": _format(coaching[column], kind),
                "team_median": _format(coaching[median], kind),
                "difference": _difference(coaching[difference], kind) or fmt.MISSING,
            }
            for label, column, median, difference, kind, _ in COACHING
        ]
    )


def activity_by_day(context: PageContext, rep_id: str) -> pd.DataFrame:
    filters = context.filters
    in_scope, scope_params = context.scope.reps_clause()
    return context.publication.query(
        f"""
        select activity_date, activity_type, activities
        from {marts.REP_ACTIVITY_DAILY}
        where rep_id = ? and activity_date between ? and ? and {in_scope}
        order by activity_date
        """,
        [rep_id, filters.period_start, filters.period_end, *scope_params],
    )


def deals_needing_attention(context: PageContext, rep_id: str) -> pd.DataFrame:
    """Open deals past their expected close date, largest first."""
    in_scope, scope_params = context.scope.reps_clause("owner_rep_id")
    return context.publication.query(
        f"""
        select deal_name, stage_label, amount_reporting, reporting_currency,
            expected_close_date, created_date
        from {marts.FCT_DEALS}
        where owner_rep_id = ? and status = 'open' and not is_deleted
            and expected_close_date < ? and {in_scope}
        order by amount_reporting desc, expected_close_date
        limit {ATTENTION_ROWS}
        """,
        [rep_id, context.data_as_of.as_of_date, *scope_params],
    )


def render(context: PageContext) -> None:
    filters = context.filters
    rep_id, rep_name = chosen_rep(context)
    page_header(
        context, rep_name or "Rep", f"{filters.period_label} · {marts.GRAINS[filters.grain]}"
    )
    if rep_id is None:
        nothing_to_show("No rep to show: pick a team with reps.")
        return
    if filters.rep_id is None:
        st.caption("Pick another rep in the sidebar.")

    performance = rep_rows(
        context,
        marts.REP_PERFORMANCE,
        "reporting_currency, bookings, quota, quota_attainment, won_deals, lost_deals, "
        "average_deal_size, leads_created, leads_unanswered, lead_response_sla_share, activities",
        rep_id,
    )
    if performance.empty:
        nothing_to_show(f"No figures for {rep_name} in {filters.period_label}.")
        return
    coaching = rep_rows(context, marts.REP_COACHING_INSIGHTS, "*", rep_id)
    coaching_row = coaching.iloc[0] if len(coaching) else None
    kpi_tiles(kpis(performance.iloc[0], coaching_row))

    if coaching_row is not None:
        st.subheader("Against the team median", anchor=False)
        table(
            coaching_table(coaching_row),
            {
                "measure": fmt.text_column("Measure"),
                "rep": fmt.text_column(rep_name),
                "team_median": fmt.text_column("Team median"),
                "difference": fmt.text_column("Difference"),
            },
        )

    st.subheader("Activity by day", anchor=False)
    activity = activity_by_day(context, rep_id)
    if activity.empty:
        nothing_to_show("No activity logged in this period.")
    else:
        chart(
            alt.Chart(activity)
            .mark_bar()
            .encode(
                x=alt.X("activity_date:T", title=None),
                y=alt.Y("activities:Q", title="Activities", stack="zero"),
                color=alt.Color("activity_type:N", legend=legend_below()),
                tooltip=["activity_date:T", "activity_type:N", "activities:Q"],
            )
            .properties(height=240)
        )

    st.subheader("Open deals past their expected close", anchor=False)
    deals = deals_needing_attention(context, rep_id)
    if deals.empty:
        st.caption("None: every open deal is within its expected close date.")
    else:
        currency = deals["reporting_currency"].iloc[0]
        table(
            deals,
            {
                "deal_name": fmt.text_column("Deal"),
                "amount_reporting": fmt.money_column("Amount", currency),
                "expected_close_date": fmt.date_column("Expected close"),
                "stage_label": fmt.text_column("Stage"),
            },
        )


render(page_context())
