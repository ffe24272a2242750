"""The statistical bookings forecast: rolling-origin backtest, model choice, final forecast.

For each series (a team, or the company):
1. its history is made gap-free (a month with no bookings is a month with 0 bookings) and
   classified: `all_zero`, `too_short`, `short_series` or seasonal (flag None);
2. the candidate methods of its class are backtested from every origin among the latest
   `max_origins` that leave enough history to train on (seasonal: two seasons; short: the
   non-seasonal minimum), each origin forecasting up to `horizon` months that are known;
3. the method with the lowest backtest MASE is chosen, a tie (within `tie_tolerance`) going to
   the simpler method; too thin a backtest (fewer than `min_origins` origins) chooses the
   baseline instead;
4. every valid candidate forecasts `horizon` months after the last month, the chosen one
   marked `chosen`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting import metrics
from forecasting.history import SeriesHistory, classify, month_date, prepare_histories
from forecasting.models import HI_80, HI_95, LO_80, LO_95, POINT, Task, nest_intervals, run_tasks
from forecasting.settings import (
    ACCURACY_COLUMNS,
    BACKTEST_COLUMNS,
    COMPLEXITY,
    DEFAULT_HORIZON,
    FLAG_ALL_ZERO,
    FLAG_SHORT_BACKTEST,
    FLAG_SHORT_SERIES,
    FLAG_TOO_SHORT,
    FORECAST_COLUMNS,
    INTERVAL_COLUMNS,
    NAIVE,
    SEASONAL_NAIVE,
    SERIES_ID,
    ForecastSettings,
)
from forecasting.task_cache import TaskCache

log = logging.getLogger(__name__)

_FLOAT_COLUMNS = {
    "point",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
    "actual",
    "mae",
    "wape",
    "mase",
    "mase_scale",
    "coverage_80",
    "coverage_95",
}
_INT_COLUMNS = {"horizon", "history_months", "n_origins", "n_points", "mase_season_length"}
_BOOL_COLUMNS = {"chosen"}


@dataclass(frozen=True)
class ForecastResult:
    """The three output tables (columns as in `forecasting.settings`)."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    accuracy: pd.DataFrame


@dataclass
class _Plan:
    history: SeriesHistory
    flag: str | None
    methods: tuple[str, ...] = ()
    season_length: int = 1
    baseline: str = NAIVE
    origins: tuple[int, ...] = ()  # training lengths, in months
    results: dict[str, dict[int, np.ndarray | None]] = field(default_factory=dict)


