"""The leaderboard: reps ranked by quota attainment or bookings within the company or a team,
each with the sample behind the figures (deals won and lost, leads), not bare ranks."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import chart, nothing_to_show, page_header, table
from dashboard.pages import PageContext, page_context

RANKINGS = {"attainment": "Quota attainment", "bookings": "Bookings"}


def leaderboard(context: PageContext) -> pd.DataFrame:
    filters = context.filters
    level = "company" if filters.team_id is None else "team"
    in_scope, scope_params = context.scope.reps_clause("board.rep_id")
    team_clause = "true" if filters.team_id is None else "board.team_id = ?"
    team_params = [] if filters.team_id is None else [filters.team_id]
    return context.publication.query(
        f"""
        select
            board.attainment_rank_in_{level} as attainment_rank,
            board.bookings_rank_in_{level} as bookings_rank,
            board.reps_in_{level} as reps_ranked,
            board.rep_id, board.rep_name, board.team_name, board.reporting_currency,
            board.bookings, board.quota, board.quota_attainment, board.prorated_quota_attainment,
            board.won_deals, board.lost_deals, board.win_rate,
            board.win_rate_ci_low, board.win_rate_ci_high,
            performance.leads_created, performance.lead_response_sla_share
        from {marts.REP_LEADERBOARD} as board
        left join {marts.REP_PERFORMANCE} as performance
            on performance.period_grain = board.period_grain
            and performance.period_start_date = board.period_start_date
            and performance.rep_id = board.rep_id
        where board.period_grain = ? and board.period_label = ? and {team_clause} and {in_scope}
        """,
        [filters.grain, filters.period_label, *team_params, *scope_params],
    )


def render(context: PageContext) -> None:
    filters = context.filters
    page_header(context, "Leaderboard", f"{filters.subject} · {filters.period_label}")
    ranking = st.segmented_control(
        "Rank by",
        list(RANKINGS),
        default="attainment",
        format_func=RANKINGS.get,
        key="rank_by",
        bind="query-params",
        required=True,
    )
    board = leaderboard(context)
    if board.empty:
        nothing_to_show("No rep to rank in this period.")
        return
    rank = f"{ranking}_rank"
    board = board.sort_values([rank, "rep_name"]).reset_index(drop=True)
    board["rep_label"] = fmt.rep_labels(board)
    board["deals"] = [
        f"{fmt.count(won)} won · {fmt.count(lost)} lost"
        for won, lost in zip(board["won_deals"], board["lost_deals"], strict=True)
    ]
    board["win_rate_with_interval"] = [
        fmt.percent_interval(rate, low, high)
        for rate, low, high in zip(
            board["win_rate"], board["win_rate_ci_low"], board["win_rate_ci_high"], strict=True
        )
    ]
    currency = board["reporting_currency"].iloc[0]
    ranked_among = board["reps_ranked"].iloc[0]
    st.caption(
        f"Ranked among {fmt.count(ranked_among)} reps "
        f"{'in the company' if filters.team_id is None else 'in ' + filters.subject}; "
        "ties share a rank. Win rates carry their 95% interval (Wilson): on few deals it is "
        "wide, so read a rate with its deal counts."
    )
    table(
        board,
        {
            rank: fmt.Column("#", fmt.count, width="small", pinned=True),
            "rep_label": fmt.text_column("Rep", pinned=True),
            "quota_attainment": fmt.percent_column("Attainment"),
            "bookings": fmt.money_column("Bookings", currency),
            "deals": fmt.text_column("Deals", help="Closed in the period"),
            "win_rate_with_interval": fmt.text_column(
                "Win rate", help="Won ÷ (won + lost), by count, with its 95% Wilson interval"
            ),
        },
    )
    with st.expander("More columns"):
        table(
            board,
            {
                rank: fmt.Column("#", fmt.count, width="small"),
                "rep_label": fmt.text_column("Rep"),
                "team_name": fmt.text_column("Team"),
                "quota": fmt.money_column("Quota", currency),
                "prorated_quota_attainment": fmt.percent_column(
                    "On pace", help="Bookings ÷ the part of the quota due so far"
                ),
                "win_rate": fmt.percent_column("Win rate", help="Won ÷ (won + lost), by count"),
                "win_rate_ci_low": fmt.percent_column("Win rate low", help="95% Wilson interval"),
                "win_rate_ci_high": fmt.percent_column("Win rate high", help="95% Wilson interval"),
                "won_deals": fmt.count_column("Won"),
                "lost_deals": fmt.count_column("Lost"),
                "lead_response_sla_share": fmt.percent_column("Leads within SLA"),
                "leads_created": fmt.count_column("Leads"),
            },
        )

    st.subheader("Quota attainment", anchor=False)
    bars = (
        alt.Chart(board)
        .mark_bar()
        .encode(
            x=alt.X("quota_attainment:Q", axis=alt.Axis(format="%"), title=None),
            y=alt.Y("rep_label:N", sort=board["rep_label"].tolist(), title=None),
            tooltip=[
                alt.Tooltip("rep_label:N", title="Rep"),
                alt.Tooltip("quota_attainment:Q", title="Attainment", format=".0%"),
                alt.Tooltip("bookings:Q", title="Bookings", format=",.0f"),
                alt.Tooltip("deals:N", title="Deals"),
                alt.Tooltip("win_rate_with_interval:N", title="Win rate"),
            ],
        )
    )
    target = (
        alt.Chart(pd.DataFrame({"target": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="target:Q")
    )
    chart(alt.layer(bars, target).properties(height=max(120, 26 * len(board))))


render(page_context())
