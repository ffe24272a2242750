"""The answers the warehouse must reproduce, computed straight from the generated arrays as seen
at the company's clock (never from the export files, so tests can recompute them from the files
independently).

Definitions follow docs/metrics.md; where the design leaves a choice open:
- bookings are in the reporting currency USD: each deal's amount times the FX rate of its close
  date (exact decimal product), summed, then rounded half-even to cents once per rep-month;
- a lead is an inbound lead: existing customers and contacts the reps created themselves are
  contacts, not leads, and count in neither lead response nor conversion;
- a lead's first response is the earliest rep touch associated with the lead at or after its
  creation and by the clock: an outbound call or email when it took place, a meeting when the rep
  booked it (or when it took place, if it was logged afterwards); a meeting the prospect booked
  on a scheduling page, tasks and inbound activities are not responses; unanswered leads are
  counted apart;
- lead conversion counts leads whose deal was created within `window_days` of the lead, as far
  as known at the clock (recent leads may still convert);
- survey figures of a team-wave with fewer than the anonymity threshold responses carry
  is_suppressed = true (the raw value stays in the truth file, the marts must hide it);
- a pulse question's mean is on its own scale, and its favourable answers are those above the
  scale's midpoint (4-5 of 1-5, 5-7 of 1-7, 6-10 of 0-10).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator import state
from simulator.activities import BOOKED_BY_REP, CALL, EMAIL, MEETING, OUTBOUND
from simulator.contacts import INBOUND_LEAD
from simulator.stages import LOST, WON
from simulator.surveys import ANONYMITY_THRESHOLD, ENPS, PULSE
from simulator.tables import quota_rows, sent_team_waves, submitted_responses
from simulator.timeutil import MS_PER_DAY, MS_PER_MINUTE, month_index, month_index_to_ms

if TYPE_CHECKING:
    from simulator.company import Company

_CENT = Decimal("0.01")
_MICRO_CENTS = Decimal(100_000_000)  # amount cents x rate millionths -> dollars
TRUTH_FILES = (
    "rep_monthly", "lead_response", "enps", "pulse", "quota_attainment", "account_performance",
    "pipeline_waterfall",
)  # fmt: skip


def _dollars(micro_cents: int) -> Decimal:
    return (Decimal(int(micro_cents)) / _MICRO_CENTS).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _month_dates(month: np.ndarray) -> list:
    return [m.date() for m in pd.to_datetime(month_index_to_ms(np.asarray(month)), unit="ms")]


def rep_monthly(company: Company) -> pd.DataFrame:
    w, clock = company.world, company.clock_ms
    rows = state.deal_rows(w, clock, archived=False)
    st = state.deal_state(w, rows, clock)
    closed = st["closed_ms"] >= 0
    rows, when = rows[closed], st["closed_ms"][closed]
    stage = st["stage_idx"][closed]
    rate = w.fx_rate_micro(when, w.d["currency_idx"][rows])
    micro = st["amount"][closed].astype(np.int64) * rate
    frame = pd.DataFrame(
        {
            # Bookings go to the owner when the deal closed, not to whoever owns it now.
            "owner_idx": state.owner_rows_at(w.d, rows, when),
            "month": month_index(when),
            "won_micro": np.where(stage == WON, micro, 0),
            "lost_micro": np.where(stage == LOST, micro, 0),
            "won_deals": (stage == WON).astype(np.int64),
            "lost_deals": (stage == LOST).astype(np.int64),
        }
    )
    grouped = frame.groupby(["owner_idx", "month"], sort=False).sum().reset_index()
    result = pd.DataFrame(
        {
            "rep_id": w.o["id"][grouped["owner_idx"].to_numpy()],
            "month_start": _month_dates(grouped["month"].to_numpy()),
            "bookings": [_dollars(c) for c in grouped["won_micro"]],
            "won_deals": grouped["won_deals"].astype(int),
            "lost_deals": grouped["lost_deals"].astype(int),
            "lost_amount": [_dollars(c) for c in grouped["lost_micro"]],
        }
    )
    return result.sort_values(["rep_id", "month_start"], ignore_index=True)


def first_responses(company: Company) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the inbound leads visible at the clock, first response time per lead or -1)."""
    w, clock = company.world, company.clock_ms
    n_contacts = state.visible_count(w.c["created_ms"], clock)
    n_acts = state.visible_count(w.e["created_ms"], clock)
    e = w.e
    kind, direction = e["kind"][:n_acts], e["direction"][:n_acts]
    contact, ts = e["contact_idx"][:n_acts], e["ts_ms"][:n_acts]
    meeting = (kind == MEETING) & (e["booked_by"][:n_acts] == BOOKED_BY_REP)
    # A call or email touches the lead when it happens, a meeting when the rep books it.
    touch = np.where(meeting, np.minimum(e["created_ms"][:n_acts], ts), ts)
    outbound = ((kind == CALL) | (kind == EMAIL)) & (direction == OUTBOUND) | meeting
    ok = outbound & (contact >= 0) & (touch <= clock)
    ok[ok] &= touch[ok] >= w.c["created_ms"][contact[ok]]
    never = np.iinfo(np.int64).max
    first = np.full(n_contacts, never)
    np.minimum.at(first, contact[ok], touch[ok])
    leads = np.flatnonzero(w.c["kind"][:n_contacts] == INBOUND_LEAD)
    return leads, np.where(first[leads] == never, -1, first[leads])


