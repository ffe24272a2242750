"""Deals and their dated stage history, generated column-wise with numpy.

A deal is created by a rep employed at that moment, enters the open stages in order and ends in
closedwon or closedlost. Its whole planned life is drawn first; the parts after as_of (or after
its owner left) are then cut off, which is what makes recent deals more often still open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.people import SEGMENT_CYCLE_FACTOR, SEGMENT_DEAL_SIZE
from simulator.stages import LOST, OPEN_STAGES, WON
from simulator.timeutil import MS_PER_DAY

# Mean days spent in each open stage before moving on (stretched per segment).
STAGE_MEAN_DAYS = np.array([4.0, 7.0, 10.0, 9.0, 6.0])
# Where lost deals drop out: the last open stage they reached.
LOSS_STAGE_P = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
MIN_STAGE_MS = 3_600_000
MIN_AMOUNT_CENTS = 50_000

ACCOUNT_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
    "Hooli", "Vandelay", "Wonka", "Massive", "Oscorp", "Aperture", "Gringotts", "Monarch",
    "Nakatomi",
)  # fmt: skip
ACCOUNT_SUFFIXES = ("Corp", "Industries", "Labs", "Group", "Systems", "Holdings", "Logistics")
PRODUCTS = (
    "Platform licence", "Renewal", "Expansion", "Pilot", "Support plan", "Analytics add-on",
    "Onboarding", "Multi-year deal",
)  # fmt: skip


def generate_deals(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    n: int,
    window_start_ms: int,
    as_of_end_ms: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (deals ordered by id = creation order, open-stage entry times n x 5, -1 unset)."""
    hired = owners["hired_ms"].to_numpy()
    left = owners["left_ms"].to_numpy()
    active_from = np.maximum(hired, window_start_ms)
    active_to = np.where(left >= 0, left, as_of_end_ms)

    # Deals per rep in proportion to time employed in the window, so creation dates always fall
    # inside the owner's employment.
    weight = (active_to - active_from).astype(float) * owners["volume"].to_numpy()
    owner = rng.choice(len(owners), size=n, p=weight / weight.sum())
    span = active_to[owner] - active_from[owner]
    created = active_from[owner] + (rng.random(n) * span).astype(np.int64)
    created = np.minimum(created, active_to[owner] - 1)
    order = np.argsort(created, kind="stable")
    owner, created = owner[order], created[order]

    segment = owners["segment_idx"].to_numpy()[owner]
    won = rng.random(n) < owners["skill"].to_numpy()[owner]
    last_open = np.where(won, OPEN_STAGES - 1, rng.choice(OPEN_STAGES, size=n, p=LOSS_STAGE_P))
    n_open = (last_open + 1).astype(np.int64)

    mean_days = STAGE_MEAN_DAYS[None, :] * SEGMENT_CYCLE_FACTOR[segment][:, None]
    stay_ms = (rng.gamma(1.5, mean_days / 1.5) * MS_PER_DAY).astype(np.int64) + MIN_STAGE_MS
    # planned[:, k] = entry into open stage k (k < 5); column n_open is the planned close.
    planned = np.empty((n, OPEN_STAGES + 1), dtype=np.int64)
    planned[:, 0] = created
    planned[:, 1:] = created[:, None] + np.cumsum(stay_ms, axis=1)
    rows = np.arange(n)
    closed = planned[rows, n_open]
    final = np.where(won, WON, LOST).astype(np.int8)
    entered = planned[:, :OPEN_STAGES]
    cols = np.arange(OPEN_STAGES)[None, :]

    # A rep who leaves takes no deal along: anything still open is marked lost before they go.
    cutoff = np.where(left >= 0, left, np.iinfo(np.int64).max)[owner]
    cut = np.flatnonzero(closed > cutoff)
    if cut.size:
        reached = ((entered[cut] < cutoff[cut, None]) & (cols < n_open[cut, None])).sum(axis=1)
        last_entry = entered[cut, reached - 1]
        gap = cutoff[cut] - last_entry - 1
        closed[cut] = last_entry + 1 + (rng.random(cut.size) * gap).astype(np.int64)
        final[cut] = LOST
        n_open[cut] = reached

    # Whatever happens after as_of has not happened yet: those deals are open.
    is_open = closed > as_of_end_ms
    opened = np.flatnonzero(is_open)
    n_open[opened] = ((entered[opened] <= as_of_end_ms) & (cols < n_open[opened, None])).sum(axis=1)
    final[opened] = -1
    # Expected close: the planned close give or take a week, a future date at midnight UTC.
    expected = closed[opened] + (rng.normal(0.0, 7.0, opened.size) * MS_PER_DAY).astype(np.int64)
    expected = np.maximum(expected, as_of_end_ms + 1)
    expected -= expected % MS_PER_DAY
    close_date = closed.copy()
    close_date[opened] = expected
    closed[opened] = -1

    entered = np.where(cols < n_open[:, None], entered, -1)
    stage_idx = np.where(is_open, n_open - 1, final).astype(np.int8)
    last_modified = np.where(is_open, entered[rows, n_open - 1], closed)

    size = SEGMENT_DEAL_SIZE[segment] * owners["size_mult"].to_numpy()[owner]
    cents = np.round(size * rng.lognormal(0.0, 0.6, n) * 100.0).astype(np.int64)

    ids = 9_000_000_000 + np.cumsum(rng.integers(1, 97, n))
    deals = pd.DataFrame(
        {
            "id": ids.astype(np.int64),
            "owner_idx": owner.astype(np.int32),
            "created_ms": created,
            "stage_idx": stage_idx,
            "n_open_entered": n_open.astype(np.int8),
            "closed_ms": closed,  # -1 while open
            "close_date_ms": close_date,  # closedate property: actual or expected close
            "last_modified_ms": last_modified,
            "amount_cents": np.maximum(cents, MIN_AMOUNT_CENTS),
            "account_idx": rng.integers(0, len(ACCOUNT_WORDS), n).astype(np.int16),
            "suffix_idx": rng.integers(0, len(ACCOUNT_SUFFIXES), n).astype(np.int16),
            "product_idx": rng.integers(0, len(PRODUCTS), n).astype(np.int16),
        }
    )
    return deals, entered


def deal_name(account_idx: int, suffix_idx: int, product_idx: int) -> str:
    return f"{ACCOUNT_WORDS[account_idx]} {ACCOUNT_SUFFIXES[suffix_idx]} - {PRODUCTS[product_idx]}"
