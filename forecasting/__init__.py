"""Statistical forecast of monthly bookings per team and for the company (docs/forecasting.md).

Pure pandas and statsforecast: no dlt, no Dagster, no warehouse access. The orchestration
reads the bookings, `ingestion.sources.forecast` writes the results back.
"""

from forecasting.forecast import ForecastResult, choose, forecast_bookings
from forecasting.history import last_complete_month
from forecasting.settings import (
    ACCURACY_COLUMNS,
    BACKTEST_COLUMNS,
    DEFAULT_HORIZON,
    FLAGS,
    FORECAST_COLUMNS,
    ForecastSettings,
)

__all__ = [
    "ACCURACY_COLUMNS",
    "BACKTEST_COLUMNS",
    "DEFAULT_HORIZON",
    "FLAGS",
    "FORECAST_COLUMNS",
    "ForecastResult",
    "ForecastSettings",
    "choose",
    "forecast_bookings",
    "last_complete_month",
]
