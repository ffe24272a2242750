"""Names, defaults and tunable settings of the statistical forecast."""

from __future__ import annotations

from dataclasses import dataclass

# Methods, by name as statsforecast calls them (the `method` column of every output table).
NAIVE = "Naive"
SEASONAL_NAIVE = "SeasonalNaive"
AUTO_THETA = "AutoTheta"
AUTO_ETS = "AutoETS"
AUTO_ARIMA = "AutoARIMA"

BASELINES = (NAIVE, SEASONAL_NAIVE)
MODELS = (AUTO_THETA, AUTO_ETS, AUTO_ARIMA)

# Simplest first: a tie in the backtest goes to the method that comes first here.
COMPLEXITY = {NAIVE: 0, SEASONAL_NAIVE: 1, AUTO_THETA: 2, AUTO_ETS: 3, AUTO_ARIMA: 4}

# Why a series did not get the full backtested model choice (the `flag` column); None otherwise.
FLAG_ALL_ZERO = "all_zero"
FLAG_TOO_SHORT = "too_short"
FLAG_SHORT_SERIES = "short_series"
FLAG_SHORT_BACKTEST = "short_backtest"
FLAGS = (FLAG_ALL_ZERO, FLAG_TOO_SHORT, FLAG_SHORT_SERIES, FLAG_SHORT_BACKTEST)

# Prediction-interval levels, in percent. Fixed: they name the output columns.
LEVELS = (80, 95)

DEFAULT_HORIZON = 6

# Input columns.
SERIES_ID = "series_id"
MONTH_START = "month_start"
BOOKINGS = "bookings"
INPUT_COLUMNS = (SERIES_ID, MONTH_START, BOOKINGS)

# Output columns, in order.
INTERVAL_COLUMNS = ("lo_80", "hi_80", "lo_95", "hi_95")
FORECAST_COLUMNS = (
    SERIES_ID,
    "method",
    "horizon",
    MONTH_START,
    "point",
    *INTERVAL_COLUMNS,
    "chosen",
    "flag",
)
BACKTEST_COLUMNS = (
    SERIES_ID,
    "method",
    "origin",
    "horizon",
    MONTH_START,
    "actual",
    "point",
    *INTERVAL_COLUMNS,
)
ACCURACY_COLUMNS = (
    SERIES_ID,
    "method",
    "chosen",
    "flag",
    "history_months",
    "n_origins",
    "n_points",
    "mae",
    "wape",
    "mase",
    "mase_season_length",
    "mase_scale",
    "coverage_80",
    "coverage_95",
)


@dataclass(frozen=True)
class ForecastSettings:
    """How series are classified, backtested and chosen. The defaults suit monthly bookings.

    - `season_length`: months per season. A series needs two seasons (`2 * season_length`
      months) before seasonal methods are fitted, and the MASE scale is seasonal from then on.
    - `min_months`: below this many months a series is `too_short`: a naive forecast, no
      intervals, no backtest.
    - `min_train_months`: the shortest history a non-seasonal backtest fits on (seasonal
      series train on at least two seasons at every origin). AutoETS needs more than 6 points.
    - `max_origins`: rolling-origin backtest over at most this many of the latest origins.
    - `min_origins`: fewer backtest origins than this and the backtest is too thin to choose
      by: the series gets its baseline (flag `short_backtest`, or `short_series`).
    - `models`: candidate models beside the baselines, among AutoTheta, AutoETS, AutoARIMA
      (AutoARIMA is the slowest, so it is off by default).
    - `tie_tolerance`: methods whose backtest error is within this fraction of the best one
      tie, and the simplest of them is chosen.
    """

    season_length: int = 12
    min_months: int = 6
    min_train_months: int = 8
    max_origins: int = 12
    min_origins: int = 3
    models: tuple[str, ...] = (AUTO_THETA, AUTO_ETS)
    tie_tolerance: float = 0.01

    def __post_init__(self) -> None:
        unknown = [model for model in self.models if model not in MODELS]
        if unknown:
            raise ValueError(f"unknown models {unknown}; expected some of {list(MODELS)}")
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"models must be unique, got {list(self.models)}")
        if self.season_length < 2:
            raise ValueError("season_length must be at least 2")
        if self.min_months < 1 or self.min_train_months < 1:
            raise ValueError("min_months and min_train_months must be at least 1")
        if self.max_origins < 1 or self.min_origins < 1 or self.min_origins > self.max_origins:
            raise ValueError("need 1 <= min_origins <= max_origins")
        if self.tie_tolerance < 0:
            raise ValueError("tie_tolerance must not be negative")

    @property
    def seasonal_months(self) -> int:
        """History needed for seasonal methods: two seasons."""
        return 2 * self.season_length
