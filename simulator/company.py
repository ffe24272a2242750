"""The deterministic demo company as seen at a clock: generate it, move its clock, read its truth.

`generate_company(seed, scale, as_of)` draws the whole timeline once: `history_days` up to the
end of `as_of` and `horizon_days` beyond it. A `Company` is a view of that timeline at
`clock_ms` (initially the last millisecond of `as_of`): records created later are hidden, stage
changes, slips and merges after the clock have not happened yet. `company.advance(days)` (or
`company.at(clock)`) returns the same company at a later clock, sharing every array; new records
appear and existing ones change with modification times after the old clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import state, tables, truth
from simulator.accounts import CURRENCIES
from simulator.scales import Scale
from simulator.timeutil import MS_PER_DAY, date_to_ms, iso_ms
from simulator.world import DEFAULT_HORIZON_DAYS, World, build_world

Clock = int | dt.datetime | dt.date


@dataclass(frozen=True, eq=False)
class Company:
    """Everything the simulated CRM and survey tool hold at `clock_ms` (epoch ms, UTC).

    Frames (timestamps epoch ms UTC, -1 for "not (yet)"; money int cents):
    teams:  id, name, segment_idx, region_idx
    owners: the owners hired by the clock, in id order: id, id_num, user_id, first_name,
            last_name, email, team_idx, segment_idx, role_idx, manager_idx, hired_ms, left_ms
            (-1 while employed), created_ms, updated_ms, archived, skill, volume, size_mult, ...
    deals:  the live (not archived) deals, in id order: row, id, kind, owner_idx, company_idx,
            contact_idx, source_idx, product_idx, created_ms, stage_idx, n_open_entered,
            closed_ms (-1 while open), close_date_ms, last_modified_ms, amount_cents (in the
            deal's currency), currency, usd_cents
    archived_deals: the same columns for deleted and merged-away deals, plus archived_ms
    stage_entered_ms: len(deals) x 5 entry time of each open stage, -1 where not entered.
    """

    world: World = field(repr=False)
    clock_ms: int

    def __post_init__(self) -> None:
        if not self.world.window_start_ms <= self.clock_ms <= self.world.horizon_end_ms:
            raise ValueError(
                f"clock {iso_ms(self.clock_ms)} is outside the generated timeline "
                f"{iso_ms(self.world.window_start_ms)} .. {iso_ms(self.world.horizon_end_ms)}"
            )

    # --- identity and clock -------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self.world.seed

    @property
    def scale(self) -> Scale:
        return self.world.scale

    @property
    def as_of(self) -> dt.date:
        return self.world.as_of

    @property
    def multi_currency(self) -> bool:
        return self.world.multi_currency

    @property
    def as_of_end_ms(self) -> int:
        """Last millisecond of the as_of day (UTC): the initial clock."""
        return self.world.as_of_end_ms

    @property
    def horizon_end_ms(self) -> int:
        """The latest clock this company can be advanced to."""
        return self.world.horizon_end_ms

    @property
    def clock(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock_ms / 1000, tz=dt.UTC)

    def at(self, clock: Clock) -> Company:
        """The same company seen at another clock (epoch ms, an aware datetime, or the end of
        a date)."""
        if isinstance(clock, dt.datetime):
            aware = clock if clock.tzinfo else clock.replace(tzinfo=dt.UTC)
            ms = round(aware.timestamp() * 1000)
        elif isinstance(clock, dt.date):
            ms = date_to_ms(clock) + MS_PER_DAY - 1
        else:
            ms = int(clock)
        return replace(self, clock_ms=ms)

    def advance(self, days: float = 1.0) -> Company:
        """The company `days` later: new records, changed records, new modification times."""
        if days < 0:
            raise ValueError("the clock only moves forward")
        return self.at(self.clock_ms + round(days * MS_PER_DAY))

    # --- frames at the clock ------------------------------------------------------------------

    @property
    def teams(self) -> pd.DataFrame:
        return self.world.teams

    @cached_property
    def owners(self) -> pd.DataFrame:
        st = state.owner_state(self.world, self.clock_ms)
        n = st["rows"].size
        frame = self.world.owners.iloc[:n].copy()
        frame["left_ms"] = st["left_ms"]
        frame["updated_ms"] = st["updated_ms"]
        frame["archived"] = st["archived"]
        return frame

    def _deal_frame(self, archived: bool) -> tuple[pd.DataFrame, np.ndarray]:
        w = self.world
        rows = state.deal_rows(w, self.clock_ms, archived)
        st = state.deal_state(w, rows, self.clock_ms)
        d = w.d
        frame = pd.DataFrame(
            {
                "row": rows,
                "id": d["id"][rows],
                "kind": d["kind"][rows],
                "owner_idx": st["owner_idx"],
                "company_idx": d["company_idx"][rows],
                "contact_idx": d["contact_idx"][rows],
                "source_idx": d["source_idx"][rows],
                "product_idx": d["product_idx"][rows],
                "created_ms": d["created_ms"][rows],
                "stage_idx": st["stage_idx"],
                "n_open_entered": st["n_entered"],
                "closed_ms": st["closed_ms"],
                "close_date_ms": st["close_date_ms"],
                "last_modified_ms": st["last_modified_ms"],
                "amount_cents": st["amount"],
                "currency": np.array(CURRENCIES, dtype=object)[d["currency_idx"][rows]],
                "usd_cents": st["usd"],
            }
        )
        if archived:
            frame["archived_ms"] = st["archived_ms"]
        entered = w.stage_entered[rows]
        entered = np.where((entered >= 0) & (entered <= st["t"][:, None]), entered, -1)
        return frame, entered

    @cached_property
    def _live_deals(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self._deal_frame(archived=False)

    @property
    def deals(self) -> pd.DataFrame:
        return self._live_deals[0]

    @property
    def stage_entered_ms(self) -> np.ndarray:
        return self._live_deals[1]

    @cached_property
    def archived_deals(self) -> pd.DataFrame:
        return self._deal_frame(archived=True)[0]

    # --- files and truth ----------------------------------------------------------------------

    def table(self, name: str) -> tables.Table:
        """One export table (see simulator.tables.TABLES) as of the clock."""
        return tables.build(self, name)

    def truth_rep_monthly(self) -> pd.DataFrame:
        """rep_id, month_start, bookings, won_deals, lost_deals, lost_amount (Decimal money in
        the reporting currency USD, converted at the close date's rate) for deals closed by the
        clock, per owner and UTC month of closing."""
        return truth.rep_monthly(self)

    def truth_lead_response(self, sla_minutes: int = 60, window_days: int = 90) -> pd.DataFrame:
        """Per owner and UTC month of lead creation: lead response time and conversion."""
        return truth.lead_response(self, sla_minutes, window_days)

    def truth_enps(self, threshold: int = truth.ANONYMITY_THRESHOLD) -> pd.DataFrame:
        """Per team and eNPS wave: invited, responses, promoters/passives/detractors, eNPS."""
        return truth.enps(self, threshold)

    def truth_pulse(self, threshold: int = truth.ANONYMITY_THRESHOLD) -> pd.DataFrame:
        """Per team, pulse wave and Likert question: responses, mean, favourable share."""
        return truth.pulse(self, threshold)

    def truth_quota_attainment(self) -> pd.DataFrame:
        """Per rep and month with a quota: bookings, quota, attainment."""
        return truth.quota_attainment(self)

    def truth_account_performance(self) -> pd.DataFrame:
        """Per company: won and lost deals, bookings, open deals and open pipeline (USD)."""
        return truth.account_performance(self)

    def truth_pipeline_waterfall(self) -> pd.DataFrame:
        """Per owner and week, month and fiscal quarter: opening pipeline, its movements (created,
        reopened, increased, decreased, pulled in, pushed out, won, lost, transferred in and
        out) and closing pipeline, in USD."""
        return truth.pipeline_waterfall(self)

    def write_truth(self, directory: str | Path) -> dict[str, Path]:
        """Write every truth file (CSV) into `directory`; return {name: path}."""
        return truth.write_all(self, Path(directory))


def generate_company(
    seed: int = 42,
    scale: str = "small",
    as_of: dt.date | None = None,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    multi_currency: bool = False,
) -> Company:
    """Build the demo company; the same arguments always give the same company.

    The clock starts at the end of `as_of` (default: today, UTC) and can be advanced up to
    `horizon_days` later. Deals are in USD unless `multi_currency` (off by default, because the
    marts cannot convert currencies yet).
    """
    if as_of is None:
        as_of = dt.datetime.now(dt.UTC).date()
    world = build_world(seed, scale, as_of, horizon_days, multi_currency)
    return Company(world, world.as_of_end_ms)
