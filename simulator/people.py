"""Teams and owners (HubSpot owners are the reps) of the demo company.

Owners are generated over the whole timeline (history and horizon) and numbered in hiring order,
so the owners visible at any clock are a prefix of the frame. Each team has a manager who never
leaves; the other reps are spread unevenly over the teams, so some teams are small.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR

SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Strategic", "Commercial")
REGIONS = ("East", "West", "North", "South", "Central", "EMEA", "APAC", "LATAM", "Nordics", "DACH")
# Typical deal size (USD) and sales-cycle stretch per segment, indexed like SEGMENTS.
SEGMENT_DEAL_SIZE = np.array([60_000.0, 20_000.0, 6_000.0, 120_000.0, 12_000.0])
SEGMENT_CYCLE_FACTOR = np.array([1.6, 1.0, 0.6, 2.0, 0.8])

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi",
    "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer",
)  # fmt: skip
EMAIL_DOMAIN = "salespulse-demo.example"
ROLES = ("rep", "manager")


def generate_teams(rng: np.random.Generator, n_teams: int) -> pd.DataFrame:
    """One row per team: id (numeric str), name like 'Enterprise East', segment and region."""
    combos = len(SEGMENTS) * len(REGIONS)
    if n_teams > combos:
        raise ValueError(f"at most {combos} teams are supported")
    # A stride coprime with 50 walks every segment/region pair, so the first few teams
    # already mix segments and regions instead of being all "... East".
    picks = (np.arange(n_teams) * 11) % combos
    segment_idx, region_idx = np.divmod(picks, len(REGIONS))
    pairs = zip(segment_idx, region_idx, strict=True)
    ids = 5_000_000 + np.cumsum(rng.integers(1, 1_000, n_teams))
    return pd.DataFrame(
        {
            "id": ids.astype(str),
            "name": [f"{SEGMENTS[s]} {REGIONS[r]}" for s, r in pairs],
            "segment_idx": segment_idx.astype(np.int8),
            "region_idx": region_idx.astype(np.int8),
        }
    )


def generate_owners(
    rng: np.random.Generator,
    teams: pd.DataFrame,
    n_reps: int,
    leaver_share: float,
    window_start_ms: int,
    as_of_end_ms: int,
    horizon_end_ms: int,
) -> pd.DataFrame:
    """Every owner of the timeline, in hiring order; left_ms -1 for those who never leave.

    `n_reps` owners are hired by as-of (round(n_reps * leaver_share) of them have left by then);
    the horizon adds hires and leavers at the same yearly rates.
    """
    n_teams = len(teams)
    if n_reps < n_teams:
        raise ValueError("a scale needs at least one rep per team")
    history_days = (as_of_end_ms + 1 - window_start_ms) // MS_PER_DAY
    horizon_days = (horizon_end_ms - as_of_end_ms) // MS_PER_DAY
    n_extra = round(n_reps * 0.4 * horizon_days / history_days)
    n = n_reps + n_extra
    is_manager = np.zeros(n, dtype=bool)
    is_manager[:n_teams] = True

    # Managers and 60% of the others predate the window; the rest join during it (at least 60
    # days before as-of, so every rep has a track record) or during the horizon.
    founding = is_manager | (rng.random(n) < 0.6)
    hired_before = window_start_ms - rng.integers(30, 3 * 365, n) * MS_PER_DAY
    hired_during = window_start_ms + rng.integers(0, history_days - 60, n) * MS_PER_DAY
    hired_later = as_of_end_ms + 1 + rng.integers(0, max(horizon_days, 1), n) * MS_PER_DAY
    in_horizon = np.arange(n) >= n_reps
    hired_ms = np.where(founding, hired_before, hired_during)
    hired_ms = np.where(in_horizon, hired_later, hired_ms)
    hired_ms += rng.integers(8 * MS_PER_HOUR, 18 * MS_PER_HOUR, n)  # office hours

    active_from = np.maximum(hired_ms, window_start_ms)
    earliest_exit = active_from + 60 * MS_PER_DAY
    left_ms = np.full(n, -1, dtype=np.int64)
    # Leavers by as-of: exactly round(n_reps * leaver_share), never a manager.
    candidates = np.flatnonzero(~is_manager & ~in_horizon)
    leavers = rng.choice(candidates, size=round(n_reps * leaver_share), replace=False)
    frac = rng.random(n)
    exit_ms = earliest_exit + (frac * (as_of_end_ms - earliest_exit)).astype(np.int64)
    left_ms[leavers] = np.minimum(exit_ms[leavers], as_of_end_ms)
    # Leavers during the horizon, at the same yearly rate.
    later_from = np.maximum(earliest_exit, as_of_end_ms + 1)
    later_ms = later_from + (rng.random(n) * (horizon_end_ms - later_from)).astype(np.int64)
    p_later = leaver_share * horizon_days / history_days
    later = (
        (~is_manager) & (left_ms < 0) & (rng.random(n) < p_later) & (later_from < horizon_end_ms)
    )
    left_ms[later] = later_ms[later]

    # Managers lead teams 0..n_teams-1; the others are spread unevenly, so some teams are small.
    weights = 1.0 / np.arange(1, n_teams + 1)
    team_idx = np.where(
        is_manager, np.arange(n) % n_teams, rng.choice(n_teams, size=n, p=weights / weights.sum())
    )

    touched = hired_ms + (rng.random(n) * (horizon_end_ms - hired_ms)).astype(np.int64)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    traits = {
        # Rep skill is the base win probability of a deal, so reps' win rates differ.
        "skill": rng.beta(6.0, 10.0, n),
        "volume": rng.lognormal(0.0, 0.3, n) * np.where(is_manager, 0.5, 1.0),
        "size_mult": rng.lognormal(0.0, 0.25, n),
        # Minutes to a first response in office hours, and the share of leads never answered.
        "response_median_min": np.clip(np.exp(rng.normal(np.log(35.0), 0.8, n)), 3.0, 600.0),
        "unanswered_p": rng.beta(1.5, 15.0, n),
        "activity_rate": rng.lognormal(0.0, 0.3, n),
    }

    order = np.argsort(hired_ms, kind="stable")  # ids follow hiring order
    first, last = first[order], last[order]
    first_names = [FIRST_NAMES[i] for i in first]
    last_names = [LAST_NAMES[i] for i in last]
    seen: dict[str, int] = {}
    emails = []
    for fn, ln in zip(first_names, last_names, strict=True):
        local = f"{fn}.{ln}".lower()
        seen[local] = seen.get(local, 0) + 1
        suffix = "" if seen[local] == 1 else str(seen[local])
        emails.append(f"{local}{suffix}@{EMAIL_DOMAIN}")

    owner_ids = 40_000_000 + np.cumsum(rng.integers(1, 10_000, n))
    user_ids = 9_000_000 + np.cumsum(rng.integers(1, 10_000, n))
    team_idx = team_idx[order]
    is_manager = is_manager[order]
    manager_of_team = np.full(n_teams, -1, dtype=np.int64)
    manager_of_team[team_idx[is_manager]] = np.flatnonzero(is_manager)
    manager_idx = np.where(is_manager, -1, manager_of_team[team_idx])
    hired_sorted = hired_ms[order].astype(np.int64)
    frame = pd.DataFrame(
        {
            "id": owner_ids.astype(str),
            "id_num": owner_ids.astype(np.int64),
            "user_id": user_ids.astype(np.int64),
            "first_name": first_names,
            "last_name": last_names,
            "email": emails,
            "team_idx": team_idx.astype(np.int32),
            "segment_idx": teams["segment_idx"].to_numpy()[team_idx],
            "role_idx": is_manager.astype(np.int8),
            "manager_idx": manager_idx.astype(np.int32),
            "hired_ms": hired_sorted,
            "left_ms": left_ms[order],
            "created_ms": hired_sorted,
            "touched_ms": np.maximum(touched[order], hired_sorted),
        }
    )
    for name, values in traits.items():
        frame[name] = values[order]
    return frame
