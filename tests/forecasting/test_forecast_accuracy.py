"""The backtest and its accuracy: the chosen model beats seasonal-naive on a series with a known
trend and seasonality, and WAPE, MASE and coverage recomputed here with plain numpy equal the
module's."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import HORIZON, add_months

from forecasting import forecast_bookings
from forecasting.settings import BASELINES, MODELS

METHODS_OF_SEASONAL = {"Naive", "SeasonalNaive", "AutoTheta", "AutoETS"}


def test_chosen_model_beats_seasonal_naive_on_a_trending_seasonal_series(result):
    accuracy = result.accuracy[result.accuracy["series_id"] == "company"].set_index("method")
    assert set(accuracy.index) == METHODS_OF_SEASONAL
    chosen = accuracy[accuracy["chosen"]]
    assert len(chosen) == 1
    method = chosen.index[0]
    assert method in MODELS
    baseline = accuracy.loc["SeasonalNaive"]
    assert chosen["wape"].iloc[0] < baseline["wape"]
    assert chosen["mase"].iloc[0] < baseline["mase"]
    assert accuracy.loc[method, "flag"] is None


def test_every_series_has_exactly_one_chosen_method(result):
    for frame in (result.forecast, result.accuracy):
        chosen_methods = frame[frame["chosen"]].groupby("series_id")["method"].nunique()
        assert chosen_methods.to_dict() == dict.fromkeys(frame["series_id"].unique(), 1)
    forecast_choice = result.forecast[result.forecast["chosen"]].groupby("series_id")["method"]
    accuracy_choice = result.accuracy[result.accuracy["chosen"]].set_index("series_id")["method"]
    assert forecast_choice.first().to_dict() == accuracy_choice.to_dict()


def test_chosen_method_has_the_lowest_mase_up_to_the_tie_rule(result):
    backtested = result.accuracy[(result.accuracy["n_origins"] >= 3)]
    for _, rows in backtested.groupby("series_id"):
        best = rows["mae"].min()
        chosen = rows[rows["chosen"]].iloc[0]
        assert chosen["mae"] <= best * 1.01 + 1e-6
        tied = rows[rows["mae"] <= best * 1.01 + 1e-6]
        order = ["Naive", "SeasonalNaive", "AutoTheta", "AutoETS", "AutoARIMA"]
        assert chosen["method"] == min(tied["method"], key=order.index)
        # MASE and WAPE rank as MAE does within a series
        assert chosen["mase"] <= rows["mase"].min() * 1.01 + 1e-9


def test_wape_mase_and_coverage_recomputed_independently(result, series_values):
    backtest, accuracy = result.backtest, result.accuracy.set_index(["series_id", "method"])
    assert not backtest.empty
    for (series_id, method), rows in backtest.groupby(["series_id", "method"]):
        a = rows["actual"].to_numpy()
        f = rows["point"].to_numpy()
        history = series_values(series_id)
        lag = 12 if len(history) >= 24 else 1
        scale = np.mean(np.abs(history[lag:] - history[:-lag]))
        expected = {
            "n_points": len(rows),
            "n_origins": rows["origin"].nunique(),
            "mae": np.mean(np.abs(a - f)),
            "wape": np.sum(np.abs(a - f)) / np.sum(np.abs(a)),
            "mase": np.mean(np.abs(a - f)) / scale,
            "mase_scale": scale,
            "mase_season_length": lag,
            "coverage_80": np.mean((rows["lo_80"] <= a) & (a <= rows["hi_80"])),
            "coverage_95": np.mean((rows["lo_95"] <= a) & (a <= rows["hi_95"])),
        }
        got = accuracy.loc[(series_id, method)]
        for column, value in expected.items():
            assert got[column] == pytest.approx(value, rel=1e-12), (series_id, method, column)


def test_backtest_rows_are_rolling_origin_forecasts_of_known_months(result, series_values):
    company = result.backtest[result.backtest["series_id"] == "company"]
    history = series_values("company")
    first = add_months(dt.date(2026, 6, 1), -(len(history) - 1))
    # 12 latest origins, each with at least two seasons of history; horizons cut at the data end
    origins = sorted(company["origin"].unique())
    assert origins == [add_months(first, k - 1) for k in range(36, 48)]
    for _, row in company.iterrows():
        assert row["month_start"] == add_months(row["origin"], int(row["horizon"]))
        assert 1 <= row["horizon"] <= HORIZON
        month = row["month_start"]
        index = (month.year - first.year) * 12 + month.month - first.month
        assert row["actual"] == history[index]
    per_method = company.groupby("method").size()
    assert set(per_method) == {6 * 7 + 5 + 4 + 3 + 2 + 1}


def test_a_backtest_origin_equals_a_forecast_made_at_that_origin(panel, result):
    """No look-ahead: the backtest from an origin is the forecast from the history up to it."""
    origin = dt.date(2025, 9, 1)
    company = panel[panel["series_id"] == "company"]
    truncated = company[company["month_start"] <= origin]
    at_origin = forecast_bookings(truncated, horizon=HORIZON).forecast.set_index(
        ["method", "month_start"]
    )
    backtest = result.backtest[
        (result.backtest["series_id"] == "company") & (result.backtest["origin"] == origin)
    ]
    assert len(backtest) == 4 * HORIZON
    for _, row in backtest.iterrows():
        expected = at_origin.loc[(row["method"], row["month_start"])]
        for column in ("point", "lo_80", "hi_80", "lo_95", "hi_95"):
            assert row[column] == pytest.approx(expected[column], rel=1e-9)


def test_metric_helpers_handle_degenerate_inputs():
    from forecasting import metrics

    empty = np.array([])
    assert np.isnan(metrics.wape(empty, empty))
    assert np.isnan(metrics.wape(np.zeros(3), np.ones(3)))
    assert np.isnan(metrics.mase(np.ones(3), np.zeros(3), 0.0))
    assert np.isnan(metrics.mase_scale(np.ones(12), 12))
    assert metrics.mase_season_length(23, 12) == 1
    assert metrics.mase_season_length(24, 12) == 12
    assert metrics.coverage(np.array([1.0, 5.0]), np.array([1.0, 0.0]), np.array([2.0, 4.0])) == 0.5


def test_output_dtypes_are_stable(result):
    """pandas 3 changed string and datetime dtypes: pin what the writer relies on."""
    forecast, backtest, accuracy = result.forecast, result.backtest, result.accuracy
    assert forecast["month_start"].map(type).eq(dt.date).all()
    assert backtest["origin"].map(type).eq(dt.date).all()
    for frame in (forecast, backtest, accuracy):
        assert frame["series_id"].dtype == object
        assert frame["method"].isin([*BASELINES, *MODELS]).all()
    for column in ("point", "lo_80", "hi_80", "lo_95", "hi_95"):
        assert forecast[column].dtype == np.float64
    assert forecast["horizon"].dtype == np.int64
    assert forecast["chosen"].dtype == bool
    assert accuracy["n_points"].dtype == np.int64
    assert pd.api.types.is_float_dtype(accuracy["wape"])
