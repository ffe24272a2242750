"""The tables the `forecast` source writes, and their Arrow schemas.

Forecast values (point, bounds, actuals) are estimates and land as double; the forecast marts
cast them to the warehouse's money type.
"""

import pyarrow as pa

SOURCE_NAME = "forecast"

FORECAST_TABLE = "bookings_forecast"
BACKTEST_TABLE = "forecast_backtest"
ACCURACY_TABLE = "forecast_accuracy"

RUN_ID_COLUMN = "forecast_run_id"
AS_OF_COLUMN = "as_of"

_RUN = [
    pa.field(RUN_ID_COLUMN, pa.string(), nullable=False),
    pa.field(AS_OF_COLUMN, pa.date32(), nullable=False),
]
_INTERVALS = [pa.field(name, pa.float64()) for name in ("lo_80", "hi_80", "lo_95", "hi_95")]

FORECAST_SCHEMA = pa.schema(
    [
        *_RUN,
        pa.field("series_id", pa.string(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("horizon", pa.int64(), nullable=False),
        pa.field("month_start", pa.date32(), nullable=False),
        pa.field("point", pa.float64(), nullable=False),
        *_INTERVALS,
        pa.field("chosen", pa.bool_(), nullable=False),
        pa.field("flag", pa.string()),
    ]
)
BACKTEST_SCHEMA = pa.schema(
    [
        *_RUN,
        pa.field("series_id", pa.string(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("origin", pa.date32(), nullable=False),
        pa.field("horizon", pa.int64(), nullable=False),
        pa.field("month_start", pa.date32(), nullable=False),
        pa.field("actual", pa.float64(), nullable=False),
        pa.field("point", pa.float64(), nullable=False),
        *_INTERVALS,
    ]
)
ACCURACY_SCHEMA = pa.schema(
    [
        *_RUN,
        pa.field("series_id", pa.string(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("chosen", pa.bool_(), nullable=False),
        pa.field("flag", pa.string()),
        pa.field("history_months", pa.int64(), nullable=False),
        pa.field("n_origins", pa.int64(), nullable=False),
        pa.field("n_points", pa.int64(), nullable=False),
        pa.field("mae", pa.float64()),
        pa.field("wape", pa.float64()),
        pa.field("mase", pa.float64()),
        pa.field("mase_season_length", pa.int64(), nullable=False),
        pa.field("mase_scale", pa.float64()),
        pa.field("coverage_80", pa.float64()),
        pa.field("coverage_95", pa.float64()),
    ]
)

# Table -> (schema, the columns that identify a row within one run).
TABLES: dict[str, tuple[pa.Schema, tuple[str, ...]]] = {
    FORECAST_TABLE: (FORECAST_SCHEMA, ("series_id", "method", "month_start")),
    BACKTEST_TABLE: (BACKTEST_SCHEMA, ("series_id", "method", "origin", "month_start")),
    ACCURACY_TABLE: (ACCURACY_SCHEMA, ("series_id", "method")),
}
