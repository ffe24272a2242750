"""The `forecast` dlt source: the statistical bookings forecast, written back to the warehouse.

The forecast is computed when the source is created, from the bookings the caller passes in
(reading them from the warehouse is the orchestration's job), so a bad input fails before
anything loads. Each resource replaces its table on every run: the tables hold the latest
run, stamped with its `forecast_run_id` and `as_of`.

    pipeline = build_pipeline("forecast")            # -> raw_forecast
    pipeline.run(forecast_source(bookings, as_of, 6), loader_file_format="parquet")
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

import dlt
import pandas as pd
import pyarrow as pa
from dlt.sources import DltResource

from forecasting import DEFAULT_HORIZON, ForecastResult, forecast_bookings, last_complete_month
from forecasting.task_cache import TaskCache
from ingestion.sources.forecast.settings import (
    ACCURACY_TABLE,
    AS_OF_COLUMN,
    BACKTEST_TABLE,
    FORECAST_TABLE,
    RUN_ID_COLUMN,
    SOURCE_NAME,
    TABLES,
)


@dlt.source(name=SOURCE_NAME)
def forecast_source(
    bookings: pd.DataFrame,
    as_of: dt.date,
    horizon: int = DEFAULT_HORIZON,
    run_id: str | None = None,
    cache: TaskCache | None = None,
) -> Iterable[DltResource]:
    """Forecast, backtest and accuracy tables for the monthly `bookings` known on `as_of`.

    `bookings` holds `series_id`, `month_start`, `bookings` (one row per series and month, see
    `forecasting.forecast_bookings`). Only complete months count: the history ends at the last
    month whose last day is on or before `as_of`, and the forecast covers the `horizon` months
    after it. `run_id` defaults to a digest of `as_of` and the results, so rerunning on the
    same data gives the same id. `cache` holds the model fits of earlier runs
    (forecasting.task_cache), so only new histories are fitted; the results are the same.
    """
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise TypeError(f"as_of must be a date, got {as_of!r}")
    result = forecast_bookings(
        bookings, horizon=horizon, last_month=last_complete_month(as_of), cache=cache
    )
    tables = forecast_tables(result, as_of, run_id)
    return [
        dlt.resource(
            [tables[name]],
            name=name,
            write_disposition="replace",
            primary_key=list(TABLES[name][1]),
        )
        for name in (FORECAST_TABLE, BACKTEST_TABLE, ACCURACY_TABLE)
    ]


def forecast_tables(
    result: ForecastResult, as_of: dt.date, run_id: str | None = None
) -> dict[str, pa.Table]:
    """The three result frames as Arrow tables with the run's id and as-of date in front."""
    frames = {
        FORECAST_TABLE: result.forecast,
        BACKTEST_TABLE: result.backtest,
        ACCURACY_TABLE: result.accuracy,
    }
    run_id = run_id or content_run_id(result, as_of)
    tables = {}
    for name, frame in frames.items():
        schema = TABLES[name][0]
        stamped = frame.assign(**{RUN_ID_COLUMN: run_id, AS_OF_COLUMN: as_of})
        tables[name] = pa.Table.from_pandas(
            stamped[schema.names], schema=schema, preserve_index=False
        )
    return tables


def content_run_id(result: ForecastResult, as_of: dt.date) -> str:
    """`<as_of>-<digest>`: the digest covers every output row, so equal runs share an id."""
    digest = hashlib.sha256(as_of.isoformat().encode())
    for frame in (result.forecast, result.backtest, result.accuracy):
        digest.update(frame.to_csv(index=False, float_format="%.10g").encode())
    return f"{as_of.isoformat()}-{digest.hexdigest()[:12]}"
