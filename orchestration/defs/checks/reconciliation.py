"""Reconciliation (blocking): the bookings, won and lost counts the mart reports equal those of
the won and lost deals in staging, so no deal is lost or double-counted between layers."""

from dagster import AssetCheckResult, AssetKey, asset_check

from orchestration.defs.checks.warehouse import build_warehouse_reader
from orchestration.settings import BUILD_WAREHOUSE_POOL

REP_PERFORMANCE_MONTHLY = AssetKey(["sales", "rep_performance_monthly"])

_MART_TOTALS = """
    select coalesce(sum(bookings), 0), coalesce(sum(won_deals), 0), coalesce(sum(lost_deals), 0)
    from sales.rep_performance_monthly
"""
# Straight from staging: a deal's stage says whether it is won or lost (the same stage
# classification the marts use), deleted deals never count.
_STAGING_TOTALS = """
    select
        coalesce(sum(case when stages.status = 'won' then deals.amount end), 0),
        count(case when stages.status = 'won' then 1 end),
        count(case when stages.status = 'lost' then 1 end)
    from staging.stg_hubspot__deals as deals
    inner join intermediate.int_deal_stages_unioned as stages
        on deals.pipeline_id = stages.pipeline_id and deals.stage_id = stages.stage_id
    where not deals.is_deleted
"""


@asset_check(
    asset=REP_PERFORMANCE_MONTHLY,
    name="bookings_reconcile_with_staging",
    blocking=True,
    pool=BUILD_WAREHOUSE_POOL,
    description="Σ bookings, won and lost deals in the mart = those of the deals in staging.",
)
def bookings_reconcile_with_staging() -> AssetCheckResult:
    with build_warehouse_reader() as con:
        mart = con.execute(_MART_TOTALS).fetchone()
        staging = con.execute(_STAGING_TOTALS).fetchone()
    names = ("bookings", "won_deals", "lost_deals")
    return AssetCheckResult(
        passed=tuple(mart) == tuple(staging),
        metadata={
            **{f"mart_{name}": float(value) for name, value in zip(names, mart, strict=True)},
            **{f"staging_{name}": float(value) for name, value in zip(names, staging, strict=True)},
        },
    )