def lead_response(company: Company, sla_minutes: int, window_days: int) -> pd.DataFrame:
    w, clock = company.world, company.clock_ms
    rows, first = first_responses(company)
    created = w.c["created_ms"][rows]
    answered = first >= 0
    minutes = np.where(answered, (first - created) / MS_PER_MINUTE, np.nan)
    converted = state.contact_state(w, rows, clock)["converted_ms"]
    in_window = (converted >= 0) & (converted - created <= window_days * MS_PER_DAY)
    frame = pd.DataFrame(
        {
            "owner_idx": w.c["owner_idx"][rows],
            "month": month_index(created),
            "answered": answered.astype(np.int64),
            "minutes": minutes,
            "within": (answered & (minutes <= sla_minutes)).astype(np.int64),
            "converted": in_window.astype(np.int64),
        }
    )
    g = frame.groupby(["owner_idx", "month"], sort=True)
    out = g.agg(
        leads_created=("answered", "size"),
        leads_answered=("answered", "sum"),
        median_response_minutes=("minutes", "median"),
        answered_within_sla=("within", "sum"),
        leads_converted=("converted", "sum"),
    ).reset_index()
    out["leads_unanswered"] = out["leads_created"] - out["leads_answered"]
    out["share_within_sla"] = out["answered_within_sla"] / out["leads_created"]
    out["conversion_rate"] = out["leads_converted"] / out["leads_created"]
    result = pd.DataFrame(
        {
            "rep_id": w.o["id"][out["owner_idx"].to_numpy()],
            "month_start": _month_dates(out["month"].to_numpy()),
            "leads_created": out["leads_created"].astype(int),
            "leads_answered": out["leads_answered"].astype(int),
            "leads_unanswered": out["leads_unanswered"].astype(int),
            "median_response_minutes": out["median_response_minutes"],
            "answered_within_sla": out["answered_within_sla"].astype(int),
            "share_within_sla": out["share_within_sla"],
            "leads_converted": out["leads_converted"].astype(int),
            "conversion_rate": out["conversion_rate"],
        }
    )
    return result.sort_values(["rep_id", "month_start"], ignore_index=True)


