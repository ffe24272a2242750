"""The pipeline page's lists of deals and outcomes: open deals older than their stage's norm
(sales.open_deal_aging), the open deals whose close date was pushed most (sales.deal_slippage),
and why deals were lost and what was won, new vs existing business, in the fiscal quarter
holding the as-of date (sales.win_loss_breakdown). Deal rows are limited to the reps the viewer
may see, in the picked team."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import marts
from dashboard.components import table
from dashboard.pages import PageContext

LIST_LENGTH = 15
DEAL_TYPES = {"new_business": "New business", "existing_business": "Renewal / expansion"}


def _rep_filter(context: PageContext, rep_column: str, team_column: str) -> tuple[str, list]:
    in_scope, scope_params = context.scope.reps_clause(rep_column)
    team_id = context.filters.team_id
    if team_id is None:
        return in_scope, scope_params
    return f"{team_column} = ? and {in_scope}", [team_id, *scope_params]


def aged_deals(context: PageContext) -> pd.DataFrame:
    """Open deals older than their stage's norm, the longest over it first."""
    where, params = _rep_filter(context, "aging.owner_rep_id", "aging.team_id")
    return context.publication.query(
        f"""
        select aging.*, aging.owner_rep_id as rep_id,
            coalesce(reps.rep_name, 'Unassigned') as rep_name, reps.team_name
        from {marts.OPEN_DEAL_AGING} as aging
        left join {marts.DIM_REPS} as reps on reps.rep_id = aging.owner_rep_id
        where aging.is_older_than_norm and {where}
        order by aging.days_in_stage - aging.stage_norm_days desc, aging.deal_id
        limit {LIST_LENGTH}
        """,
        params,
    )


def most_pushed_deals(context: PageContext) -> pd.DataFrame:
    """Open deals whose expected close date was pushed out most often, then by most days."""
    where, params = _rep_filter(context, "slippage.owner_rep_id", "reps.team_id")
    return context.publication.query(
        f"""
        select slippage.*, slippage.owner_rep_id as rep_id, deals.deal_name,
            coalesce(reps.rep_name, 'Unassigned') as rep_name, reps.team_name
        from {marts.DEAL_SLIPPAGE} as slippage
        inner join {marts.FCT_DEALS} as deals on deals.deal_id = slippage.deal_id
        left join {marts.DIM_REPS} as reps on reps.rep_id = slippage.owner_rep_id
        where slippage.status = 'open' and slippage.times_pushed > 0 and {where}
        order by slippage.times_pushed desc, slippage.days_pushed desc, slippage.deal_id
        limit {LIST_LENGTH}
        """,
        params,
    )


def win_loss(context: PageContext) -> pd.DataFrame:
    """The win/loss rows of the company (all teams) or the picked team in the fiscal quarter
    holding the as-of date, summed over teams for the company."""
    team_id = context.filters.team_id
    in_scope, scope_params = (
        ("true", []) if team_id is None else context.scope.teams_clause("team_id")
    )
    return context.publication.query(
        f"""
        select period_label, reporting_currency, deal_type, outcome, loss_reason,
            sum(deals) as deals, sum(amount) as amount
        from {marts.WIN_LOSS_BREAKDOWN}
        where period_grain = 'fiscal_quarter'
            and period_start_date = (
                select max(period_start_date) from {marts.WIN_LOSS_BREAKDOWN}
                where period_grain = 'fiscal_quarter'
                    and period_start_date <= coalesce(?, period_start_date)
            )
            and team_id = coalesce(?, team_id) and {in_scope}
        group by period_label, reporting_currency, deal_type, outcome, loss_reason
        order by outcome desc, amount desc
        """,
        [context.data_as_of.as_of_date, team_id, *scope_params],
    )


def render_aged_deals(context: PageContext) -> None:
    st.subheader("Deals older than their stage's norm", anchor=False)
    deals = aged_deals(context)
    if deals.empty:
        st.caption("No open deal has been in its stage longer than the stage's 80th percentile.")
        return
    deals["rep_label"] = fmt.rep_labels_per_rep(deals)
    st.caption(
        "Open deals in their stage for longer than the stage's norm (the 80th percentile of "
        f"completed stays), the furthest over first; at most {LIST_LENGTH}."
    )
    table(
        deals,
        {
            "deal_name": fmt.text_column("Deal", pinned=True),
            "rep_label": fmt.text_column("Rep"),
            "stage_label": fmt.text_column("Stage"),
            "days_in_stage": fmt.number_column("Days in stage", 0),
            "stage_norm_days": fmt.number_column("Norm", 0, help="The stage's 80th pct, days"),
            "amount_reporting": fmt.money_column("Amount", deals["reporting_currency"].iloc[0]),
        },
    )


def render_most_pushed(context: PageContext) -> None:
    st.subheader("Most pushed deals", anchor=False)
    deals = most_pushed_deals(context)
    if deals.empty:
        st.caption("No open deal has had its close date pushed out.")
        return
    deals["rep_label"] = fmt.rep_labels_per_rep(deals)
    st.caption(
        "Open deals whose expected close date moved later most often, with the days pushed in "
        f"all; at most {LIST_LENGTH}."
    )
    table(
        deals,
        {
            "deal_name": fmt.text_column("Deal", pinned=True),
            "rep_label": fmt.text_column("Rep"),
            "times_pushed": fmt.count_column("Pushes"),
            "days_pushed": fmt.count_column("Days pushed"),
            "last_expected_close_date": fmt.date_column("Expected close"),
        },
    )


def render_win_loss(context: PageContext) -> None:
    rows = win_loss(context)
    if rows.empty:
        return
    currency = rows["reporting_currency"].iloc[0]
    st.subheader(f"Won and lost in {rows['period_label'].iloc[0]}", anchor=False)
    won = rows[rows["outcome"] == "won"].copy()
    won["deal_type_label"] = won["deal_type"].map(DEAL_TYPES).fillna(won["deal_type"])
    lost = rows[rows["outcome"] == "lost"].copy()
    lost["reason_label"] = lost["loss_reason"].str.replace("_", " ").str.capitalize()
    st.caption("Bookings by kind of deal, and the amount lost by the reason given.")
    table(
        won,
        {
            "deal_type_label": fmt.text_column("Won", pinned=True),
            "deals": fmt.count_column("Deals"),
            "amount": fmt.money_column("Bookings", currency),
        },
    )
    table(
        lost,
        {
            "reason_label": fmt.text_column("Lost because", pinned=True),
            "deals": fmt.count_column("Deals"),
            "amount": fmt.money_column("Amount lost", currency),
        },
    )
