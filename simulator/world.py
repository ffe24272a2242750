"""The whole generated timeline of the demo company: history up to as-of plus a horizon beyond.

Nothing here depends on a clock. `state.py` reads the timeline as seen at a clock time, and
`company.Company` is that view. Each part draws from its own random stream, so switching
multi-currency on changes currencies and amounts only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.accounts import assign_companies
from simulator.activities import generate_activities
from simulator.contacts import generate_other_contacts, merge_contacts
from simulator.deal_history import generate_deal_history
from simulator.deals import generate_deals, partner_companies
from simulator.leads import generate_leads
from simulator.people import generate_owners, generate_teams
from simulator.plans import generate_fx, quota_bases, quota_plan, rep_month_bookings
from simulator.scales import Scale, get_scale
from simulator.stages import WON
from simulator.surveys import generate_surveys
from simulator.timeutil import MS_PER_DAY, date_to_ms, month_index

DEFAULT_HORIZON_DAYS = 366
# A new stream goes at the end: each stream's seed is its position, so adding one changes none
# of the others.
_STREAMS = (
    "people", "leads", "accounts", "fx", "deals", "activities", "surveys", "contacts",
    "deal_history",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class World:
    seed: int
    scale: Scale
    as_of: dt.date
    horizon_days: int
    multi_currency: bool
    window_start_ms: int
    as_of_end_ms: int
    horizon_end_ms: int
    teams: pd.DataFrame = field(repr=False)
    owners: pd.DataFrame = field(repr=False)
    leads: pd.DataFrame = field(repr=False)
    companies: pd.DataFrame = field(repr=False)
    deals: pd.DataFrame = field(repr=False)
    stage_entered: np.ndarray = field(repr=False)
    activities: pd.DataFrame = field(repr=False)
    fx_first_day: int = field(repr=False)
    fx_micro: np.ndarray = field(repr=False)
    quota_bases: dict = field(repr=False)
    team_waves: pd.DataFrame = field(repr=False)
    responses: pd.DataFrame = field(repr=False)

    # Column arrays, so per-page code never pays for pandas indexing.
    @cached_property
    def o(self) -> dict[str, np.ndarray]:
        return {c: self.owners[c].to_numpy() for c in self.owners.columns}

    @cached_property
    def c(self) -> dict[str, np.ndarray]:
        return {c: self.leads[c].to_numpy() for c in self.leads.columns}

    @cached_property
    def a(self) -> dict[str, np.ndarray]:
        return {c: self.companies[c].to_numpy() for c in self.companies.columns}

    @cached_property
    def d(self) -> dict[str, np.ndarray]:
        return {c: self.deals[c].to_numpy() for c in self.deals.columns}

    @cached_property
    def e(self) -> dict[str, np.ndarray]:
        return {c: self.activities[c].to_numpy() for c in self.activities.columns}

    @cached_property
    def merges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(survivor row, merge time, merged-away row), ordered by survivor then time."""
        dupes = np.flatnonzero(self.d["merged_into"] >= 0)
        survivor = self.d["merged_into"][dupes]
        when = self.d["archived_ms"][dupes]
        order = np.lexsort((when, survivor))
        return survivor[order], when[order], dupes[order]

    @cached_property
    def lead_deal(self) -> np.ndarray:
        """Deal row of each lead's conversion, -1 for leads that never convert."""
        out = np.full(len(self.leads), -1, dtype=np.int64)
        real = np.flatnonzero(self.d["kind"] == 0)
        out[self.d["contact_idx"][real]] = real
        return out

    @cached_property
    def company_firsts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per company: first real deal created, first deal won (ms, -1 never), first lead row."""
        never = np.iinfo(np.int64).max
        n = len(self.companies)
        first_deal = np.full(n, never)
        first_won = np.full(n, never)
        real = self.d["kind"] == 0
        np.minimum.at(first_deal, self.d["company_idx"][real], self.d["created_ms"][real])
        won = real & (self.d["final_stage"] == WON)
        np.minimum.at(first_won, self.d["company_idx"][won], self.d["closed_ms"][won])
        first_lead = np.full(n, len(self.leads), dtype=np.int64)
        np.minimum.at(first_lead, self.c["company_idx"], np.arange(len(self.leads)))
        return (
            np.where(first_deal == never, -1, first_deal),
            np.where(first_won == never, -1, first_won),
            first_lead,
        )

    @cached_property
    def deal_is_existing_business(self) -> np.ndarray:
        """Per deal: its company had already won a deal when it was created (HubSpot's dealtype
        existingbusiness, else newbusiness)."""
        d = self.d
        real = d["kind"] == 0
        won = real & (d["final_stage"] == WON) & (d["closed_ms"] >= 0)
        company, created = d["company_idx"], d["created_ms"]
        out = np.zeros(len(self.deals), dtype=bool)
        first_won = np.full(len(self.companies), np.iinfo(np.int64).max)
        np.minimum.at(first_won, company[won], d["closed_ms"][won])
        out[:] = first_won[company] < created
        return out

    @cached_property
    def company_ids(self) -> np.ndarray:
        return 20_000_000_000 + np.arange(len(self.companies), dtype=np.int64) * 7 + 3

    @cached_property
    def contact_ids(self) -> np.ndarray:
        return 1_000 + np.arange(len(self.leads), dtype=np.int64) * 50 + 1

    @cached_property
    def contact_dup(self) -> np.ndarray:
        """How many earlier contacts of the same company share this contact's first and last
        name (a suffix keeps their emails unique)."""
        c = self.c
        combo = c["company_idx"].astype(np.int64) * 1024 + c["first_idx"] * 32 + c["last_idx"]
        order = np.argsort(combo, kind="stable")
        starts = np.r_[0, np.flatnonzero(np.diff(combo[order])) + 1]
        run_start = np.repeat(starts, np.diff(np.r_[starts, combo.size]))
        dup = np.empty(combo.size, dtype=np.int64)
        dup[order] = np.arange(combo.size) - run_start
        return dup

    @cached_property
    def activity_kind_rows(self) -> tuple[np.ndarray, ...]:
        """Rows of calls, emails, meetings and tasks (each in creation order)."""
        kind = self.e["kind"]
        return tuple(np.flatnonzero(kind == k) for k in range(4))

    @cached_property
    def _reverse(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {}

    def reverse(self, table: str, column: str, target: int) -> np.ndarray:
        """Rows of `table` ('c' leads, 'd' deals, 'e' activities) whose `column` equals
        `target`, in creation order (an index built on first use)."""
        key = f"{table}.{column}"
        if key not in self._reverse:
            values = getattr(self, table)[column].astype(np.int64)
            order = np.argsort(values, kind="stable")
            self._reverse[key] = (order, values[order])
        order, sorted_values = self._reverse[key]
        lo = np.searchsorted(sorted_values, target, "left")
        hi = np.searchsorted(sorted_values, target, "right")
        return order[lo:hi]

    def fx_rate_micro(self, ms: np.ndarray, currency_idx: np.ndarray) -> np.ndarray:
        day = np.asarray(ms, dtype=np.int64) // MS_PER_DAY - self.fx_first_day
        return self.fx_micro[day, currency_idx]


def build_world(
    seed: int,
    scale: str | Scale,
    as_of: dt.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    multi_currency: bool = False,
) -> World:
    size = scale if isinstance(scale, Scale) else get_scale(scale)
    if horizon_days < 0:
        raise ValueError("horizon_days must not be negative")
    as_of_end_ms = date_to_ms(as_of) + MS_PER_DAY - 1
    window_start_ms = as_of_end_ms + 1 - size.history_days * MS_PER_DAY
    horizon_end_ms = as_of_end_ms + horizon_days * MS_PER_DAY
    rng = {
        name: np.random.default_rng(np.random.SeedSequence([seed, i]))
        for i, name in enumerate(_STREAMS)
    }

    teams = generate_teams(rng["people"], size.teams)
    owners = generate_owners(
        rng["people"],
        teams,
        size.reps,
        size.leaver_share,
        window_start_ms,
        as_of_end_ms,
        horizon_end_ms,
    )
    leads = generate_leads(
        rng["leads"], owners, size.leads, size.deals, window_start_ms, as_of_end_ms, horizon_end_ms
    )
    leads.loc[leads["converted_ms"] > horizon_end_ms, "converted_ms"] = -1
    others = generate_other_contacts(
        rng["contacts"], owners, size.leads, window_start_ms, as_of_end_ms, horizon_end_ms
    )
    leads = merge_contacts(leads, others)
    lead_company, companies = assign_companies(
        rng["accounts"], leads, owners, teams, size.contacts_per_company, horizon_end_ms
    )
    leads["company_idx"] = lead_company
    first_lead = np.full(len(companies), len(leads), dtype=np.int64)
    np.minimum.at(first_lead, lead_company, np.arange(len(leads)))
    companies["owner_idx"] = leads["owner_idx"].to_numpy()[first_lead]

    fx_first_day = window_start_ms // MS_PER_DAY - 60
    fx_days = horizon_end_ms // MS_PER_DAY - fx_first_day + 1
    fx_micro = generate_fx(rng["fx"], fx_first_day, fx_days)

    deals, entered = generate_deals(
        rng["deals"],
        owners,
        leads,
        companies,
        fx_micro,
        fx_first_day,
        multi_currency,
        horizon_end_ms,
    )
    deals["partner_company_idx"] = partner_companies(
        rng["contacts"], deals, companies["created_ms"].to_numpy()
    )
    activities = generate_activities(
        rng["activities"],
        rng["contacts"],
        owners,
        leads,
        deals,
        size.activities,
        as_of_end_ms,
        horizon_end_ms,
    )

    won = (deals["final_stage"] == WON).to_numpy()
    bookings = rep_month_bookings(
        owners,
        deals["owner_idx"].to_numpy()[won],
        deals["closed_ms"].to_numpy()[won],
        deals["usd_final"].to_numpy()[won],
    )
    bases = quota_bases(owners, bookings, window_start_ms, as_of_end_ms, horizon_end_ms)
    first_month = int(month_index(np.array([window_start_ms]))[0])
    last_month = int(month_index(np.array([horizon_end_ms]))[0])
    plan = quota_plan(owners, bases, first_month, last_month)
    team = owners["team_idx"].to_numpy()
    plan["team_idx"] = team[plan["owner_idx"].to_numpy()]
    bookings["team_idx"] = team[bookings["owner_idx"].to_numpy()]
    team_quota = plan.groupby(["team_idx", "month"])["target_cents"].sum()
    team_booked = bookings.groupby(["team_idx", "month"])["cents"].sum()
    attainment = (team_booked.reindex(team_quota.index).fillna(0) / team_quota).rename("attainment")
    team_waves, responses = generate_surveys(
        rng["surveys"],
        owners,
        len(teams),
        attainment.reset_index(),
        window_start_ms,
        horizon_end_ms,
    )
    # Last, from its own stream: reassignments, amount and close-date changes, forecast
    # categories and lost reasons leave everything drawn above as it was.
    generate_deal_history(
        rng["deal_history"], owners, deals, entered, fx_micro, fx_first_day, horizon_end_ms
    )
    return World(
        seed=seed,
        scale=size,
        as_of=as_of,
        horizon_days=horizon_days,
        multi_currency=multi_currency,
        window_start_ms=window_start_ms,
        as_of_end_ms=as_of_end_ms,
        horizon_end_ms=horizon_end_ms,
        teams=teams,
        owners=owners,
        leads=leads,
        companies=companies,
        deals=deals,
        stage_entered=entered,
        activities=activities,
        fx_first_day=fx_first_day,
        fx_micro=fx_micro,
        quota_bases=bases,
        team_waves=team_waves,
        responses=responses,
    )
