"""Daily FX rates and the quota plan: the two files the files source reads beside the CRM.

FX rates are USD per unit of each currency, with 6 decimals (stored as integer millionths, so
the truth can be computed exactly). Quotas are per rep and month in USD: last year's bookings per
fully ramped rep of the segment, plus growth, ramped over a new hire's first months and prorated
for the months in which a rep joins or leaves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.accounts import CURRENCIES
from simulator.timeutil import MS_PER_DAY, month_index, month_index_to_ms

FX_BASE = np.array([1.0, 1.08, 1.27, 0.74, 0.66, 0.095])  # USD per unit, like CURRENCIES
MICRO = 1_000_000
QUOTA_STRETCH = 1.05
QUOTA_GROWTH = 1.2
RAMP_MONTHS = 4


def generate_fx(rng: np.random.Generator, first_day: int, n_days: int) -> np.ndarray:
    """rate_micro[day, currency]: a mean-reverting random walk per currency, USD fixed at 1."""
    n_cur = len(CURRENCIES)
    shocks = rng.normal(0.0, 0.004, (n_days, n_cur))
    level = np.zeros((n_days, n_cur))
    drift = np.zeros(n_cur)
    for d in range(n_days):  # a few thousand steps of a 6-vector: cheap
        drift = 0.995 * drift + shocks[d]
        level[d] = drift
    rates = FX_BASE[None, :] * np.exp(level)
    rates[:, 0] = 1.0
    return np.round(rates * MICRO).astype(np.int64)


def rep_month_bookings(
    owners: pd.DataFrame, won_owner: np.ndarray, won_ms: np.ndarray, won_usd_cents: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"owner_idx": won_owner, "month": month_index(won_ms), "cents": won_usd_cents}
    )
    return frame.groupby(["owner_idx", "month"], as_index=False)["cents"].sum()


def employed_months(owners: pd.DataFrame, first_month: int, last_month: int) -> pd.DataFrame:
    """One row per owner and month with any employment: owner_idx, month, fraction, tenure."""
    hired = owners["hired_ms"].to_numpy()
    left = owners["left_ms"].to_numpy()
    end_month = np.where(left >= 0, month_index(np.maximum(left, 0)), last_month)
    start_month = np.maximum(month_index(hired), first_month)
    end_month = np.minimum(end_month, last_month)
    counts = np.maximum(end_month - start_month + 1, 0)
    owner_idx = np.repeat(np.arange(len(owners)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    month = start_month[owner_idx] + offsets
    m_start = month_index_to_ms(month)
    m_end = month_index_to_ms(month + 1)
    left_or_end = np.where(left[owner_idx] >= 0, left[owner_idx], m_end)
    span = np.minimum(m_end, left_or_end) - np.maximum(m_start, hired[owner_idx])
    fraction = np.clip(span / (m_end - m_start), 0.0, 1.0)
    tenure = month - month_index(hired)[owner_idx]
    return pd.DataFrame(
        {"owner_idx": owner_idx, "month": month, "fraction": fraction, "tenure": tenure}
    )


def quota_bases(
    owners: pd.DataFrame,
    bookings: pd.DataFrame,
    window_start_ms: int,
    as_of_end_ms: int,
    horizon_end_ms: int,
) -> dict[tuple[int, int], float]:
    """Monthly quota (USD cents) of a fully ramped rep, per (segment, calendar year).

    Last year's average bookings per fully ramped, fully employed rep-month of the segment,
    times growth and stretch; the first year uses its own average, the future extrapolates.
    """
    first_month = int(month_index(np.array([window_start_ms]))[0])
    last_month = int(month_index(np.array([horizon_end_ms]))[0])
    months = employed_months(owners, first_month, last_month)
    months["segment_idx"] = owners["segment_idx"].to_numpy()[months["owner_idx"].to_numpy()]
    months["year"] = months["month"] // 12 + 1970
    as_of_month = int(month_index(np.array([as_of_end_ms]))[0])
    full = months[
        (months["fraction"] == 1.0)
        & (months["tenure"] >= RAMP_MONTHS)
        & (months["month"] < as_of_month)
    ].merge(bookings, on=["owner_idx", "month"], how="left")
    full["cents"] = full["cents"].fillna(0)
    actual = full.groupby(["segment_idx", "year"])["cents"].mean()

    years = range(int(months["year"].min()), int(months["year"].max()) + 2)
    bases: dict[tuple[int, int], float] = {}
    for s in sorted(set(int(v) for v in months["segment_idx"])):
        known = {int(y): float(v) for (seg, y), v in actual.items() if seg == s}
        fallback = float(np.mean(list(known.values()))) if known else 10_000_000.0
        previous = None
        for y in years:
            if y - 1 in known:
                value = known[y - 1] * QUOTA_GROWTH
            elif previous is not None:
                value = previous * QUOTA_GROWTH
            else:
                value = known.get(y, fallback)
            bases[(s, y)] = value * QUOTA_STRETCH
            previous = value
    return bases


def quota_plan(
    owners: pd.DataFrame,
    bases: dict[tuple[int, int], float],
    first_month: int,
    last_month: int,
) -> pd.DataFrame:
    """Quota rows for every owner-month with employment in [first_month, last_month].

    Columns: owner_idx, month (months since 1970-01), fraction, tenure, target_cents (whole
    dollars hundreds). Pass owners as known at the plan's date: future leavers are not known.
    """
    months = employed_months(owners, first_month, last_month)
    segment = owners["segment_idx"].to_numpy()[months["owner_idx"].to_numpy()]
    year = months["month"].to_numpy() // 12 + 1970
    per_month = np.array(
        [bases[(int(s), int(y))] for s, y in zip(segment, year, strict=True)], dtype=float
    )
    ramp = np.minimum(1.0, (months["tenure"].to_numpy() + 1) / RAMP_MONTHS)
    target = per_month * ramp * months["fraction"].to_numpy()
    months["target_cents"] = (np.round(target / 10_000) * 10_000).astype(np.int64)
    return months[months["target_cents"] > 0].reset_index(drop=True)


def day_index(ms: np.ndarray, first_day: int) -> np.ndarray:
    return np.asarray(ms, dtype=np.int64) // MS_PER_DAY - first_day
