"""The deterministic demo company: generate it from (seed, scale, as_of), read its truth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.deals import generate_deals
from simulator.people import generate_owners, generate_teams
from simulator.scales import Scale, get_scale
from simulator.timeutil import MS_PER_DAY, date_to_ms
from simulator.truth import rep_monthly


@dataclass(frozen=True, eq=False)
class Company:
    """Everything the simulated CRM holds, as column frames (timestamps in epoch ms, UTC).

    teams:  id, name, segment_idx
    owners: id, id_num, user_id, first_name, last_name, email, team_idx, segment_idx, hired_ms,
            left_ms (-1 while employed), created_ms, updated_ms, archived, skill, volume, size_mult
    deals:  id, owner_idx, created_ms, stage_idx, n_open_entered, closed_ms (-1 while open),
            close_date_ms, last_modified_ms, amount_cents, account_idx, suffix_idx, product_idx
    stage_entered_ms: n_deals x 5 entry time of each open stage, -1 where not entered.
    """

    seed: int
    scale: Scale
    as_of: dt.date
    teams: pd.DataFrame = field(repr=False)
    owners: pd.DataFrame = field(repr=False)
    deals: pd.DataFrame = field(repr=False)
    stage_entered_ms: np.ndarray = field(repr=False)

    @property
    def as_of_end_ms(self) -> int:
        """Last millisecond of the as_of day (UTC): nothing that happened is later."""
        return date_to_ms(self.as_of) + MS_PER_DAY - 1

    def truth_rep_monthly(self) -> pd.DataFrame:
        """rep_id, month_start, bookings, won_deals, lost_deals, lost_amount (Decimal money)."""
        return rep_monthly(self.owners, self.deals)

    def write_truth(self, directory: str | Path) -> Path:
        """Write truth_rep_monthly.csv into `directory` and return its path."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        target = path / "truth_rep_monthly.csv"
        self.truth_rep_monthly().to_csv(target, index=False)
        return target


def generate_company(seed: int = 42, scale: str = "small", as_of: dt.date | None = None) -> Company:
    """Build the demo company; the same (seed, scale, as_of) always gives the same company."""
    size = get_scale(scale)
    if as_of is None:
        as_of = dt.datetime.now(dt.UTC).date()
    as_of_end_ms = date_to_ms(as_of) + MS_PER_DAY - 1
    window_start_ms = as_of_end_ms + 1 - size.history_days * MS_PER_DAY

    rng = np.random.default_rng(seed)
    teams = generate_teams(rng, size.teams)
    owners = generate_owners(
        rng, teams, size.reps, size.leaver_share, window_start_ms, as_of_end_ms
    )
    deals, entered = generate_deals(rng, owners, size.deals, window_start_ms, as_of_end_ms)
    return Company(seed, size, as_of, teams, owners, deals, entered)
