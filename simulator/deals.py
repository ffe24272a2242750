"""Deals over the whole timeline, column-wise with numpy.

Every real deal comes from a converted lead: same owner, company and source. It enters the open
stages in order and ends in closedwon or closedlost; its whole planned life is drawn first, and a
clock (see state.py) later decides how much of it has happened. Around them:

- win probability = rep skill x source x ramp of a new hire x the deal's engagement (which also
  drives how many activities it gets, so activity and winning go together);
- amounts by segment and rep, revised once for some deals in negotiation;
- an expected close date set at creation; a deal still open when that date comes near slips it
  by a few weeks, as many times as needed (closedate history);
- a rep who leaves takes no deal along: anything still open is marked lost before they go;
- junk deals created by mistake and deleted (archived) within days, and duplicates of real deals
  merged into them (the duplicate is archived, the survivor lists it in hs_merged_object_ids).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.accounts import COUNTRY_CURRENCY
from simulator.leads import SOURCE_WIN
from simulator.people import SEGMENT_CYCLE_FACTOR, SEGMENT_DEAL_SIZE
from simulator.plans import MICRO
from simulator.stages import LOST, OPEN_STAGES, WON
from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE

# Mean days spent in each open stage before moving on (stretched per segment).
STAGE_MEAN_DAYS = np.array([6.0, 10.0, 14.0, 12.0, 8.0])
# Where lost deals drop out: the last open stage they reached.
LOSS_STAGE_P = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
MIN_STAGE_MS = MS_PER_HOUR
MIN_AMOUNT_CENTS = 50_000
REVISION_STAGE = 3  # amounts are renegotiated on entering decisionmakerboughtin
PRODUCTS = (
    "Platform licence", "Renewal", "Expansion", "Pilot", "Support plan", "Analytics add-on",
    "Onboarding", "Multi-year deal",
)  # fmt: skip
KINDS = ("deal", "junk", "duplicate")
JUNK_SHARE = 0.015
DUPLICATE_SHARE = 0.01


def _never(values: np.ndarray) -> np.ndarray:
    return np.where(values >= 0, values, np.iinfo(np.int64).max)


def generate_deals(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    leads: pd.DataFrame,
    companies: pd.DataFrame,
    fx_micro: np.ndarray,
    fx_first_day: int,
    multi_currency: bool,
    horizon_end_ms: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (deals in creation order, planned open-stage entry times n x 5, -1 unset)."""
    lead_rows = np.flatnonzero(leads["converted_ms"].to_numpy() >= 0)
    n = lead_rows.size
    owner = leads["owner_idx"].to_numpy()[lead_rows]
    created = leads["converted_ms"].to_numpy()[lead_rows]
    company = leads["company_idx"].to_numpy()[lead_rows]
    source = leads["source_idx"].to_numpy()[lead_rows]
    segment = companies["segment_idx"].to_numpy()[company]
    hired = owners["hired_ms"].to_numpy()[owner]
    cutoff = _never(owners["left_ms"].to_numpy())[owner]

    engagement = rng.lognormal(0.0, 0.5, n)
    tenure_days = (created - hired) / MS_PER_DAY
    ramp = np.clip(0.6 + 0.4 * tenure_days / 120.0, 0.6, 1.0)
    eng_factor = engagement**0.35 / np.exp(0.5 * (0.35 * 0.5) ** 2)
    p_win = owners["skill"].to_numpy()[owner] * SOURCE_WIN[source] * ramp * eng_factor
    won = rng.random(n) < np.clip(p_win, 0.03, 0.9)
    last_open = np.where(won, OPEN_STAGES - 1, rng.choice(OPEN_STAGES, size=n, p=LOSS_STAGE_P))
    n_open = (last_open + 1).astype(np.int64)

    mean_days = STAGE_MEAN_DAYS[None, :] * SEGMENT_CYCLE_FACTOR[segment][:, None]
    stay_ms = (rng.gamma(1.5, mean_days / 1.5) * MS_PER_DAY).astype(np.int64) + MIN_STAGE_MS
    planned = np.empty((n, OPEN_STAGES + 1), dtype=np.int64)
    planned[:, 0] = created
    planned[:, 1:] = created[:, None] + np.cumsum(stay_ms, axis=1)
    rows = np.arange(n)
    closed = planned[rows, n_open]
    final = np.where(won, WON, LOST).astype(np.int8)
    entered = planned[:, :OPEN_STAGES].copy()
    cols = np.arange(OPEN_STAGES)[None, :]

    # A rep who leaves takes no deal along: anything still open is marked lost before they go.
    cut = np.flatnonzero(closed > cutoff)
    if cut.size:
        reached = ((entered[cut] < cutoff[cut, None]) & (cols < n_open[cut, None])).sum(axis=1)
        last_entry = entered[cut, reached - 1]
        gap = cutoff[cut] - last_entry - 1
        closed[cut] = last_entry + 1 + (rng.random(cut.size) * gap).astype(np.int64)
        final[cut] = LOST
        n_open[cut] = reached
    entered = np.where(cols < n_open[:, None], entered, -1)
    # What would close after the horizon never closes in this timeline.
    beyond = closed > horizon_end_ms
    closed = np.where(beyond, -1, closed)
    final = np.where(beyond, -1, final).astype(np.int8)

    # Expected close: the planned close give or take, at midnight UTC, a week out at least;
    # slips push it by `step` each time it is about to pass while the deal is still open.
    planned_close = planned[rows, n_open]
    close0 = planned_close + (rng.normal(-4.0, 12.0, n) * MS_PER_DAY).astype(np.int64)
    close0 = np.maximum(close0, created + 7 * MS_PER_DAY)
    close0 -= close0 % MS_PER_DAY
    step = rng.integers(7, 46, n) * MS_PER_DAY
    slip_off = rng.integers(MS_PER_HOUR, 20 * MS_PER_HOUR, n)

    size = SEGMENT_DEAL_SIZE[segment] * owners["size_mult"].to_numpy()[owner]
    usd0 = np.round(size * rng.lognormal(0.0, 0.6, n) * 100.0).astype(np.int64)
    usd0 = np.maximum(usd0, MIN_AMOUNT_CENTS)
    revise = (n_open > REVISION_STAGE) & (rng.random(n) < 0.35)
    usd1 = np.where(revise, np.round(usd0 * rng.uniform(0.75, 1.25, n)).astype(np.int64), usd0)
    usd1 = np.maximum(usd1, MIN_AMOUNT_CENTS)
    revised = np.where(revise, entered[:, REVISION_STAGE], -1)

    real = {
        "kind": np.zeros(n, dtype=np.int8),
        "owner_idx": owner.astype(np.int32),
        "company_idx": company.astype(np.int32),
        "contact_idx": lead_rows.astype(np.int32),
        "source_idx": source.astype(np.int8),
        "product_idx": rng.integers(0, len(PRODUCTS), n).astype(np.int8),
        "created_ms": created.astype(np.int64),
        "n_open": n_open.astype(np.int8),
        "final_stage": final,
        "closed_ms": closed.astype(np.int64),
        "close0_ms": close0.astype(np.int64),
        "slip_step_ms": step.astype(np.int64),
        "slip_off_ms": slip_off.astype(np.int64),
        "usd_initial": usd0,
        "usd_final": usd1,
        "revised_ms": revised.astype(np.int64),
        "archived_ms": np.full(n, -1, dtype=np.int64),
        "merged_into": np.full(n, -1, dtype=np.int64),
        "engagement": engagement,
    }
    # Derived deals never start after the horizon (nor outlive their owner).
    horizon_cut = np.minimum(cutoff, horizon_end_ms)
    junk = _junk(rng, real, horizon_cut, round(n * JUNK_SHARE))
    dupes = _duplicates(rng, real, horizon_cut, round(n * DUPLICATE_SHARE))
    parts = [real, junk, dupes]
    columns = {k: np.concatenate([p[k] for p in parts]) for k in real}
    entered_all = np.full((len(columns["kind"]), OPEN_STAGES), -1, dtype=np.int64)
    entered_all[:n] = entered
    entered_all[n:, 0] = columns["created_ms"][n:]

    order = np.argsort(columns["created_ms"], kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    deals = pd.DataFrame({k: v[order] for k, v in columns.items()})
    merged = deals["merged_into"].to_numpy()
    deals["merged_into"] = np.where(merged >= 0, rank[np.maximum(merged, 0)], -1)
    entered_all = entered_all[order]

    # Slips: the k-th slip happens at close0 + (k - 1) * step - offset, while the deal is open.
    closed_eff = np.where(deals["closed_ms"] >= 0, deals["closed_ms"], horizon_end_ms + 1)
    closed_eff = np.minimum(closed_eff, _never(deals["archived_ms"].to_numpy()))
    span = closed_eff - deals["close0_ms"].to_numpy() + deals["slip_off_ms"].to_numpy()
    deals["n_slips"] = np.maximum(0, -(-span // deals["slip_step_ms"].to_numpy())).astype(np.int32)

    cur = np.where(
        multi_currency,
        COUNTRY_CURRENCY[companies["country_idx"].to_numpy()[deals["company_idx"]]],
        0,
    ).astype(np.int8)
    day = deals["created_ms"].to_numpy() // MS_PER_DAY - fx_first_day
    rate = fx_micro[day, cur]
    deals["currency_idx"] = cur
    deals["amount_initial"] = np.round(deals["usd_initial"].to_numpy() * MICRO / rate).astype(
        np.int64
    )
    deals["amount_final"] = np.round(deals["usd_final"].to_numpy() * MICRO / rate).astype(np.int64)
    ids = 9_000_000_000 + np.cumsum(rng.integers(1, 97, len(deals)))
    deals.insert(0, "id", ids.astype(np.int64))
    return deals, entered_all


def _derived(
    rng: np.random.Generator, real: dict, template: np.ndarray, created: np.ndarray, kind: int
) -> dict:
    m = template.size
    out = {k: v[template].copy() for k, v in real.items()}
    out["kind"] = np.full(m, kind, dtype=np.int8)
    out["contact_idx"] = np.full(m, -1, dtype=np.int32)
    out["created_ms"] = created
    out["n_open"] = np.ones(m, dtype=np.int8)
    out["final_stage"] = np.full(m, -1, dtype=np.int8)
    out["closed_ms"] = np.full(m, -1, dtype=np.int64)
    out["close0_ms"] = (created - created % MS_PER_DAY) + rng.integers(14, 90, m) * MS_PER_DAY
    out["revised_ms"] = np.full(m, -1, dtype=np.int64)
    out["usd_final"] = out["usd_initial"]
    out["merged_into"] = np.full(m, -1, dtype=np.int64)
    return out


def _junk(rng: np.random.Generator, real: dict, cutoff: np.ndarray, m: int) -> dict:
    """Deals created by mistake (same rep and company as a real one) and deleted within days."""
    template = rng.choice(real["kind"].size, size=m, replace=False) if m else np.array([], int)
    created = real["created_ms"][template] + rng.integers(0, 2 * MS_PER_DAY, m)
    deleted = created + rng.integers(MS_PER_HOUR, 10 * MS_PER_DAY, m)
    keep = deleted < cutoff[template] - MS_PER_DAY
    template, created, deleted = template[keep], created[keep], deleted[keep]
    out = _derived(rng, real, template, created, kind=1)
    out["product_idx"] = rng.integers(0, len(PRODUCTS), template.size).astype(np.int8)
    out["usd_initial"] = np.maximum(
        (out["usd_initial"] * rng.uniform(0.5, 1.5, template.size)).astype(np.int64),
        MIN_AMOUNT_CENTS,
    )
    out["usd_final"] = out["usd_initial"]
    out["archived_ms"] = deleted
    return out


def _duplicates(rng: np.random.Generator, real: dict, cutoff: np.ndarray, m: int) -> dict:
    """Copies of real deals entered again by their rep and merged into the original soon after."""
    template = rng.choice(real["kind"].size, size=m, replace=False) if m else np.array([], int)
    created = real["created_ms"][template] + rng.integers(10 * MS_PER_MINUTE, 3 * MS_PER_DAY, m)
    merged = created + rng.integers(MS_PER_HOUR, 5 * MS_PER_DAY, m)
    survivor_open = _never(real["closed_ms"][template]) > merged
    keep = survivor_open & (merged < cutoff[template] - MS_PER_DAY)
    template, created, merged = template[keep], created[keep], merged[keep]
    out = _derived(rng, real, template, created, kind=2)
    out["archived_ms"] = merged
    out["merged_into"] = template.astype(np.int64)  # index into the real deals, remapped later
    return out


PARTNER_SHARE = 0.08


def partner_companies(
    rng: np.random.Generator, deals: pd.DataFrame, company_created_ms: np.ndarray
) -> np.ndarray:
    """A second company on some real deals (a reseller or partner, associated unlabeled beside
    the deal's primary company), -1 elsewhere: the deal still belongs to its primary company."""
    n = len(deals)
    created = deals["created_ms"].to_numpy()
    primary = deals["company_idx"].to_numpy()
    has = (deals["kind"].to_numpy() == 0) & (rng.random(n) < PARTNER_SHARE)
    # Companies are in creation order: those existing when the deal was created are a prefix.
    existing = np.searchsorted(company_created_ms, created, side="right")
    pick = (rng.random(n) * np.maximum(existing, 1)).astype(np.int64)
    pick = np.where(pick == primary, (pick + 1) % np.maximum(existing, 1), pick)
    ok = has & (existing >= 2) & (pick != primary)
    return np.where(ok, pick, -1).astype(np.int32)
