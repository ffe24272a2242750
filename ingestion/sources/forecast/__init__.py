"""The statistical bookings forecast (package `forecasting`) as a dlt source, so forecasts are
written back to any destination dlt supports (`raw_forecast` in the build warehouse)."""

from ingestion.sources.forecast.settings import (
    ACCURACY_TABLE,
    BACKTEST_TABLE,
    FORECAST_TABLE,
    SOURCE_NAME,
)
from ingestion.sources.forecast.source import content_run_id, forecast_source, forecast_tables

__all__ = [
    "ACCURACY_TABLE",
    "BACKTEST_TABLE",
    "FORECAST_TABLE",
    "SOURCE_NAME",
    "content_run_id",
    "forecast_source",
    "forecast_tables",
]
