"""Fitting statsforecast models to many histories, with failures contained per history.

Each task is one method on one history (a backtest origin or the full series). The models'
own `forecast` is called directly, so a model that fails on one history (too few points for
it, a numerical failure) costs that task only: it returns None and the caller drops the
method for that series.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forecasting.settings import (
    AUTO_ARIMA,
    AUTO_ETS,
    AUTO_THETA,
    LEVELS,
    NAIVE,
    SEASONAL_NAIVE,
)

if TYPE_CHECKING:
    from forecasting.task_cache import TaskCache

# Forecast arrays have these columns, in this order.
POINT, LO_80, HI_80, LO_95, HI_95 = range(5)
_OUTPUT_KEYS = ("mean", "lo-80", "hi-80", "lo-95", "hi-95")


@dataclass(frozen=True)
class Task:
    """Forecast `horizon` months after `values` with `method` (seasonal period `season_length`)."""

    method: str
    season_length: int
    values: np.ndarray
    horizon: int


def make_model(method: str, season_length: int) -> Any:
    """The statsforecast model behind a method name. `season_length` 1 means non-seasonal."""
    # Imported here, not at the top: statsforecast pulls in statsmodels and scipy (2-3 s), which
    # every process that loads the asset graph would pay though only the forecast step fits.
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive, SeasonalNaive

    if method == NAIVE:
        return Naive()
    if method == SEASONAL_NAIVE:
        return SeasonalNaive(season_length=season_length)
    if method == AUTO_THETA:
        return AutoTheta(season_length=season_length)
    if method == AUTO_ETS:
        return AutoETS(season_length=season_length)
    if method == AUTO_ARIMA:
        return AutoARIMA(season_length=season_length)
    raise ValueError(f"unknown method {method!r}")


def run_tasks(tasks: list[Task], cache: TaskCache | None = None) -> list[np.ndarray | None]:
    """Each task's forecast as a (horizon, 5) array (point, lo_80, hi_80, lo_95, hi_95), or None
    when its model failed or returned a non-finite value; in the order of `tasks`. With a
    `cache`, a task it holds is not run again (forecasting.task_cache)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # The models warn on short or flat histories; their output is checked instead.
        warnings.simplefilter("ignore")
        return [_cached_or_run(task, cache) for task in tasks]


def _cached_or_run(task: Task, cache: TaskCache | None) -> np.ndarray | None:
    if cache is None:
        return _run_task(task)
    found, result = cache.get(task)
    if not found:
        result = _run_task(task)
        cache.put(task, result)
    return result


def nest_intervals(forecasts: np.ndarray, floor_at_zero: bool) -> np.ndarray:
    """Intervals made to nest: lo_95 <= lo_80 <= point <= hi_80 <= hi_95 on every row.

    Gaussian intervals nest already; this makes it a guarantee for every method. With
    `floor_at_zero` (a history that never went below 0, as bookings do not) every value is
    floored at 0, which keeps the order.
    """
    out = np.array(forecasts, dtype=np.float64, copy=True)
    out[:, LO_80] = np.minimum(out[:, LO_80], out[:, POINT])
    out[:, HI_80] = np.maximum(out[:, HI_80], out[:, POINT])
    out[:, LO_95] = np.minimum(out[:, LO_95], out[:, LO_80])
    out[:, HI_95] = np.maximum(out[:, HI_95], out[:, HI_80])
    if floor_at_zero:
        np.maximum(out, 0.0, out=out)
    return out


def _run_task(task: Task) -> np.ndarray | None:
    model = make_model(task.method, task.season_length)
    try:
        result = model.forecast(
            y=np.ascontiguousarray(task.values, dtype=np.float64),
            h=task.horizon,
            level=list(LEVELS),
        )
        forecasts = np.column_stack(
            [np.asarray(result[key], dtype=np.float64) for key in _OUTPUT_KEYS]
        )
    except Exception:  # any model failure on this history: the method is dropped for it
        return None
    if forecasts.shape != (task.horizon, len(_OUTPUT_KEYS)) or not np.isfinite(forecasts).all():
        return None
    return forecasts
