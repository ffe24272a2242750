"""Named sizes of the demo company, from a laptop demo to the benchmark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    reps: int  # every owner ever employed, leavers included
    teams: int
    deals: int
    history_days: int  # deals are created in the window (as_of - history_days, as_of]
    leaver_share: float  # share of reps who have left by as_of (archived owners)


SCALES: dict[str, Scale] = {
    "small": Scale("small", reps=20, teams=4, deals=4_000, history_days=3 * 365, leaver_share=0.2),
    "medium": Scale(
        "medium", reps=100, teams=10, deals=100_000, history_days=3 * 365, leaver_share=0.2
    ),
    "large": Scale(
        "large", reps=1_000, teams=50, deals=1_000_000, history_days=3 * 365, leaver_share=0.2
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose from {', '.join(SCALES)}") from None
