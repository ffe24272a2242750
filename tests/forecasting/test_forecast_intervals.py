"""Prediction intervals nest, 80% inside 95% around the point, everywhere."""

import numpy as np
import pandas as pd
import pytest

from forecasting.models import nest_intervals


def _assert_nested(frame: pd.DataFrame) -> None:
    bounded = frame.dropna(subset=["lo_80", "hi_80", "lo_95", "hi_95"])
    assert not bounded.empty
    assert (bounded["lo_95"] <= bounded["lo_80"]).all()
    assert (bounded["lo_80"] <= bounded["point"]).all()
    assert (bounded["point"] <= bounded["hi_80"]).all()
    assert (bounded["hi_80"] <= bounded["hi_95"]).all()
    # a bound is null only together with the other bounds
    bounds = frame[["lo_80", "hi_80", "lo_95", "hi_95"]].isna()
    assert bounds.all(axis=1).eq(bounds.any(axis=1)).all()


def test_forecast_intervals_are_nested_everywhere(result):
    _assert_nested(result.forecast)


def test_backtest_intervals_are_nested_everywhere(result):
    _assert_nested(result.backtest)


def test_bookings_forecasts_are_never_negative(result):
    values = result.forecast[["point", "lo_80", "hi_80", "lo_95", "hi_95"]]
    assert (values.fillna(0) >= 0).all().all()


def test_nest_intervals_repairs_crossed_bounds():
    # point, lo_80, hi_80, lo_95, hi_95: crossed in every way
    raw = np.array([[10.0, 12.0, 8.0, 11.0, 9.0], [5.0, 4.0, 6.0, 1.0, 9.0], [-2.0, -3, -1, -4, 0]])
    nested = nest_intervals(raw, floor_at_zero=False)
    point, lo_80, hi_80, lo_95, hi_95 = nested.T
    assert (lo_95 <= lo_80).all() and (lo_80 <= point).all()
    assert (point <= hi_80).all() and (hi_80 <= hi_95).all()
    assert nested[1].tolist() == raw[1].tolist()  # already nested: unchanged
    floored = nest_intervals(raw, floor_at_zero=True)
    assert floored.min() == 0.0
    assert floored[2].tolist() == pytest.approx([0, 0, 0, 0, 0])