def _team_wave_base(company: Company, survey_idx: int) -> pd.DataFrame:
    tw = sent_team_waves(company)
    tw = tw[tw["survey_idx"] == survey_idx]
    return pd.DataFrame(
        {
            "team_wave": tw.index.to_numpy(),
            "survey_id": (PULSE, ENPS)[survey_idx].form_id,
            "wave": tw["wave"].to_numpy(),
            "team_id": company.teams["id"].to_numpy()[tw["team_idx"].to_numpy()],
            "invited": tw["invited"].to_numpy().astype(int),
        }
    )


def enps(company: Company, threshold: int) -> pd.DataFrame:
    base = _team_wave_base(company, 1)
    r = submitted_responses(company)
    r = r[r["survey_idx"] == 1]
    score = r["a0"].to_numpy()
    counts = (
        pd.DataFrame(
            {
                "team_wave": r["team_wave"].to_numpy(),
                "responses": 1,
                "promoters": (score >= 9).astype(int),
                "passives": ((score >= 7) & (score <= 8)).astype(int),
                "detractors": (score <= 6).astype(int),
            }
        )
        .groupby("team_wave")
        .sum()
    )
    out = base.merge(counts, left_on="team_wave", right_index=True, how="left")
    for col in ("responses", "promoters", "passives", "detractors"):
        out[col] = out[col].fillna(0).astype(int)
    n = out["responses"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["enps"] = np.where(
            n > 0, 100.0 * (out["promoters"] - out["detractors"]).to_numpy() / n, np.nan
        )
        invited = out["invited"].to_numpy()
        out["response_rate"] = np.where(invited > 0, n / invited, np.nan)
    out["is_suppressed"] = n < threshold
    out = out.drop(columns="team_wave")
    return out.sort_values(["wave", "team_id"], ignore_index=True)


def pulse(company: Company, threshold: int) -> pd.DataFrame:
    base = _team_wave_base(company, 0)
    r = submitted_responses(company)
    r = r[r["survey_idx"] == 0]
    parts = []
    for q_idx, q in enumerate(PULSE.numeric):
        score = r[f"a{q_idx}"].to_numpy().astype(float)
        stats = (
            pd.DataFrame(
                {
                    "team_wave": r["team_wave"].to_numpy(),
                    "score": score,
                    "favourable": q.favourable(score).astype(float),
                }
            )
            .groupby("team_wave")
            .agg(
                responses=("score", "size"),
                mean_score=("score", "mean"),
                favourable_share=("favourable", "mean"),
            )
        )
        part = base.merge(stats, left_on="team_wave", right_index=True, how="left")
        part["question_id"] = q.field_id
        part["ref"] = q.ref
        part["scale_min"], part["scale_max"] = q.scale
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["responses"] = out["responses"].fillna(0).astype(int)
    out["is_suppressed"] = out["responses"] < threshold
    out = out.drop(columns="team_wave")
    columns = ["survey_id", "wave", "team_id", "question_id", "ref", "scale_min", "scale_max"]
    columns += ["invited", "responses"]
    out = out[[*columns, "mean_score", "favourable_share", "is_suppressed"]]
    return out.sort_values(["wave", "team_id", "ref"], ignore_index=True)


def account_performance(company: Company) -> pd.DataFrame:
    """Per company, over every live deal whose primary company it is (a partner company on a
    deal gets nothing): won and lost deals and bookings (USD at the close date's rate) up to the
    clock, and the deals open at the clock with their amount (USD at the creation date's rate)."""
    w, clock = company.world, company.clock_ms
    rows = state.deal_rows(w, clock, archived=False)
    st = state.deal_state(w, rows, clock)
    currency = w.d["currency_idx"][rows]
    closed = st["closed_ms"] >= 0
    when = np.where(closed, st["closed_ms"], w.d["created_ms"][rows])
    micro = st["amount"].astype(np.int64) * w.fx_rate_micro(when, currency)
    stage = st["stage_idx"]
    frame = pd.DataFrame(
        {
            "company_idx": w.d["company_idx"][rows],
            "won_deals": (closed & (stage == WON)).astype(np.int64),
            "lost_deals": (closed & (stage == LOST)).astype(np.int64),
            "open_deals": (~closed).astype(np.int64),
            "won_micro": np.where(closed & (stage == WON), micro, 0),
            "open_micro": np.where(~closed, micro, 0),
        }
    )
    grouped = frame.groupby("company_idx").sum()
    return pd.DataFrame(
        {
            "company_id": w.company_ids[grouped.index.to_numpy()].astype(str),
            "won_deals": grouped["won_deals"].astype(int).to_numpy(),
            "lost_deals": grouped["lost_deals"].astype(int).to_numpy(),
            "bookings": [_dollars(c) for c in grouped["won_micro"]],
            "open_deals": grouped["open_deals"].astype(int).to_numpy(),
            "open_pipeline": [_dollars(c) for c in grouped["open_micro"]],
        }
    ).sort_values("company_id", ignore_index=True)


def quota_attainment(company: Company) -> pd.DataFrame:
    plan = quota_rows(company)
    ids = company.owners["id"].to_numpy()
    quota = pd.DataFrame(
        {
            "rep_id": ids[plan["owner_idx"].to_numpy()],
            "month_start": _month_dates(plan["month"].to_numpy()),
            "quota": [Decimal(int(c)) / 100 for c in plan["target_cents"]],
        }
    )
    booked = rep_monthly(company)[["rep_id", "month_start", "bookings"]]
    out = quota.merge(booked, on=["rep_id", "month_start"], how="left")
    out["bookings"] = [b if isinstance(b, Decimal) else Decimal("0.00") for b in out["bookings"]]
    out["quota"] = [q.quantize(_CENT) for q in out["quota"]]
    out["attainment"] = [float(b / q) for b, q in zip(out["bookings"], out["quota"], strict=True)]
    out = out[["rep_id", "month_start", "bookings", "quota", "attainment"]]
    return out.sort_values(["rep_id", "month_start"], ignore_index=True)


WATERFALL_MOVEMENTS = (
    "created", "reopened", "increased", "decreased", "pulled_in", "pushed_out", "won", "lost",
    "transferred_in", "transferred_out",
)  # fmt: skip
_GRAINS = ("week", "month", "fiscal_quarter")


def _period_starts(days: np.ndarray, grain: str, fiscal_start_month: int) -> np.ndarray:
    """First day (days since 1970) of the period of each day: ISO week, month, fiscal quarter."""
    days = np.asarray(days, dtype=np.int64)
    if grain == "week":
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if grain == "fiscal_quarter":
        month = month - (month - (fiscal_start_month - 1)) % 3
    return month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _period_ends(starts: np.ndarray, grain: str) -> np.ndarray:
    if grain == "week":
        return starts + 6
    months = 1 if grain == "month" else 3
    first = starts.astype("datetime64[D]").astype("datetime64[M]") + months
    return first.astype("datetime64[D]").astype(np.int64) - 1


def pipeline_waterfall(company: Company, fiscal_year_start_month: int = 1) -> pd.DataFrame:
    """The pipeline waterfall per owner and period (ISO week, month, fiscal quarter) up to the
    clock's day, in USD, recomputed from the deals' change events.

    Definitions (docs/metrics.md, sales.pipeline_waterfall): a deal's state at the end of each
    UTC day is its stage, amount, expected close date and owner then (a closed deal keeps the
    owner it closed with); its value is its amount at the rate of its close date, or of its
    creation date while open, to the cent. The pipeline of a period is the open deals expected
    to close by its last day. Each day a deal changes, in this order: a new owner takes its
    value over (transferred out / in), a new amount changes it (increased / decreased), a close
    date crossing the period's end moves it in or out (pulled in / pushed out), a close takes
    it out (won / lost); a deal created that day enters (created), a closed deal reopened
    re-enters (reopened). Opening = pipeline at the end of the day before the period, closing =
    at the end of its last day (the clock's day for the period in progress); opening + every
    movement = closing, per owner. Live deals only (not archived at the clock). Movements out
    of the pipeline are negative.
    """
    states, today = _daily_states(company)
    row, day = states["row"].to_numpy(), states["day"].to_numpy()
    first = np.r_[True, row[1:] != row[:-1]]
    shift = np.r_[0, np.arange(len(states) - 1)]  # the previous state of the same deal
    is_open, close_day = states["is_open"].to_numpy(), states["close_day"].to_numpy()
    value, owner = states["value"].to_numpy(), states["owner"].to_numpy()
    p_open = ~first & is_open[shift]
    p_value, p_owner, p_close = value[shift], owner[shift], close_day[shift]
    closes = ~is_open & (first | p_open)
    won = states["is_won"].to_numpy()
    keys = row * _KEY + day

    frames = []
    for grain in _GRAINS:
        start = _period_starts(day, grain, fiscal_year_start_month)
        end = _period_ends(start, grain)
        cur_in = (is_open & (close_day <= end)) | closes
        p_in = p_open & (p_close <= end)
        delta = value - p_value
        moved = p_in & (owner != p_owner)
        moves = {
            "created": (first & cur_in, owner, value),
            "reopened": (~first & ~p_open & is_open & cur_in, owner, value),
            "transferred_out": (moved, p_owner, -p_value),
            "transferred_in": (moved, owner, p_value),
            "increased": (p_in & (delta > 0), owner, delta),
            "decreased": (p_in & (delta < 0), owner, delta),
            "pulled_in": (p_open & ~p_in & cur_in, owner, value),
            "pushed_out": (p_in & ~cur_in, owner, -value),
            "won": (closes & won, owner, -value),
            "lost": (closes & ~won, owner, -value),
        }
        parts = [
            pd.DataFrame(
                {"owner": who[mask], "start": start[mask], "movement": kind, "cents": c[mask]}
            )
            for kind, (mask, who, c) in moves.items()
        ]
        m = pd.concat(parts, ignore_index=True).groupby(["owner", "start", "movement"])["cents"]
        m = m.sum().unstack("movement").reindex(columns=list(WATERFALL_MOVEMENTS)).fillna(0)

        # Opening and closing: every deal's state at the end of the day before each period and
        # at the end of its last day (the clock's day at most), from its last change by then.
        starts = np.unique(
            _period_starts(np.arange(day.min(), today + 1), grain, fiscal_year_start_month)
        )
        ends = _period_ends(starts, grain)
        deals, first_at = np.unique(row, return_index=True)
        balances = []
        for label, at in (("opening", starts - 1), ("closing", np.minimum(ends, today))):
            # Only the periods whose probe day falls in the deal's life can hold it.
            lo = np.searchsorted(at, day[first_at], "left")
            hi = np.searchsorted(at, _last_open_day(states, first_at, today), "right")
            count = np.maximum(hi - lo, 0)
            probe_row = np.repeat(deals, count)
            period = np.repeat(lo - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(count.sum())
            idx = np.searchsorted(keys, probe_row * _KEY + at[period], "right") - 1
            inside = is_open[idx] & (close_day[idx] <= ends[period])
            balance = pd.DataFrame(
                {
                    "owner": owner[idx][inside],
                    "start": starts[period][inside],
                    "cents": value[idx][inside],
                }
            )
            balances.append(
                balance.groupby(["owner", "start"])["cents"].sum().rename(f"{label}_pipeline")
            )
        frame = pd.concat([balances[0], m, balances[1]], axis=1).fillna(0).astype(np.int64)
        frame.index.names = ["owner", "start"]
        frame = frame.reset_index()
        frame["period_grain"] = grain
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    w = company.world
    out["rep_id"] = w.o["id"][out["owner"].to_numpy()]
    out["period_start"] = out["start"].to_numpy().astype("datetime64[D]").astype(object)
    money = ["opening_pipeline", *WATERFALL_MOVEMENTS, "closing_pipeline"]
    for column in money:
        out[column] = [Decimal(int(c)) / 100 for c in out[column]]
    out = out[["rep_id", "period_grain", "period_start", *money]]
    return out.sort_values(["period_grain", "rep_id", "period_start"], ignore_index=True)


def _last_open_day(states: pd.DataFrame, first_at: np.ndarray, today: int) -> np.ndarray:
    """Per deal (states sorted by deal, first_at its first state): the last day it was open at
    the end of (the day before its close), or the clock's day while it is open."""
    closed = ~states["is_open"].to_numpy()
    # A closed deal's first closed state is its close day; its states after that stay closed.
    close_day = np.full(first_at.size, today + 1, dtype=np.int64)
    where = np.flatnonzero(closed)
    deal_of = np.searchsorted(first_at, where, "right") - 1
    np.minimum.at(close_day, deal_of, states["day"].to_numpy()[where])
    return close_day - 1


_KEY = 1 << 20  # day numbers stay below it: (row, day) as one sortable integer


def _daily_states(company: Company) -> tuple[pd.DataFrame, int]:
    """Each live deal's state at the end of every UTC day on which it changed, up to the clock's
    day (sorted by deal and day): is_open, is_won (how it closed), value (cents USD), owner
    (owner row; the owner at the close once closed) and close_day (its expected close date, days
    since 1970). Returns (states, the clock's day)."""
    w, clock = company.world, company.clock_ms
    rows = state.deal_rows(w, clock, archived=False)
    st = state.deal_state(w, rows, clock)
    today = clock // MS_PER_DAY
    ev = state.deal_history_events(w, rows, clock)
    ev = ev[ev["property"] != "hs_forecast_category"].copy()
    ev["day"] = ev["changed_ms"].to_numpy() // MS_PER_DAY
    last = ev.groupby(["row", "day", "property"], sort=True)["value"].last().unstack("property")
    states = last.reset_index()
    for prop in ("amount", "closedate", "hubspot_owner_id"):
        states[prop] = states.groupby("row")[prop].ffill()
    position = pd.Series(np.arange(rows.size), index=rows)[states["row"]].to_numpy()
    closed = st["closed_ms"][position]
    states["is_open"] = (closed < 0) | (states["day"].to_numpy() < closed // MS_PER_DAY)
    states["is_won"] = st["stage_idx"][position] == WON
    at_close = state.owner_rows_at(w.d, rows[position], np.maximum(closed, 0))
    states["owner"] = np.where(
        states["is_open"], states["hubspot_owner_id"].to_numpy(), at_close
    ).astype(np.int64)
    rate_ms = np.where(closed >= 0, closed, w.d["created_ms"][rows[position]])
    rate = w.fx_rate_micro(rate_ms, w.d["currency_idx"][rows[position]])
    micro = states["amount"].to_numpy().astype(np.int64) * rate
    states["value"] = (micro + 500_000) // 1_000_000  # cents, half away from zero (amounts >= 0)
    states["close_day"] = states["closedate"].to_numpy().astype(np.int64) // MS_PER_DAY
    states = states[states["day"] <= today]
    columns = ["row", "day", "is_open", "is_won", "value", "owner", "close_day"]
    return states[columns].reset_index(drop=True), int(today)


def write_all(company: Company, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    frames = {
        "rep_monthly": company.truth_rep_monthly(),
        "lead_response": company.truth_lead_response(),
        "enps": company.truth_enps(),
        "pulse": company.truth_pulse(),
        "quota_attainment": company.truth_quota_attainment(),
        "account_performance": company.truth_account_performance(),
        "pipeline_waterfall": company.truth_pipeline_waterfall(),
    }
    paths = {}
    for name, frame in frames.items():
        path = directory / f"truth_{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        paths[name] = path
    return paths


__all__ = ["ANONYMITY_THRESHOLD", "TRUTH_FILES", "write_all"]
