"""Statistical forecast speed and accuracy on synthetic team-month bookings with a known trend and
yearly seasonality.

    .venv/bin/python bench/bench_forecast.py                  # small (5 series) and large (60)
    .venv/bin/python bench/bench_forecast.py --months 48 --scales large --models AutoETS AutoARIMA

Bookings are generated the way the demo company books them: per team, a Poisson number of
deals a month with log-normal amounts, whose expected total grows ~25 % a year and follows a
yearly season (spring high, August and December low); the company series is the sum of its
teams. With `--data simulator` the series are the demo company's own team and company bookings
(its truth; small scale for "small", medium scale with 10 teams for "large").

Prints two tables:
- speed: seconds to forecast every series (backtest + choice + final forecast), per scale,
  and the methods chosen;
- accuracy: WAPE and MASE of the chosen methods against seasonal-naive, with the ratio
  (chosen / seasonal-naive; below 1 means the choice beats the baseline), both on the backtest
  the choice was made on (in-sample for the choice) and on a holdout: the last `horizon` months
  hidden, the forecast made without them, then scored on them (out-of-sample for the choice).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LAST_MONTH = dt.date(2026, 6, 1)
SCALES = {"small": 4, "large": 59}  # teams; plus the company series
# Spring high, August and the year-end low (January = index 0).
SEASON = np.array([0.85, 0.95, 1.10, 1.20, 1.20, 1.10, 1.00, 0.75, 1.05, 1.10, 1.00, 0.70])
YEARLY_GROWTH = 1.25


def synthetic_bookings(teams: int, months: int, seed: int = 42) -> pd.DataFrame:
    """Team-month bookings for `teams` teams and their company total, `months` months long."""
    rng = np.random.default_rng(seed)
    start = LAST_MONTH.year * 12 + LAST_MONTH.month - 1 - (months - 1)
    month_index = start + np.arange(months)
    month_starts = [dt.date(int(i) // 12, int(i) % 12 + 1, 1) for i in month_index]
    shape = YEARLY_GROWTH ** (np.arange(months) / 12) * SEASON[month_index % 12]
    frames = []
    total = np.zeros(months)
    for team in range(teams):
        deals_a_month = rng.uniform(4, 30)  # small and large teams
        mean_amount = rng.choice([6_000, 20_000, 60_000])
        counts = rng.poisson(deals_a_month * shape)
        sigma = 0.6
        mu = np.log(mean_amount) - sigma**2 / 2
        values = np.array([rng.lognormal(mu, sigma, count).sum() for count in counts])
        total += values
        frames.append(_frame(f"team_{team:02d}", month_starts, values))
    frames.append(_frame("company", month_starts, total))
    return pd.concat(frames, ignore_index=True)


def simulator_bookings(scale: str) -> pd.DataFrame:
    """Team-month and company-month bookings of the demo company (its truth file, so the series
    carry the simulator's trend and seasonality), the 36 complete months up to June 2026."""
    from simulator import generate_company

    company = generate_company(seed=42, scale=scale, as_of=dt.date(2026, 6, 30))
    truth = company.truth_rep_monthly()
    owners = company.owners
    team_ids = company.teams["id"].astype(str).to_numpy()[owners["team_idx"].to_numpy()]
    team_of = dict(zip(owners["id"].astype(str), team_ids, strict=True))
    truth["series_id"] = "team:" + truth["rep_id"].astype(str).map(team_of)
    truth["bookings"] = truth["bookings"].astype(float)
    teams = truth.groupby(["series_id", "month_start"], as_index=False)["bookings"].sum()
    total = truth.groupby("month_start", as_index=False)["bookings"].sum()
    total["series_id"] = "company"
    bookings = pd.concat([teams, total], ignore_index=True)
    return bookings[bookings["month_start"] <= LAST_MONTH][["series_id", "month_start", "bookings"]]


def _frame(series_id: str, month_starts: list[dt.date], values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"series_id": series_id, "month_start": month_starts, "bookings": values})


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def backtest_scores(accuracy: pd.DataFrame) -> dict[str, float]:
    """Mean per-series WAPE and MASE of the chosen methods and of seasonal-naive."""
    chosen = accuracy[accuracy["chosen"]].set_index("series_id")
    baseline = accuracy[accuracy["method"] == "SeasonalNaive"].set_index("series_id")
    return {
        "wape": float(chosen["wape"].mean()),
        "wape_sn": float(baseline["wape"].reindex(chosen.index).mean()),
        "mase": float(chosen["mase"].mean()),
        "mase_sn": float(baseline["mase"].reindex(chosen.index).mean()),
    }


