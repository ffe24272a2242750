"""What happens to deals besides their stage path: the history a pipeline review is about.

Drawn from its own random stream after the deals (deals.py), so every other part of the company
is unchanged by it. Only real deals change (junk and duplicates keep what they were created
with). Per deal, at most one of each:

- a reassignment: an open deal handed to another rep of the same team midway (territory
  rebalancing; bookings follow the rep who owns it when it is won), or a won deal handed to the
  team's manager as account manager some days after the close (bookings stay with the rep who
  won it);
- a scoping change of the amount on entering qualifiedtobuy, before the renegotiation deals.py
  draws on entering decisionmakerboughtin: some deals change amount twice;
- a close date pulled in, when a deal reaches presentationscheduled and the rep expects it
  sooner (it slips again from there if it does not close by then);
- a forecast category set by hand (HubSpot's hs_forecast_category, which otherwise follows the
  stage: PIPELINE, BEST_CASE, COMMIT, then CLOSED when won and OMIT when lost); the rep's
  category holds until the deal next changes stage;
- a closed-lost reason on every lost deal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.plans import MICRO
from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR

FORECAST_CATEGORIES = ("PIPELINE", "BEST_CASE", "COMMIT", "CLOSED", "OMIT")
PIPELINE, BEST_CASE, COMMIT, CLOSED, OMIT = range(5)
# The category of each stage index (open stages 0-4, then closedwon and closedlost).
STAGE_CATEGORY = np.array([PIPELINE, PIPELINE, BEST_CASE, BEST_CASE, COMMIT, CLOSED, OMIT])
# What reps set by hand, and how often.
OVERRIDE_CATEGORIES = np.array([COMMIT, BEST_CASE, PIPELINE, OMIT])
OVERRIDE_P = np.array([0.4, 0.3, 0.15, 0.15])
CLOSED_LOST_REASONS = (
    "Price too high", "Chose a competitor", "No budget", "Bad timing", "No decision",
    "Missing features",
)  # fmt: skip
LOST_REASON_P = np.array([0.24, 0.22, 0.16, 0.14, 0.16, 0.08])

OPEN_REASSIGN_SHARE = 0.06
HANDOVER_SHARE = 0.12
SCOPE_SHARE = 0.3
PULL_SHARE = 0.25
OVERRIDE_SHARE = 0.25
SCOPE_STAGE = 1  # qualifiedtobuy
PULL_STAGE = 2  # presentationscheduled
NEVER = np.iinfo(np.int64).max


def generate_deal_history(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    deals: pd.DataFrame,
    entered: np.ndarray,
    fx_micro: np.ndarray,
    fx_first_day: int,
    horizon_end_ms: int,
) -> None:
    """Add the history columns to `deals` (in place); see the module docstring."""
    n = len(deals)
    real = deals["kind"].to_numpy() == 0
    created = deals["created_ms"].to_numpy()
    closed = deals["closed_ms"].to_numpy()
    archived = deals["archived_ms"].to_numpy()
    # The end of a deal's open life in the timeline (a close, a deletion, or never).
    end = np.where(closed >= 0, closed, horizon_end_ms + 1)
    end = np.minimum(end, np.where(archived >= 0, archived, NEVER))

    _owner_changes(rng, owners, deals, real, created, closed, end, horizon_end_ms)
    _scoping(rng, deals, real, entered, end, fx_micro, fx_first_day)
    _pulls(rng, deals, real, entered, end)
    _categories(rng, deals, real, entered, created, end)
    lost = real & (closed >= 0) & (deals["final_stage"].to_numpy() == 6)
    reasons = rng.choice(len(CLOSED_LOST_REASONS), size=n, p=LOST_REASON_P)
    deals["lost_reason_idx"] = np.where(lost, reasons, -1).astype(np.int8)


def _pick_teammates(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    current: np.ndarray,
    at: np.ndarray,
    until: np.ndarray,
    manager_only: bool,
) -> np.ndarray:
    """For each deal, a rep of its owner's team (not the owner) employed from `at` to `until`
    (or the team's manager when `manager_only`), -1 when there is none."""
    team = owners["team_idx"].to_numpy()
    hired = owners["hired_ms"].to_numpy()
    left = owners["left_ms"].to_numpy()
    left = np.where(left >= 0, left, NEVER)
    if manager_only:
        manager = owners["manager_idx"].to_numpy()[current]
        ok = (manager >= 0) & (hired[np.maximum(manager, 0)] <= at)
        ok &= left[np.maximum(manager, 0)] > until
        return np.where(ok, manager, -1)
    out = np.full(current.size, -1, dtype=np.int64)
    by_team = np.argsort(team, kind="stable")
    size = np.bincount(team)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    for _ in range(6):  # a few draws; a deal with no eligible teammate keeps its owner
        todo = np.flatnonzero(out < 0)
        if not todo.size:
            break
        their = team[current[todo]]
        pick = by_team[start[their] + (rng.random(todo.size) * size[their]).astype(np.int64)]
        ok = (pick != current[todo]) & (hired[pick] <= at[todo]) & (left[pick] > until[todo])
        out[todo[ok]] = pick[ok]
    return out


def _owner_changes(rng, owners, deals, real, created, closed, end, horizon_end_ms) -> None:
    n = len(deals)
    owner = deals["owner_idx"].to_numpy().astype(np.int64)
    change_ms = np.full(n, -1, dtype=np.int64)
    new_owner = np.full(n, -1, dtype=np.int64)

    # Open deals reassigned midway through their open life, to a teammate who stays until then.
    draw = rng.random(n)
    frac = rng.uniform(0.2, 0.8, n)
    life_end = np.minimum(end, horizon_end_ms)
    at = created + (frac * (life_end - created)).astype(np.int64)
    cand = np.flatnonzero(real & (draw < OPEN_REASSIGN_SHARE) & (at < end) & (at > created))
    if cand.size:
        pick = _pick_teammates(rng, owners, owner[cand], at[cand], end[cand], manager_only=False)
        ok = pick >= 0
        change_ms[cand[ok]], new_owner[cand[ok]] = at[cand[ok]], pick[ok]

    # Won deals handed to the team's manager (account management) some days after the close.
    won = real & (closed >= 0) & (deals["final_stage"].to_numpy() == 5)
    later = closed + rng.integers(1, 30, n) * MS_PER_DAY + rng.integers(0, MS_PER_DAY, n)
    cand = np.flatnonzero(
        won & (draw >= 1 - HANDOVER_SHARE) & (later <= horizon_end_ms) & (change_ms < 0)
    )
    if cand.size:
        pick = _pick_teammates(
            rng, owners, owner[cand], later[cand], later[cand], manager_only=True
        )
        ok = (pick >= 0) & (pick != owner[cand])
        change_ms[cand[ok]], new_owner[cand[ok]] = later[cand[ok]], pick[ok]
    deals["owner_change_ms"] = change_ms
    deals["owner_new_idx"] = new_owner.astype(np.int32)


def _scoping(rng, deals, real, entered, end, fx_micro, fx_first_day) -> None:
    """A first change of amount soon after entering SCOPE_STAGE."""
    n = len(deals)
    at = entered[:, SCOPE_STAGE] + rng.integers(MS_PER_HOUR, 3 * MS_PER_DAY, n)
    revised = deals["revised_ms"].to_numpy()
    before_revision = (revised < 0) | (at < revised)
    ok = real & (entered[:, SCOPE_STAGE] >= 0) & (at < end) & before_revision
    ok &= rng.random(n) < SCOPE_SHARE
    usd0 = deals["usd_initial"].to_numpy()
    scoped = np.maximum(np.round(usd0 * rng.uniform(0.6, 1.5, n)).astype(np.int64), 50_000)
    ok &= scoped != usd0
    day = deals["created_ms"].to_numpy() // MS_PER_DAY - fx_first_day
    rate = fx_micro[day, deals["currency_idx"].to_numpy()]
    deals["scope_ms"] = np.where(ok, at, -1).astype(np.int64)
    deals["usd_scoped"] = np.where(ok, scoped, usd0)
    deals["amount_scoped"] = np.where(
        ok, np.round(scoped * MICRO / rate).astype(np.int64), deals["amount_initial"].to_numpy()
    )
    # Without a renegotiation later, the scoped amount is the one the deal closes with.
    deals["usd_final"] = np.where(ok & (revised < 0), scoped, deals["usd_final"].to_numpy())
    deals["amount_final"] = np.where(
        ok & (revised < 0), deals["amount_scoped"].to_numpy(), deals["amount_final"].to_numpy()
    )


def slips_before(close_base, step, off, bound) -> np.ndarray:
    """How many slips of `step` a close date `close_base` takes before `bound` (exclusive): the
    k-th slip happens at close_base + (k - 1) * step - off, while the deal is open."""
    span = bound - close_base + off
    return np.maximum(0, -(-span // step))


def _pulls(rng, deals, real, entered, end) -> None:
    """A close date pulled in once, soon after entering PULL_STAGE. Before the pull the close
    date slips from close0, after it from the pulled-in date; n_slips counts the slips before
    (all of them without a pull), n_slips_post those after."""
    n = len(deals)
    close0 = deals["close0_ms"].to_numpy()
    step = deals["slip_step_ms"].to_numpy()
    off = deals["slip_off_ms"].to_numpy()
    at = entered[:, PULL_STAGE] + rng.integers(MS_PER_HOUR, 2 * MS_PER_DAY, n)
    candidate = real & (entered[:, PULL_STAGE] >= 0) & (at < end) & (rng.random(n) < PULL_SHARE)
    before = slips_before(close0, step, off, at)
    expected_then = close0 + before * step
    to = (at - at % MS_PER_DAY) + rng.integers(5, 35, n) * MS_PER_DAY
    ok = candidate & (to < expected_then - 7 * MS_PER_DAY)
    deals["pull_ms"] = np.where(ok, at, -1).astype(np.int64)
    deals["pull_to_ms"] = np.where(ok, to, -1).astype(np.int64)
    deals["n_slips"] = np.where(ok, before, deals["n_slips"].to_numpy()).astype(np.int32)
    deals["n_slips_post"] = np.where(ok, slips_before(to, step, off, end), 0).astype(np.int32)


def _categories(rng, deals, real, entered, created, end) -> None:
    """A forecast category set by hand at a random time of the open life; it holds until the
    next stage change (entry or close)."""
    n = len(deals)
    closed = deals["closed_ms"].to_numpy()
    at = created + (rng.random(n) * (np.minimum(end, NEVER - 1) - created)).astype(np.int64)
    ok = real & (rng.random(n) < OVERRIDE_SHARE) & (at < end) & (end < NEVER)
    value = OVERRIDE_CATEGORIES[rng.choice(OVERRIDE_CATEGORIES.size, size=n, p=OVERRIDE_P)]
    changes = np.column_stack(
        [np.where(entered >= 0, entered, NEVER), np.where(closed >= 0, closed, NEVER)]
    )
    after = np.where(changes > at[:, None], changes, NEVER).min(axis=1)
    deals["category_override_ms"] = np.where(ok, at, -1).astype(np.int64)
    deals["category_override"] = np.where(ok, value, -1).astype(np.int8)
    deals["category_override_end_ms"] = np.where(ok, after, -1).astype(np.int64)


__all__ = ["CLOSED_LOST_REASONS", "FORECAST_CATEGORIES", "generate_deal_history"]
