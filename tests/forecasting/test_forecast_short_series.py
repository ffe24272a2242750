"""Short, sparse and degenerate series are handled explicitly: a baseline with a flag, never a
crash; and the input contract (gaps are zeros, bad input is refused)."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import HORIZON, LAST_MONTH, add_months, constant_series, synthetic_series

from forecasting import ForecastSettings, forecast_bookings, last_complete_month
from forecasting.settings import ACCURACY_COLUMNS, BACKTEST_COLUMNS, FORECAST_COLUMNS

FAST = ForecastSettings(models=("AutoTheta",))


def _series(result, series_id):
    forecast = result.forecast[result.forecast["series_id"] == series_id]
    accuracy = result.accuracy[result.accuracy["series_id"] == series_id]
    backtest = result.backtest[result.backtest["series_id"] == series_id]
    return forecast, accuracy, backtest


def test_fourteen_month_series_gets_no_seasonal_model_and_its_flag(result):
    forecast, accuracy, backtest = _series(result, "team_short")
    assert set(forecast["method"]) == {"Naive", "AutoTheta", "AutoETS"}
    assert forecast["flag"].eq("short_series").all()
    assert accuracy["flag"].eq("short_series").all()
    assert accuracy["mase_season_length"].eq(1).all()
    assert accuracy["history_months"].eq(14).all()
    # backtest origins leave at least 8 months to train on: 8..13 months, 6 origins
    assert accuracy["n_origins"].eq(6).all()
    assert accuracy["n_points"].eq(6 + 5 + 4 + 3 + 2 + 1).all()
    assert backtest["origin"].min() == add_months(LAST_MONTH, -14 + 8)
    chosen = forecast[forecast["chosen"]]
    assert len(chosen) == HORIZON and chosen["method"].nunique() == 1
    assert chosen["lo_95"].notna().all()


def test_all_zero_series_forecasts_zero_with_its_flag(result):
    forecast, accuracy, backtest = _series(result, "team_zero")
    assert backtest.empty
    assert forecast["method"].eq("Naive").all() and forecast["chosen"].all()
    assert forecast["flag"].eq("all_zero").all()
    assert (forecast[["point", "lo_80", "hi_80", "lo_95", "hi_95"]] == 0).all().all()
    assert accuracy[["method", "chosen", "flag", "n_points"]].values.tolist() == [
        ["Naive", True, "all_zero", 0]
    ]
    assert accuracy[["wape", "mase", "coverage_80"]].isna().all().all()


def test_three_month_series_forecasts_its_last_month_with_its_flag(result, series_values):
    forecast, accuracy, backtest = _series(result, "team_tiny")
    assert backtest.empty
    assert len(forecast) == HORIZON
    assert forecast["flag"].eq("too_short").all() and forecast["chosen"].all()
    assert forecast["point"].eq(series_values("team_tiny")[-1]).all()
    assert forecast[["lo_80", "hi_80", "lo_95", "hi_95"]].isna().all().all()
    assert accuracy["flag"].tolist() == ["too_short"]


def test_series_with_two_seasons_but_a_thin_backtest_gets_seasonal_naive():
    result = forecast_bookings(synthetic_series("team", 25, seed=3), settings=FAST)
    accuracy = result.accuracy.set_index("method")
    assert accuracy["n_origins"].eq(1).all()
    assert accuracy["flag"].eq("short_backtest").all()
    assert accuracy.index[accuracy["chosen"]].tolist() == ["SeasonalNaive"]


@pytest.mark.parametrize("n_months", [1, 2, 5, 6, 7, 8, 10, 23, 24])
def test_every_length_is_forecast_without_a_crash(n_months):
    result = forecast_bookings(
        synthetic_series("team", n_months, seed=n_months), horizon=3, settings=FAST
    )
    assert result.forecast.groupby("method").size().eq(3).all()
    assert result.forecast["chosen"].sum() == 3
    expected_flag = (
        "too_short" if n_months < 6 else "short_series" if n_months < 24 else "short_backtest"
    )
    assert result.forecast["flag"].eq(expected_flag).all()


def test_sparse_series_with_single_bookings_does_not_crash():
    months = [add_months(LAST_MONTH, -k) for k in (40, 29, 17, 3)]
    bookings = pd.DataFrame({"series_id": "rare", "month_start": months, "bookings": 5000.0})
    result = forecast_bookings(bookings, last_month=LAST_MONTH, settings=FAST)
    accuracy = result.accuracy
    assert accuracy["history_months"].eq(41).all()  # zero-filled to the last month
    assert accuracy["chosen"].sum() == 1
    assert result.forecast[["point", "lo_95"]].notna().all().all()


def test_missing_months_count_as_zero_and_series_run_to_the_common_last_month():
    full = synthetic_series("gappy", 30, seed=5)
    gaps = full.drop(index=[27, 28])  # two months inside the series, near its end
    ends_early = synthetic_series("ended", 20, seed=6, end=add_months(LAST_MONTH, -3))
    result = forecast_bookings(pd.concat([gaps, ends_early]), settings=FAST)
    backtest = result.backtest.set_index(["series_id", "method", "origin", "horizon"])
    gap_month = full.loc[27, "month_start"]
    actuals = result.backtest[result.backtest["month_start"] == gap_month]
    assert actuals[actuals["series_id"] == "gappy"]["actual"].eq(0.0).all()
    accuracy = result.accuracy.set_index("series_id")
    assert accuracy.loc["gappy", "history_months"].iloc[0] == 30
    assert accuracy.loc["ended", "history_months"].iloc[0] == 23
    assert (
        result.forecast.groupby("series_id")["month_start"]
        .min()
        .eq(add_months(LAST_MONTH, 1))
        .all()
    )
    assert not backtest.empty


def test_last_month_cuts_off_later_rows():
    bookings = synthetic_series("team", 30, seed=8)
    cut = add_months(LAST_MONTH, -2)
    result = forecast_bookings(bookings, last_month=cut, settings=FAST)
    assert result.forecast["month_start"].min() == add_months(cut, 1)
    assert result.accuracy["history_months"].eq(28).all()


def test_last_complete_month():
    assert last_complete_month(dt.date(2026, 6, 30)) == dt.date(2026, 6, 1)
    assert last_complete_month(dt.date(2026, 6, 29)) == dt.date(2026, 5, 1)
    assert last_complete_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)
    assert last_complete_month(dt.date(2024, 2, 29)) == dt.date(2024, 2, 1)


def test_input_types_are_accepted(result, panel):
    """Decimal amounts, timestamps and null amounts (a null counts as 0)."""
    company = panel[panel["series_id"] == "team_short"].copy()
    as_decimal = company.assign(
        bookings=[Decimal(str(round(v, 2))) for v in company["bookings"]],
        month_start=pd.to_datetime(company["month_start"]),
    )
    out = forecast_bookings(as_decimal, settings=FAST)
    assert out.forecast["chosen"].sum() == HORIZON
    with_null = company.assign(bookings=company["bookings"].where(company.index % 5 != 0))
    zeros = company.assign(bookings=company["bookings"].where(company.index % 5 != 0, 0.0))
    pd.testing.assert_frame_equal(
        forecast_bookings(with_null, settings=FAST).forecast,
        forecast_bookings(zeros, settings=FAST).forecast,
    )


def test_empty_input_gives_empty_tables_with_their_columns():
    empty = pd.DataFrame({"series_id": [], "month_start": [], "bookings": []})
    result = forecast_bookings(empty)
    assert result.forecast.empty and result.backtest.empty and result.accuracy.empty
    assert tuple(result.forecast.columns) == FORECAST_COLUMNS
    assert tuple(result.backtest.columns) == BACKTEST_COLUMNS
    assert tuple(result.accuracy.columns) == ACCURACY_COLUMNS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="bookings"), "missing column"),
        (lambda f: pd.concat([f, f.tail(1)]), "repeat"),
        (lambda f: f.assign(month_start=dt.date(2026, 1, 15)), "first day of a month"),
        (lambda f: f.assign(bookings="a lot"), "numeric"),
        (lambda f: f.assign(bookings=np.inf), "finite"),
        (lambda f: f.assign(series_id=None), "null"),
    ],
)
def test_ambiguous_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        forecast_bookings(change(synthetic_series("team", 8)))


def test_settings_and_horizon_are_validated():
    with pytest.raises(ValueError, match="horizon"):
        forecast_bookings(synthetic_series("team", 8), horizon=0)
    with pytest.raises(ValueError, match="unknown models"):
        ForecastSettings(models=("Prophet",))


def test_horizon_is_configurable():
    result = forecast_bookings(synthetic_series("team", 40, seed=9), horizon=9, settings=FAST)
    assert result.forecast.groupby("method")["horizon"].max().eq(9).all()
    assert result.backtest["horizon"].max() == 9


def test_forecast_is_deterministic(panel, result):
    again = forecast_bookings(panel.sample(frac=1.0, random_state=1), horizon=HORIZON)
    pd.testing.assert_frame_equal(again.forecast, result.forecast)
    pd.testing.assert_frame_equal(again.backtest, result.backtest)
    pd.testing.assert_frame_equal(again.accuracy, result.accuracy)


def test_constant_series_ties_go_to_the_simplest_method():
    result = forecast_bookings(constant_series("flat", 36, 1000.0), settings=FAST)
    chosen = result.accuracy[result.accuracy["chosen"]]
    assert chosen["method"].tolist() == ["Naive"]
    assert result.forecast[result.forecast["chosen"]]["point"].eq(1000.0).all()
