"""Reconciliation (blocking): the bookings, won and lost counts the sales marts report (the
company's months, from the one computation in macro sales_performance) equal those of the deals
the metrics count (core.fct_deals: every source, converted to the reporting currency deal by
deal), and every HubSpot deal in staging reached the fact or is listed as an excluded record
exception, so no deal is lost or double-counted between layers."""

from dagster import AssetCheckResult, AssetKey, asset_check

from orchestration.defs.checks.warehouse import build_warehouse_reader
from orchestration.settings import BUILD_WAREHOUSE_POOL

COMPANY_PERFORMANCE = AssetKey(["sales", "company_performance"])

_MART_TOTALS = """
    select coalesce(sum(bookings), 0), coalesce(sum(won_deals), 0), coalesce(sum(lost_deals), 0)
    from sales.company_performance
    where period_grain = 'month'
"""
# The deal-grain fact the marts aggregate: every source, converted to the reporting currency
# deal by deal, without the deals that break a plausibility rule (core.record_exceptions).
_DEAL_TOTALS = """
    select
        coalesce(sum(case when is_won then amount_reporting end), 0),
        count(case when is_won then 1 end),
        count(case when is_lost then 1 end)
    from core.fct_deals
    where not is_deleted
"""
# And no deal lost between staging and the fact: HubSpot deals in staging = in the fact + those
# excluded as record exceptions.
_HUBSPOT_DEALS = """
    select
        (select count(*) from staging.stg_hubspot__deals),
        (select count(*) from core.fct_deals where source_system = 'hubspot'),
        (
            select count(distinct record_id) from core.record_exceptions
            where entity = 'deal' and is_excluded and source_system = 'hubspot'
        )
"""


@asset_check(
    asset=COMPANY_PERFORMANCE,
    name="bookings_reconcile_with_staging",
    blocking=True,
    pool=BUILD_WAREHOUSE_POOL,
    description=(
        "Σ bookings, won and lost deals in the marts = those of the deals they count, and every "
        "HubSpot deal in staging is in the deal fact or listed as an excluded record exception."
    ),
)
def bookings_reconcile_with_staging() -> AssetCheckResult:
    with build_warehouse_reader() as con:
        mart = con.execute(_MART_TOTALS).fetchone()
        deals = con.execute(_DEAL_TOTALS).fetchone()
        staged, in_fact, excluded = (
            con.execute(_HUBSPOT_DEALS).fetchone() if _has_hubspot(con) else (0, 0, 0)
        )
    names = ("bookings", "won_deals", "lost_deals")
    return AssetCheckResult(
        passed=tuple(mart) == tuple(deals) and staged == in_fact + excluded,
        metadata={
            **{f"mart_{name}": float(value) for name, value in zip(names, mart, strict=True)},
            **{f"deals_{name}": float(value) for name, value in zip(names, deals, strict=True)},
            "hubspot_deals_in_staging": int(staged),
            "hubspot_deals_in_fact": int(in_fact),
            "hubspot_deals_excluded": int(excluded),
        },
    )


def _has_hubspot(con) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'staging' and table_name = 'stg_hubspot__deals'"
        ).fetchone()[0]
    )
