"""Named sizes of the demo company, from a laptop demo to the benchmark.

Counts are what the company holds at its as-of date (the end of the history window); the
horizon beyond as-of (see `generate_company`) adds the records that later clock advances reveal.
`reps`, `teams` and `leads` are exact; `deals` and `activities` are targets the generator
calibrates to (they come out of a behavioural model, so they land within a few percent).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    reps: int  # every owner employed at some point up to as-of, leavers included
    teams: int
    leads: int  # contacts created in the history window
    deals: int  # target: deals created from converted leads by as-of
    activities: int  # target: calls, emails, meetings and tasks logged by as-of
    history_days: int = 3 * 365  # the window (as_of - history_days, as_of]
    leaver_share: float = 0.2  # share of `reps` who have left by as-of (archived owners)
    contacts_per_company: float = 3.0


SCALES: dict[str, Scale] = {
    # For the end-to-end tests: every behaviour of the company, at a fifth of the demo's volume.
    "tiny": Scale("tiny", reps=12, teams=3, leads=3_200, deals=800, activities=9_000),
    "small": Scale("small", reps=20, teams=4, leads=16_000, deals=4_000, activities=45_000),
    "medium": Scale(
        "medium", reps=100, teams=10, leads=400_000, deals=100_000, activities=1_000_000
    ),
    "large": Scale(
        "large", reps=1_000, teams=50, leads=4_200_000, deals=1_050_000, activities=10_500_000
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose from {', '.join(SCALES)}") from None
