"""Reconciliation (blocking): the bookings, won and lost counts the rep-month mart reports equal
those of the won and lost deals in the deal fact (every source, converted to the reporting
currency deal by deal), and every HubSpot deal in staging reached the fact, so no deal is lost
or double-counted between layers."""

from dagster import AssetCheckResult, AssetKey, asset_check

from orchestration.defs.checks.warehouse import build_warehouse_reader
from orchestration.settings import BUILD_WAREHOUSE_POOL

REP_PERFORMANCE_MONTHLY = AssetKey(["sales", "rep_performance_monthly"])

_MART_TOTALS = """
    select coalesce(sum(bookings), 0), coalesce(sum(won_deals), 0), coalesce(sum(lost_deals), 0)
    from sales.rep_performance_monthly
"""
# The deal-grain fact the rep-month mart aggregates: every source, converted to the reporting
# currency deal by deal.
_DEAL_TOTALS = """
    select
        coalesce(sum(case when is_won then amount_reporting end), 0),
        count(case when is_won then 1 end),
        count(case when is_lost then 1 end)
    from core.fct_deals
    where not is_deleted
"""
# And no deal lost between staging and the fact: HubSpot deals in staging = in the fact.
_HUBSPOT_DEALS = """
    select
        (select count(*) from staging.stg_hubspot__deals),
        (select count(*) from core.fct_deals where source_system = 'hubspot')
"""


@asset_check(
    asset=REP_PERFORMANCE_MONTHLY,
    name="bookings_reconcile_with_staging",
    blocking=True,
    pool=BUILD_WAREHOUSE_POOL,
    description=(
        "Σ bookings, won and lost deals in the mart = those of the deals they come from, and "
        "every HubSpot deal in staging is in the deal fact."
    ),
)
def bookings_reconcile_with_staging() -> AssetCheckResult:
    with build_warehouse_reader() as con:
        mart = con.execute(_MART_TOTALS).fetchone()
        deals = con.execute(_DEAL_TOTALS).fetchone()
        staged, in_fact = con.execute(_HUBSPOT_DEALS).fetchone() if _has_hubspot(con) else (0, 0)
    names = ("bookings", "won_deals", "lost_deals")
    return AssetCheckResult(
        passed=tuple(mart) == tuple(deals) and staged == in_fact,
        metadata={
            **{f"mart_{name}": float(value) for name, value in zip(names, mart, strict=True)},
            **{f"deals_{name}": float(value) for name, value in zip(names, deals, strict=True)},
            "hubspot_deals_in_staging": int(staged),
            "hubspot_deals_in_fact": int(in_fact),
        },
    )


def _has_hubspot(con) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'staging' and table_name = 'stg_hubspot__deals'"
        ).fetchone()[0]
    )
