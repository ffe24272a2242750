"""Synthetic monthly bookings with a known trend, yearly seasonality and seeded noise, and the
forecast of one small panel shared by the tests (statsforecast is imported and run once)."""

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from forecasting import ForecastResult, forecast_bookings

LAST_MONTH = dt.date(2026, 6, 1)
HORIZON = 6


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def synthetic_series(
    series_id: str,
    n_months: int,
    *,
    seed: int = 0,
    level: float = 100_000.0,
    trend: float = 1_500.0,
    amplitude: float = 25_000.0,
    noise: float = 4_000.0,
    end: dt.date = LAST_MONTH,
) -> pd.DataFrame:
    """`n_months` of bookings ending at `end`: level + trend·t + yearly sine + N(0, noise)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    start = add_months(end, -(n_months - 1))
    season = amplitude * np.sin(2 * np.pi * (start.month - 1 + t) / 12)
    values = np.maximum(level + trend * t + season + rng.normal(0, noise, n_months), 0.0)
    return pd.DataFrame(
        {
            "series_id": series_id,
            "month_start": [add_months(start, int(i)) for i in t],
            "bookings": values,
        }
    )


def constant_series(series_id: str, n_months: int, value: float) -> pd.DataFrame:
    frame = synthetic_series(series_id, n_months)
    return frame.assign(bookings=value)


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    """A company-sized series, a team of 14 months, one of 3 months and one with no bookings."""
    return pd.concat(
        [
            synthetic_series("company", 48, seed=11),
            synthetic_series("team_short", 14, seed=12, level=30_000, amplitude=6_000),
            synthetic_series("team_tiny", 3, seed=13, level=20_000),
            constant_series("team_zero", 12, 0.0),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="session")
def result(panel: pd.DataFrame) -> ForecastResult:
    return forecast_bookings(panel, horizon=HORIZON)


@pytest.fixture(scope="session")
def series_values(panel: pd.DataFrame) -> Callable[[str], np.ndarray]:
    """The input bookings of one series, in month order (the panel has no gaps)."""

    def values(series_id: str) -> np.ndarray:
        rows = panel[panel["series_id"] == series_id].sort_values("month_start")
        return rows["bookings"].to_numpy(dtype=float)

    return values