def forecast_bookings(
    bookings: pd.DataFrame,
    *,
    horizon: int = DEFAULT_HORIZON,
    last_month: dt.date | None = None,
    settings: ForecastSettings | None = None,
    cache: TaskCache | None = None,
) -> ForecastResult:
    """Forecast monthly bookings per series `horizon` months after `last_month`.

    `bookings` has one row per series and month: `series_id`, `month_start` (first day of the
    month), `bookings` (number or decimal; null counts as 0). `last_month` defaults to the
    latest month in the input. Deterministic: the same input gives the same output. A `cache`
    gives the results of the model fits a previous run made on the same histories
    (forecasting.task_cache); the output is the same with or without it.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, got {horizon}")
    settings = settings or ForecastSettings()
    plans = [_plan(history, settings) for history in prepare_histories(bookings, last_month)]
    _fit(plans, horizon, cache)

    forecast_rows: list[dict[str, Any]] = []
    backtest_rows: list[dict[str, Any]] = []
    accuracy_rows: list[dict[str, Any]] = []
    for plan in plans:
        _assemble(plan, horizon, settings, forecast_rows, backtest_rows, accuracy_rows)
    return ForecastResult(
        forecast=_frame(forecast_rows, FORECAST_COLUMNS),
        backtest=_frame(backtest_rows, BACKTEST_COLUMNS),
        accuracy=_frame(accuracy_rows, ACCURACY_COLUMNS),
    )


def _plan(history: SeriesHistory, settings: ForecastSettings) -> _Plan:
    flag = classify(history, settings)
    if flag in (FLAG_ALL_ZERO, FLAG_TOO_SHORT):
        return _Plan(history, flag)
    if flag == FLAG_SHORT_SERIES:
        methods = (NAIVE, *settings.models)
        season_length, baseline, min_train = 1, NAIVE, settings.min_train_months
    else:
        methods = (NAIVE, SEASONAL_NAIVE, *settings.models)
        season_length, baseline = settings.season_length, SEASONAL_NAIVE
        min_train = settings.seasonal_months
    n = history.n_months
    origins = tuple(range(max(min_train, n - settings.max_origins), n))
    methods = tuple(sorted(methods, key=COMPLEXITY.__getitem__))
    return _Plan(history, flag, methods, season_length, baseline, origins)


def _fit(plans: list[_Plan], horizon: int, cache: TaskCache | None) -> None:
    """Runs every (series, method, origin) task, the full history as the last origin."""
    tasks: list[Task] = []
    slots: list[tuple[_Plan, str, int]] = []
    for plan in plans:
        values = plan.history.values
        for method in plan.methods:
            plan.results[method] = {}
            for origin in (*plan.origins, plan.history.n_months):
                tasks.append(Task(method, plan.season_length, values[:origin], horizon))
                slots.append((plan, method, origin))
    for (plan, method, origin), result in zip(slots, run_tasks(tasks, cache), strict=True):
        plan.results[method][origin] = result


def _assemble(
    plan: _Plan,
    horizon: int,
    settings: ForecastSettings,
    forecast_rows: list[dict[str, Any]],
    backtest_rows: list[dict[str, Any]],
    accuracy_rows: list[dict[str, Any]],
) -> None:
    history = plan.history
    period = metrics.mase_season_length(history.n_months, settings.season_length)
    scale = metrics.mase_scale(history.values, period)
    series = {SERIES_ID: history.series_id}
    accuracy_base = {
        **series,
        "history_months": history.n_months,
        "mase_season_length": period,
        "mase_scale": scale,
    }

    valid = [
        method
        for method in plan.methods
        if all(result is not None for result in plan.results[method].values())
    ]
    for method in plan.methods:
        if method not in valid:
            log.warning("%s dropped for series %r: it failed to fit", method, history.series_id)
    if not valid:
        _naive_only(plan, horizon, accuracy_base, forecast_rows, accuracy_rows)
        return

    flag = plan.flag
    errors: dict[str, float] = {}
    method_rows: dict[str, list[dict[str, Any]]] = {}
    for method in valid:
        rows = _backtest_rows(plan, method, horizon)
        method_rows[method] = rows
        errors[method] = metrics.mae(
            np.array([row["actual"] for row in rows]), np.array([row["point"] for row in rows])
        )
        backtest_rows.extend(rows)

    if len(plan.origins) < settings.min_origins:
        chosen = plan.baseline if plan.baseline in valid else valid[0]
        flag = flag or FLAG_SHORT_BACKTEST
    else:
        chosen = choose(errors, settings.tie_tolerance, scale=float(np.abs(history.values).mean()))

    for method in valid:
        rows = method_rows[method]
        columns = {
            name: np.array([row[name] for row in rows])
            for name in ("actual", "point", *INTERVAL_COLUMNS)
        }
        actual = columns["actual"]
        accuracy_rows.append(
            {
                **accuracy_base,
                "method": method,
                "chosen": method == chosen,
                "flag": flag,
                "n_origins": len({row["origin"] for row in rows}),
                "n_points": len(rows),
                "mae": errors[method],
                "wape": metrics.wape(actual, columns["point"]),
                "mase": metrics.mase(actual, columns["point"], scale),
                "coverage_80": metrics.coverage(actual, columns["lo_80"], columns["hi_80"]),
                "coverage_95": metrics.coverage(actual, columns["lo_95"], columns["hi_95"]),
            }
        )
        final = nest_intervals(plan.results[method][history.n_months], history.is_non_negative)
        for step in range(horizon):
            forecast_rows.append(
                {
                    **series,
                    "method": method,
                    "horizon": step + 1,
                    "month_start": month_date(history.last_month + step + 1),
                    **_values(final[step]),
                    "chosen": method == chosen,
                    "flag": flag,
                }
            )


def choose(errors: dict[str, float], tie_tolerance: float, scale: float = 1.0) -> str:
    """The method with the lowest backtest error; methods within `tie_tolerance` (a fraction)
    of the lowest tie, and the simplest of them wins.

    Every method of a series is scored on the same backtest points, where MAE, WAPE and MASE
    differ only by a per-series constant factor, so ranking by MAE is ranking by MASE (and by
    WAPE) while staying defined when they are not (all actuals 0, a constant history).
    `scale` (the series' typical size) sets the absolute slack that lets exact ties tie.
    """
    best = min(errors.values())
    slack = best * tie_tolerance + 1e-9 * max(scale, 1.0)
    tied = [method for method, error in errors.items() if error <= best + slack]
    return min(tied, key=COMPLEXITY.__getitem__)


def _backtest_rows(plan: _Plan, method: str, horizon: int) -> list[dict[str, Any]]:
    history = plan.history
    rows = []
    for origin in plan.origins:
        forecasts = nest_intervals(plan.results[method][origin], history.is_non_negative)
        for step in range(min(horizon, history.n_months - origin)):
            rows.append(
                {
                    SERIES_ID: history.series_id,
                    "method": method,
                    "origin": month_date(history.first_month + origin - 1),
                    "horizon": step + 1,
                    "month_start": month_date(history.first_month + origin + step),
                    "actual": float(history.values[origin + step]),
                    **_values(forecasts[step]),
                }
            )
    return rows


def _naive_only(
    plan: _Plan,
    horizon: int,
    accuracy_base: dict[str, Any],
    forecast_rows: list[dict[str, Any]],
    accuracy_rows: list[dict[str, Any]],
) -> None:
    """A naive forecast without backtest: all zeros for an all-zero series (a zero-width
    interval: naive's own, from zero residuals), else the last month, without intervals."""
    history = plan.history
    last = float(history.values[-1])
    width = 0.0 if plan.flag == FLAG_ALL_ZERO else float("nan")
    for step in range(horizon):
        forecast_rows.append(
            {
                SERIES_ID: history.series_id,
                "method": NAIVE,
                "horizon": step + 1,
                "month_start": month_date(history.last_month + step + 1),
                "point": last,
                **{name: last + width for name in INTERVAL_COLUMNS},
                "chosen": True,
                "flag": plan.flag,
            }
        )
    accuracy_rows.append(
        {
            **accuracy_base,
            "method": NAIVE,
            "chosen": True,
            "flag": plan.flag,
            "n_origins": 0,
            "n_points": 0,
            **dict.fromkeys(("mae", "wape", "mase", "coverage_80", "coverage_95"), float("nan")),
        }
    )


def _values(row: np.ndarray) -> dict[str, float]:
    return {
        "point": float(row[POINT]),
        "lo_80": float(row[LO_80]),
        "hi_80": float(row[HI_80]),
        "lo_95": float(row[LO_95]),
        "hi_95": float(row[HI_95]),
    }


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a frame with stable dtypes, also when empty: dates stay `datetime.date`."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in columns:
        if column in _FLOAT_COLUMNS:
            frame[column] = frame[column].astype("float64")
        elif column in _INT_COLUMNS:
            frame[column] = frame[column].astype("int64")
        elif column in _BOOL_COLUMNS:
            frame[column] = frame[column].astype("bool")
        else:
            frame[column] = frame[column].astype("object")
    if "flag" in frame:
        frame["flag"] = frame["flag"].where(frame["flag"].notna(), None)
    return frame
