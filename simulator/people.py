"""Teams and owners (HubSpot owners are the reps) of the demo company."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.timeutil import MS_PER_DAY

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


def generate_teams(rng: np.random.Generator, n_teams: int) -> pd.DataFrame:
    """One row per team: id (numeric str), name like 'Enterprise East', segment_idx."""
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
        }
    )


def generate_owners(
    rng: np.random.Generator,
    teams: pd.DataFrame,
    n_reps: int,
    leaver_share: float,
    window_start_ms: int,
    as_of_end_ms: int,
) -> pd.DataFrame:
    """One row per owner, ordered by id; timestamps in epoch ms, left_ms -1 while employed."""
    n_teams = len(teams)
    team_idx = rng.permutation(np.arange(n_reps) % n_teams)
    window_days = (as_of_end_ms - window_start_ms) // MS_PER_DAY

    # Most reps predate the history window; the rest join during it (at least 60 days before
    # as_of, so every rep has a track record).
    founding = rng.random(n_reps) < 0.6
    hired_before = window_start_ms - rng.integers(30, 3 * 365, n_reps) * MS_PER_DAY
    hired_during = window_start_ms + rng.integers(0, window_days - 60, n_reps) * MS_PER_DAY
    hired_ms = np.where(founding, hired_before, hired_during)
    hired_ms += rng.integers(8 * 3_600_000, 18 * 3_600_000, n_reps)  # office hours

    # Leavers stay at least 60 days inside the window before they go.
    leavers = rng.choice(n_reps, size=round(n_reps * leaver_share), replace=False)
    active_from = np.maximum(hired_ms, window_start_ms)
    earliest_exit = active_from + 60 * MS_PER_DAY
    left_ms = np.full(n_reps, -1, dtype=np.int64)
    frac = rng.uniform(0.0, 1.0, n_reps)
    exit_ms = earliest_exit + (frac * (as_of_end_ms - earliest_exit)).astype(np.int64)
    left_ms[leavers] = np.minimum(exit_ms[leavers], as_of_end_ms)
    archived = left_ms >= 0

    touched = hired_ms + (rng.random(n_reps) * (as_of_end_ms - hired_ms)).astype(np.int64)
    updated_ms = np.where(archived, left_ms, touched)

    first = rng.integers(0, len(FIRST_NAMES), n_reps)
    last = rng.integers(0, len(LAST_NAMES), n_reps)
    first_names = [FIRST_NAMES[i] for i in first]
    last_names = [LAST_NAMES[i] for i in last]

    seen: dict[str, int] = {}
    emails = []
    for fn, ln in zip(first_names, last_names, strict=True):
        local = f"{fn}.{ln}".lower()
        seen[local] = seen.get(local, 0) + 1
        suffix = "" if seen[local] == 1 else str(seen[local])
        emails.append(f"{local}{suffix}@{EMAIL_DOMAIN}")

    owner_ids = 40_000_000 + np.cumsum(rng.integers(1, 10_000, n_reps))
    user_ids = 9_000_000 + np.cumsum(rng.integers(1, 10_000, n_reps))
    segment_idx = teams["segment_idx"].to_numpy()[team_idx]
    return pd.DataFrame(
        {
            "id": owner_ids.astype(str),
            "id_num": owner_ids.astype(np.int64),
            "user_id": user_ids.astype(np.int64),
            "first_name": first_names,
            "last_name": last_names,
            "email": emails,
            "team_idx": team_idx.astype(np.int32),
            "segment_idx": segment_idx,
            "hired_ms": hired_ms.astype(np.int64),
            "left_ms": left_ms,
            "created_ms": hired_ms.astype(np.int64),
            "updated_ms": updated_ms.astype(np.int64),
            "archived": archived,
            # Rep skill is the win probability of a deal, so reps' win rates differ.
            "skill": rng.beta(6.0, 10.0, n_reps),
            "volume": rng.lognormal(0.0, 0.3, n_reps),
            "size_mult": rng.lognormal(0.0, 0.25, n_reps),
        }
    )
