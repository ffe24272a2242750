"""Leads (HubSpot contacts in lifecycle stage lead): arrival, assignment, response, conversion.

- Arrivals grow ~25% a year, follow a yearly season (spring high, August and the year-end
  holidays low), a working week and office hours.
- Each lead goes to a rep employed that day, in proportion to the rep's volume, ramped over a new
  hire's first 90 days.
- The first response comes after a delay drawn around the rep's own median, pushed to the next
  business morning for leads that arrive out of hours; each rep leaves a share of leads unanswered.
- A faster first response raises the chance that the lead becomes a deal; so does a good source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE

# HubSpot's hs_analytics_source values.
LEAD_SOURCES = (
    "ORGANIC_SEARCH", "PAID_SEARCH", "DIRECT_TRAFFIC", "REFERRALS", "SOCIAL_MEDIA",
    "EMAIL_MARKETING", "OFFLINE", "PAID_SOCIAL", "OTHER_CAMPAIGNS",
)  # fmt: skip
SOURCE_SHARE = np.array([0.25, 0.15, 0.10, 0.12, 0.08, 0.10, 0.12, 0.05, 0.03])
SOURCE_CONVERSION = np.array([0.9, 0.8, 1.0, 1.6, 0.6, 0.8, 1.2, 0.5, 0.7])
SOURCE_WIN = np.array([1.0, 0.9, 1.1, 1.35, 0.8, 0.95, 1.15, 0.75, 0.9])
JOB_TITLES = (
    "Head of Sales", "VP Operations", "CFO", "IT Director", "Procurement Manager",
    "Marketing Lead", "CTO", "Office Manager", "Founder", "Data Analyst", "COO",
    "Customer Success Lead",
)  # fmt: skip
HOUR_WEIGHTS = np.array(
    [0.15] * 7 + [0.5, 1.1, 1.5, 1.5, 1.3, 1.0, 1.3, 1.5, 1.4, 1.1, 0.7, 0.45, 0.35, 0.3, 0.25, 0.2]
    + [0.15]
)  # fmt: skip
OPEN_HOUR, CLOSE_HOUR = 8, 18
YEARLY_GROWTH = 1.25
RAMP_DAYS = 90


def day_weights(first_day: int, n_days: int) -> np.ndarray:
    """Relative lead volume of each day (epoch days first_day, first_day + 1, ...)."""
    epoch_day = first_day + np.arange(n_days)
    years = np.arange(n_days) / 365.25
    doy = (
        epoch_day.astype("datetime64[D]")
        - epoch_day.astype("datetime64[D]").astype("datetime64[Y]")
    ).astype(np.int64)
    season = 1.0 + 0.18 * np.cos(2 * np.pi * (doy - 100) / 365.25)
    season -= 0.15 * np.exp(-(((doy - 222) / 18.0) ** 2))  # August
    season -= 0.35 * ((doy >= 354) | (doy <= 2))  # year-end holidays
    weekday = (epoch_day + 3) % 7  # 0 = Monday
    week = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.25, 0.2))
    return YEARLY_GROWTH**years * season * week


def _arrival_days(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weights)
    return np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")


def _pick_owners(
    rng: np.random.Generator, owners: pd.DataFrame, first_day: int, day: np.ndarray, n_days: int
) -> np.ndarray:
    """For each lead's day, an owner employed that whole day, weighted by volume and ramp."""
    hire_day = owners["hired_ms"].to_numpy() // MS_PER_DAY
    left = owners["left_ms"].to_numpy()
    left_day = np.where(left >= 0, left // MS_PER_DAY, np.iinfo(np.int64).max)
    days = first_day + np.arange(n_days)[:, None]
    tenure = days - hire_day[None, :]
    active = (tenure > 0) & (days < left_day[None, :])
    ramp = np.clip(0.3 + 0.7 * tenure / RAMP_DAYS, 0.3, 1.0)
    weight = np.where(active, owners["volume"].to_numpy()[None, :] * ramp, 0.0)
    cum = np.cumsum(weight, axis=1)
    norm = cum / cum[:, -1:]
    # Row d of the flattened matrix holds values in (d, d + 1]: one searchsorted serves all days.
    flat = (norm + np.arange(n_days)[:, None]).ravel()
    pos = np.searchsorted(flat, day + rng.random(day.size), side="right")
    return (pos - day * len(owners)).astype(np.int32)


def _business_open(created: np.ndarray) -> np.ndarray:
    """The first office-hours instant at or after each timestamp (Mon-Fri 08:00-18:00 UTC)."""
    day = created // MS_PER_DAY
    hour = (created % MS_PER_DAY) // MS_PER_HOUR
    weekday = (day + 3) % 7
    in_hours = (weekday < 5) & (hour >= OPEN_HOUR) & (hour < CLOSE_HOUR)
    early = (weekday < 5) & (hour < OPEN_HOUR)
    skip = np.where(weekday == 4, 3, np.where(weekday == 5, 2, 1))  # to the next weekday
    next_day = np.where(early, day, day + skip)
    return np.where(in_hours, created, next_day * MS_PER_DAY + OPEN_HOUR * MS_PER_HOUR)


def generate_leads(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    n_history: int,
    deals_target: int,
    window_start_ms: int,
    as_of_end_ms: int,
    horizon_end_ms: int,
) -> pd.DataFrame:
    """One row per lead over the timeline, in creation order (-1 marks what never happens)."""
    first_day = window_start_ms // MS_PER_DAY
    n_hist_days = (as_of_end_ms + 1 - window_start_ms) // MS_PER_DAY
    n_days = (horizon_end_ms + 1 - window_start_ms) // MS_PER_DAY
    weights = day_weights(first_day, n_days)
    n_future = round(n_history * weights[n_hist_days:].sum() / weights[:n_hist_days].sum())
    day = np.concatenate(
        [
            _arrival_days(rng, weights[:n_hist_days], n_history),
            n_hist_days + _arrival_days(rng, weights[n_hist_days:], n_future),
        ]
    )
    n = day.size
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    created = (first_day + day) * MS_PER_DAY + hour * MS_PER_HOUR + rng.integers(0, MS_PER_HOUR, n)
    order = np.argsort(created, kind="stable")
    created, day = created[order], day[order]
    owner = _pick_owners(rng, owners, first_day, day, n_days)

    source = rng.choice(len(LEAD_SOURCES), size=n, p=SOURCE_SHARE).astype(np.int8)
    median = owners["response_median_min"].to_numpy()[owner]
    delay = np.exp(rng.normal(np.log(median), 0.9)) * MS_PER_MINUTE
    response = _business_open(created) + np.maximum(delay, MS_PER_MINUTE).astype(np.int64)
    left = owners["left_ms"].to_numpy()[owner]
    left_or_never = np.where(left >= 0, left, np.iinfo(np.int64).max)
    unanswered = (rng.random(n) < owners["unanswered_p"].to_numpy()[owner]) | (
        response >= left_or_never
    )
    response = np.where(unanswered, -1, response)

    # Conversion: source quality times response speed, calibrated to the scale's deal target.
    wait_min = np.where(unanswered, np.inf, (response - created) / MS_PER_MINUTE)
    speed = 0.25 + 0.75 * np.exp(-wait_min / 180.0)
    raw = np.where(unanswered, 0.0, SOURCE_CONVERSION[source] * speed)
    in_history = created <= as_of_end_ms
    k = 1.03 * deals_target / max(raw[in_history].sum(), 1e-9)
    converts = rng.random(n) < np.minimum(k * raw, 0.9)
    lag = (rng.gamma(2.0, 6.0, n) * MS_PER_DAY).astype(np.int64) + MS_PER_HOUR
    converted = np.where(converts, response + lag, -1)
    too_late = (converted >= 0) & (converted >= left_or_never - 14 * MS_PER_DAY)
    converted[too_late] = -1
    converts &= ~too_late

    # Lead status: connected somewhere between response and conversion; unconverted answered
    # leads are marked unqualified weeks later.
    answered = ~unanswered
    connected_frac = rng.uniform(0.1, 0.5, n)
    connected = np.where(
        converts,
        response + ((converted - response) * connected_frac).astype(np.int64),
        response + rng.integers(MS_PER_HOUR, 5 * MS_PER_DAY, n),
    )
    connected = np.where(answered & (converts | (rng.random(n) < 0.5)), connected, -1)
    unqualified = np.where(
        answered & ~converts, response + rng.integers(10, 45, n) * MS_PER_DAY, -1
    )
    connected = np.where((unqualified >= 0) & (connected >= unqualified), -1, connected)

    return pd.DataFrame(
        {
            "created_ms": created.astype(np.int64),
            "owner_idx": owner,
            "source_idx": source,
            "first_idx": rng.integers(0, 26, n).astype(np.int16),
            "last_idx": rng.integers(0, 26, n).astype(np.int16),
            "title_idx": rng.integers(0, len(JOB_TITLES), n).astype(np.int16),
            "response_ms": response.astype(np.int64),
            "connected_ms": connected.astype(np.int64),
            "converted_ms": converted.astype(np.int64),
            "unqualified_ms": unqualified.astype(np.int64),
        }
    )
