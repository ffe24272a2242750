"""The statistical bookings forecast: read monthly bookings per team and for the company from
the sales mart, forecast them (package `forecasting`), and write the forecast, its backtest and
its accuracy back to the warehouse through dlt (`raw_forecast`), where dbt builds the forecast
marts. Sits in the graph between the sales marts and the forecast marts."""

import datetime as dt

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from forecasting.task_cache import TaskCache
from ingestion.pipelines import build_pipeline, loader_file_format, raw_dataset_name
from ingestion.sources.forecast import (
    ACCURACY_TABLE,
    BACKTEST_TABLE,
    FORECAST_TABLE,
    SOURCE_NAME,
    forecast_source,
)
from ingestion.warehouse import build_warehouse_connection
from orchestration.run_day import run_reporting_day
from orchestration.settings import BUILD_WAREHOUSE_POOL
from salespulse.settings import current_settings

# Monthly bookings as the sales marts define them (macro sales_performance): per team, and for
# the company.
BOOKINGS_MARTS = [
    AssetKey(["sales", "team_performance"]),
    AssetKey(["sales", "company_performance"]),
]
FORECAST_TABLES = (FORECAST_TABLE, BACKTEST_TABLE, ACCURACY_TABLE)
FORECAST_HORIZON_MONTHS = 6
COMPANY_SERIES = "company"
# The model fits of the latest forecast, by content (forecasting.task_cache): a night on the
# same complete months refits nothing, a new month only its new histories.
TASK_CACHE_FILE = "forecast/model_fits.sqlite"

# Team and company series, read from the team and company marts (Σ rep = team = company is
# tested in dbt). They end at the as-of month, in progress or not; the forecast keeps the
# months complete at its as-of date (forecasting.history.last_complete_month).
_MONTHLY_BOOKINGS = """
    select 'team:' || team_id as series_id, period_start_date as month_start, bookings
    from sales.team_performance where period_grain = 'month'
    union all
    select '{company}', period_start_date, bookings
    from sales.company_performance where period_grain = 'month'
"""


def forecast_as_of(context: AssetExecutionContext) -> dt.date:
    """The day the forecast is made on: the marts' as-of day, the run's (orchestration/run_day;
    it was today in UTC, a day off the marts' for part of every day in a zone other than UTC's)."""
    return run_reporting_day(context)


def monthly_bookings() -> pd.DataFrame:
    with build_warehouse_connection(read_only=True) as con:
        return con.execute(_MONTHLY_BOOKINGS.format(company=COMPANY_SERIES)).df()


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey([raw_dataset_name(SOURCE_NAME), table]),
            deps=BOOKINGS_MARTS,
            group_name=raw_dataset_name(SOURCE_NAME),
            owners=["team:analytics-engineering"],
            kinds={"statsforecast", "dlt", "duckdb"},
            description=description,
        )
        for table, description in (
            (FORECAST_TABLE, "Monthly bookings forecast per team and company, with intervals."),
            (BACKTEST_TABLE, "Rolling-origin backtest of every candidate method."),
            (ACCURACY_TABLE, "WAPE, MASE and interval coverage per series and method."),
        )
    ],
    name="bookings_forecast",
    pool=BUILD_WAREHOUSE_POOL,
)
def bookings_forecast(context: AssetExecutionContext):
    """Forecast monthly bookings and write the results to raw_forecast."""
    bookings = monthly_bookings()
    as_of = forecast_as_of(context)
    context.log.info(f"forecasting {bookings['series_id'].nunique()} series as of {as_of}")
    cache = TaskCache(current_settings().home / TASK_CACHE_FILE)
    source = forecast_source(bookings, as_of=as_of, horizon=FORECAST_HORIZON_MONTHS, cache=cache)
    cache.save()
    context.log.info(f"model fits: {cache.misses} computed, {cache.hits} reused from {cache.path}")
    pipeline = build_pipeline(SOURCE_NAME)
    load_info = pipeline.run(source, loader_file_format=loader_file_format())
    load_info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts
    for table in FORECAST_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey([raw_dataset_name(SOURCE_NAME), table]),
            metadata={"dagster/row_count": rows.get(table, 0), "as_of": as_of.isoformat()},
        )