def holdout_scores(
    bookings: pd.DataFrame, forecast: pd.DataFrame, cutoff: dt.date
) -> dict[str, float]:
    """WAPE and MASE on the months after `cutoff`, of forecasts made at `cutoff`.

    The MASE scale is each series' in-sample seasonal-naive MAE up to the cutoff."""
    actual = bookings[bookings["month_start"] > cutoff]
    history = bookings[bookings["month_start"] <= cutoff].sort_values("month_start")
    scale = history.groupby("series_id")["bookings"].apply(_seasonal_naive_mae)
    merged = forecast.merge(actual, on=["series_id", "month_start"])
    merged["error"] = (merged["bookings"] - merged["point"]).abs()
    scores = {}
    for label, rows in (
        ("", merged[merged["chosen"]]),
        ("_sn", merged[merged["method"] == "SeasonalNaive"]),
    ):
        per_series = rows.groupby("series_id").agg(
            error=("error", "sum"), actual=("bookings", "sum"), mae=("error", "mean")
        )
        scores[f"wape{label}"] = float((per_series["error"] / per_series["actual"]).mean())
        scores[f"mase{label}"] = float((per_series["mae"] / scale[per_series.index]).mean())
    return scores


def _seasonal_naive_mae(history: pd.Series) -> float:
    values = history.to_numpy(dtype=float)
    lag = 12 if len(values) >= 24 else 1
    return float(np.mean(np.abs(values[lag:] - values[:-lag])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=36, help="history per series (36)")
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument(
        "--models",
        nargs="+",
        default=["AutoTheta", "AutoETS"],
        choices=["AutoTheta", "AutoETS", "AutoARIMA"],
        help="candidate models beside the baselines (default: the forecast's own)",
    )
    parser.add_argument("--scales", nargs="+", default=list(SCALES), choices=list(SCALES))
    parser.add_argument(
        "--data",
        choices=["synthetic", "simulator"],
        default="synthetic",
        help="synthetic series, or the demo company's (small: 4 teams, large: medium scale)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from forecasting import ForecastSettings, forecast_bookings

    import_seconds = time.perf_counter() - started
    print(f"import forecasting + statsforecast: {import_seconds:.2f} s (no JIT: statsforecast 2.x)")
    print()

    settings = ForecastSettings(models=tuple(args.models))
    speed_header = (
        f"{'scale':<6} {'series':>6} {'months':>6} {'wall s':>7} {'cpu s':>7} {'cpu s/series':>12}"
        "  chosen methods"
    )
    print(speed_header)
    print("-" * len(speed_header))
    accuracy_rows = []
    for scale in args.scales:
        if args.data == "simulator":
            bookings = simulator_bookings("small" if scale == "small" else "medium")
        else:
            bookings = synthetic_bookings(SCALES[scale], args.months)
        n_series = bookings["series_id"].nunique()
        begin, begin_cpu = time.perf_counter(), time.process_time()
        result = forecast_bookings(bookings, horizon=args.horizon, settings=settings)
        seconds, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
        chosen = result.accuracy[result.accuracy["chosen"]]["method"].value_counts()
        methods = ", ".join(f"{method} {count}" for method, count in chosen.items())
        print(
            f"{scale:<6} {n_series:>6} {args.months:>6} {seconds:>7.2f} {cpu:>7.2f}"
            f" {cpu / n_series:>12.3f}  {methods}"
        )
        accuracy_rows.append((scale, "backtest", backtest_scores(result.accuracy)))

        cutoff = add_months(LAST_MONTH, -args.horizon)
        held_out = forecast_bookings(
            bookings[bookings["month_start"] <= cutoff],
            horizon=args.horizon,
            last_month=cutoff,
            settings=settings,
        )
        accuracy_rows.append(
            (scale, "holdout", holdout_scores(bookings, held_out.forecast, cutoff))
        )

    print()
    header = (
        f"{'scale':<6} {'evaluated on':<12} {'WAPE chosen':>11} {'WAPE SNaive':>11} {'ratio':>6}"
        f" {'MASE chosen':>11} {'MASE SNaive':>11} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for scale, label, s in accuracy_rows:
        print(
            f"{scale:<6} {label:<12} {s['wape']:>11.3f} {s['wape_sn']:>11.3f}"
            f" {s['wape'] / s['wape_sn']:>6.2f} {s['mase']:>11.3f} {s['mase_sn']:>11.3f}"
            f" {s['mase'] / s['mase_sn']:>6.2f}"
        )
    print()
    print("wall s: elapsed; cpu s: this process's CPU time (steadier on a shared machine).")
    print("WAPE and MASE are means over series; ratio = chosen / seasonal-naive (< 1: better).")
    print(
        f"backtest: the rolling origins the choice was made on; holdout: the last "
        f"{args.horizon} months, forecast without them."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
