"""From the input rows to one gap-free monthly history per series.

A month with no bookings is a month with 0 bookings: months missing inside a series, a null
`bookings`, and the months between a series' last row and the common last month are all 0.
A series starts at its first row; every series ends at the same last month, so their
forecasts cover the same months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.settings import (
    BOOKINGS,
    FLAG_ALL_ZERO,
    FLAG_SHORT_SERIES,
    FLAG_TOO_SHORT,
    INPUT_COLUMNS,
    MONTH_START,
    SERIES_ID,
    ForecastSettings,
)


@dataclass(frozen=True)
class SeriesHistory:
    """One series' monthly bookings, gap-free, from `first_month` on (months as indexes)."""

    series_id: str
    first_month: int
    values: np.ndarray

    @property
    def n_months(self) -> int:
        return len(self.values)

    @property
    def last_month(self) -> int:
        return self.first_month + len(self.values) - 1

    @property
    def is_non_negative(self) -> bool:
        return bool((self.values >= 0).all())


def month_index(day: dt.date) -> int:
    """Months since year 0: consecutive months have consecutive indexes."""
    return day.year * 12 + day.month - 1


def month_date(index: int) -> dt.date:
    """The first day of the month with this index."""
    return dt.date(index // 12, index % 12 + 1, 1)


def last_complete_month(as_of: dt.date) -> dt.date:
    """The start of the latest month whose last day is on or before `as_of`.

    Data known through `as_of` covers its month completely only when `as_of` is the month's
    last day: 2026-06-30 -> 2026-06-01; 2026-06-15 -> 2026-05-01.
    """
    next_day = as_of + dt.timedelta(days=1)
    complete = month_index(as_of) if next_day.month != as_of.month else month_index(as_of) - 1
    return month_date(complete)


def prepare_histories(
    bookings: pd.DataFrame, last_month: dt.date | None = None
) -> list[SeriesHistory]:
    """One zero-filled history per series, sorted by series id, all ending at `last_month`.

    `last_month` (a month start) defaults to the latest month in the input; rows after it are
    ignored, as not yet known. Raises ValueError on input that cannot mean one thing: a missing
    column, a null series id or month, a `month_start` that is not the first of a month, a
    non-numeric or infinite amount, or two rows for one series and month.
    """
    missing = [column for column in INPUT_COLUMNS if column not in bookings.columns]
    if missing:
        raise ValueError(f"bookings is missing column(s) {missing}; expected {list(INPUT_COLUMNS)}")
    if last_month is not None and last_month.day != 1:
        raise ValueError(f"last_month must be the first day of a month, got {last_month}")
    if bookings.empty:
        return []

    series_ids = bookings[SERIES_ID]
    if series_ids.isna().any():
        raise ValueError(f"{SERIES_ID} must not be null")
    months = _month_indexes(bookings[MONTH_START])
    amounts = _amounts(bookings[BOOKINGS])
    frame = pd.DataFrame(
        {SERIES_ID: series_ids.astype(str).to_numpy(), "month": months, "amount": amounts}
    )

    duplicated = frame.duplicated([SERIES_ID, "month"], keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ValueError(
            f"{int(duplicated.sum())} rows repeat a ({SERIES_ID}, {MONTH_START}) pair, e.g. "
            f"{first[SERIES_ID]!r} {month_date(int(first['month']))}: aggregate them first"
        )

    end = int(frame["month"].max()) if last_month is None else month_index(last_month)
    frame = frame[frame["month"] <= end]
    histories = []
    for series_id, rows in frame.groupby(SERIES_ID, sort=True):
        first = int(rows["month"].min())
        values = np.zeros(end - first + 1, dtype=np.float64)
        values[rows["month"].to_numpy() - first] = rows["amount"].to_numpy()
        histories.append(SeriesHistory(str(series_id), first, values))
    return histories


def classify(history: SeriesHistory, settings: ForecastSettings) -> str | None:
    """The series' flag: all_zero, too_short, short_series, or None (seasonal methods apply)."""
    if not history.values.any():
        return FLAG_ALL_ZERO
    if history.n_months < settings.min_months:
        return FLAG_TOO_SHORT
    if history.n_months < settings.seasonal_months:
        return FLAG_SHORT_SERIES
    return None


def _month_indexes(column: pd.Series) -> np.ndarray:
    if column.isna().any():
        raise ValueError(f"{MONTH_START} must not be null")
    try:
        stamps = pd.to_datetime(column)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{MONTH_START} must hold dates: {error}") from error
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    not_month_start = (stamps.dt.day != 1) | (stamps != stamps.dt.normalize())
    if not_month_start.any():
        example = column[not_month_start.to_numpy()].iloc[0]
        raise ValueError(f"{MONTH_START} must be the first day of a month, got {example!r}")
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)


def _amounts(column: pd.Series) -> np.ndarray:
    try:
        amounts = pd.to_numeric(column, errors="raise").astype("float64")
    except (TypeError, ValueError) as error:
        raise ValueError(f"{BOOKINGS} must be numeric: {error}") from error
    values = amounts.fillna(0.0).to_numpy()
    if not np.isfinite(values).all():
        raise ValueError(f"{BOOKINGS} must be finite")
    return values
