"""Forecast accuracy metrics, over the points of a backtest.

- WAPE = Σ|actual - point| / Σ|actual|; undefined (NaN) when every actual is 0.
- MASE = mean|actual - point| / scale, where scale is the in-sample MAE of the seasonal-naive
  forecast over the series' whole history: mean|y[t] - y[t - m]| with m = 12 (the season
  length) once the history holds two seasons, else m = 1 (naive). NaN when the scale is 0 or
  the history has no such pair.
- Coverage at a level = share of points whose actual lies inside the interval, bounds included.
"""

from __future__ import annotations

import numpy as np


def mae(actual: np.ndarray, point: np.ndarray) -> float:
    """Mean absolute error; NaN without points."""
    if len(actual) == 0:
        return float("nan")
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(point))))


def wape(actual: np.ndarray, point: np.ndarray) -> float:
    """Σ|actual - point| / Σ|actual|; NaN without points or when every actual is 0."""
    total = float(np.sum(np.abs(actual)))
    if len(actual) == 0 or total == 0.0:
        return float("nan")
    return float(np.sum(np.abs(np.asarray(actual) - np.asarray(point)))) / total


def mase_season_length(n_months: int, season_length: int) -> int:
    """The MASE scale's period: the season length with two seasons of history, else 1."""
    return season_length if n_months >= 2 * season_length else 1


def mase_scale(history: np.ndarray, period: int) -> float:
    """In-sample MAE of the period-`period` naive forecast: mean|y[t] - y[t - period]|."""
    if len(history) <= period:
        return float("nan")
    return float(np.mean(np.abs(history[period:] - history[:-period])))


def mase(actual: np.ndarray, point: np.ndarray, scale: float) -> float:
    """MAE divided by the scale; NaN without points or with a zero or undefined scale."""
    if not scale > 0.0:
        return float("nan")
    return mae(actual, point) / scale


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actuals within [lo, hi]; NaN without points."""
    if len(actual) == 0:
        return float("nan")
    return float(np.mean((np.asarray(lo) <= actual) & (actual <= np.asarray(hi))))
