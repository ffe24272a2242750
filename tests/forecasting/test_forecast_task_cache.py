"""The model fits kept from one run to the next (forecasting.task_cache): a night on the same
complete months fits nothing again, a new month fits only its new histories, and the forecast,
backtest and accuracy are exactly those of a run without the cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from conftest import HORIZON, LAST_MONTH, add_months, synthetic_series

import forecasting.models
from forecasting import ForecastResult, forecast_bookings
from forecasting.task_cache import TaskCache


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the model fits actually run, in order."""
    run: list[str] = []
    original = forecasting.models._run_task

    def counted(task):
        run.append(task.method)
        return original(task)

    monkeypatch.setattr(forecasting.models, "_run_task", counted)
    return run


def _panel(last_month) -> pd.DataFrame:
    return pd.concat(
        [
            synthetic_series("company", 40, seed=21, end=last_month),
            synthetic_series("team_a", 30, seed=22, level=30_000, end=last_month),
            synthetic_series("team_b", 14, seed=23, level=20_000, end=last_month),
        ],
        ignore_index=True,
    )


def _assert_same(cached: ForecastResult, uncached: ForecastResult) -> None:
    for name in ("forecast", "backtest", "accuracy"):
        pd.testing.assert_frame_equal(getattr(cached, name), getattr(uncached, name))


def test_a_second_run_on_the_same_months_fits_nothing_and_gives_the_same_forecast(
    tmp_path: Path, fits: list[str]
):
    panel = _panel(LAST_MONTH)
    uncached = forecast_bookings(panel, horizon=HORIZON)
    fitted_without_cache = len(fits)

    first = TaskCache(tmp_path / "fits.sqlite")
    _assert_same(forecast_bookings(panel, horizon=HORIZON, cache=first), uncached)
    first.save()
    assert (first.misses, first.hits) == (fitted_without_cache, 0)

    fits.clear()
    second = TaskCache(tmp_path / "fits.sqlite")
    _assert_same(forecast_bookings(panel, horizon=HORIZON, cache=second), uncached)
    assert fits == []
    assert (second.misses, second.hits) == (0, fitted_without_cache)


def test_a_new_month_fits_only_the_histories_not_seen_before(tmp_path: Path, fits: list[str]):
    cache = TaskCache(tmp_path / "fits.sqlite")
    forecast_bookings(_panel(LAST_MONTH), horizon=HORIZON, cache=cache)
    cache.save()

    # The same series and one month more: every earlier month keeps its value.
    panel = _panel(LAST_MONTH)
    new_month = panel.groupby("series_id", as_index=False).last()
    new_month["month_start"] = add_months(LAST_MONTH, 1)
    next_month = pd.concat([panel, new_month], ignore_index=True)
    fits.clear()
    uncached = forecast_bookings(next_month, horizon=HORIZON)
    fitted_without_cache = len(fits)

    fits.clear()
    cache = TaskCache(tmp_path / "fits.sqlite")
    _assert_same(forecast_bookings(next_month, horizon=HORIZON, cache=cache), uncached)
    assert cache.hits > 0
    assert 0 < len(fits) == cache.misses < fitted_without_cache
    cache.save()
    # The file keeps the tasks of the latest run only.
    with sqlite3.connect(tmp_path / "fits.sqlite") as con:
        (stored,) = con.execute("select count(*) from results").fetchone()
    assert stored == fitted_without_cache


def test_an_unreadable_file_costs_a_refit_not_a_wrong_forecast(tmp_path: Path, fits: list[str]):
    path = tmp_path / "fits.sqlite"
    path.write_bytes(b"not a database" * 100)
    panel = _panel(LAST_MONTH)
    uncached = forecast_bookings(panel, horizon=HORIZON)
    fitted_without_cache = len(fits)

    cache = TaskCache(path)
    _assert_same(forecast_bookings(panel, horizon=HORIZON, cache=cache), uncached)
    assert cache.misses == fitted_without_cache
    cache.save()
    assert TaskCache(path)._stored.keys() == cache._used.keys()
