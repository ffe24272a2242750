"""The one-on-one brief of one rep, from the published marts: the rep's KPIs against the team's
median rep (sales.rep_coaching_insights) in the last complete period, the win rate with its
Wilson interval, the three largest gaps with the deals (or leads) behind them, and the
commitments of the rep's last one-on-one with their metric's movement since (sales.rep_commitments)."""

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from briefings.document import Document, Section, money, share

# Figures of rep_coaching_insights that have a better direction, so a distance from the team's
# median is a gap: (column, label, higher is better, unit).
GAP_FIGURES = (
    ("win_rate", "Win rate", True, "share"),
    ("stage_advance_rate", "Stage advance rate", True, "share"),
    ("lead_response_minutes_median", "Median lead response (minutes)", False, "number"),
    ("sales_cycle_days_median", "Median sales cycle (days)", False, "number"),
)
MIX_FIGURES = (
    ("call_share", "Calls"),
    ("email_share", "Emails"),
    ("meeting_share", "Meetings"),
    ("task_share", "Tasks"),
)
MONEY_METRICS = ("bookings", "open_pipeline")  # the rest of rep_commitments' metrics are counts
CONFIDENCE_Z = 1.96  # dbt var confidence_z's default: a 95 % interval, as in sales.win_drivers


class BriefError(ValueError):
    """An unknown rep or period."""


@dataclass(frozen=True)
class Gap:
    figure: str
    label: str
    rep_value: float
    team_median: float
    shortfall: float  # how much worse than the median, as a share of the median (0.25 = 25 %)


@dataclass(frozen=True)
class RepBrief:
    rep_id: str
    rep_name: str
    period_label: str
    figures: dict[str, object]
    gaps: list[Gap]
    evidence: dict[str, list[str]]  # per gap figure: the deals or leads behind it
    document: Document


def wilson_interval(won: int, closed: int, z: float = CONFIDENCE_Z) -> tuple[float, float] | None:
    """The Wilson score interval of won ÷ closed (macros/metrics/wilson_interval.sql)."""
    if not closed:
        return None
    p, n = won / closed, closed
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def gaps(figures: dict[str, object]) -> list[Gap]:
    """The rep's figures worse than the team median, largest shortfall first."""
    found = []
    for column, label, higher_is_better, _ in GAP_FIGURES:
        rep, median = figures.get(column), figures.get(f"team_median_{column}")
        if rep is None or median is None or not median:
            continue
        rep, median = float(rep), float(median)
        shortfall = (median - rep) / median if higher_is_better else (rep - median) / median
        if shortfall > 0:
            found.append(Gap(column, label, rep, median, shortfall))
    return sorted(found, key=lambda gap: gap.shortfall, reverse=True)


def rep_brief(serving: Path, rep: str, period_grain: str = "month") -> RepBrief:
    with duckdb.connect(str(serving), read_only=True) as con:
        rep_id, rep_name = _rep(con, rep)
        cursor = con.execute(
            "select * from sales.rep_coaching_insights where rep_id = ? and period_grain = ? "
            "and is_period_complete order by period_start_date desc limit 1",
            [rep_id, period_grain],
        )
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
        if row is None:
            raise BriefError(f"{rep_name} has no complete {period_grain} in the marts")
        figures = dict(zip(names, row, strict=True))
        performance = con.execute(
            "select won_deals, lost_deals, reporting_currency, period_end_date "
            "from sales.rep_performance where rep_id = ? and period_grain = ? "
            "and period_start_date = ?",
            [rep_id, period_grain, figures["period_start_date"]],
        ).fetchone()
        won, lost, currency, period_end = performance or (0, 0, "USD", None)
        figures.update(
            won_deals=won, lost_deals=lost, win_rate_interval=wilson_interval(won, won + lost)
        )
        figures["commitments"] = _commitments(con, rep_id)
        found = gaps(figures)[:3]
        evidence = {
            gap.figure: _evidence(
                con, gap.figure, rep_id, figures["period_start_date"], period_end, currency
            )
            for gap in found
        }
    document = _document(rep_name, figures, found, evidence)
    return RepBrief(rep_id, rep_name, figures["period_label"], figures, found, evidence, document)


def _rep(con, rep: str) -> tuple[str, str]:
    reps = con.execute(
        "select rep_id, rep_name from core.dim_reps where not is_unknown_member order by 2"
    ).fetchall()
    for rep_id, rep_name in reps:
        if rep in (rep_id, rep_name) or rep.casefold() == rep_name.casefold():
            return rep_id, rep_name
    raise BriefError(f"no rep {rep!r}; reps: " + ", ".join(f"{n} ({i})" for i, n in reps))


def _commitments(con, rep_id: str) -> list[dict]:
    """The commitments of the rep's latest one-on-one, as tracked in sales.rep_commitments."""
    cursor = con.execute(
        "select * from sales.rep_commitments where rep_id = ? and is_latest_one_on_one "
        "order by commitment_id",
        [rep_id],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _commitment_line(c: dict) -> str:
    def amount(value) -> str:
        if c["metric"] in MONEY_METRICS:
            return money(value, c["reporting_currency"])
        return "–" if value is None else f"{float(value):,.0f}"

    if c["metric"] in ("bookings", "won_deals", "activities"):
        progress = f"{c['metric'].replace('_', ' ')} since: {amount(c['value_now'])}"
    else:
        progress = (
            f"{c['metric'].replace('_', ' ')}: {amount(c['value_at_meeting'])} then, "
            f"{amount(c['value_now'])} now ({'+' if c['movement'] >= 0 else ''}"
            f"{amount(c['movement'])})"
        )
    if c["target_value"] is None:
        verdict = "no target"
    else:
        verdict = f"target {amount(c['target_value'])} {'met' if c['is_target_met'] else 'not met'}"
    return f"{c['commitment']} ({c['meeting_date']}): {progress}; {verdict}"


def _evidence(con, figure: str, rep_id: str, start: date, end: date, currency: str) -> list[str]:
    """The five deals (or leads) that weigh most on a gap in the period."""
    if figure == "win_rate":
        rows = con.execute(
            "select deal_name, amount_reporting, closed_date from core.fct_deals "
            "where owner_rep_id_at_close = ? and is_lost and closed_date between ? and ? "
            "order by amount_reporting desc nulls last, deal_id limit 5",
            [rep_id, start, end],
        ).fetchall()
        return [f"lost {name} ({money(amount, currency)}, {day})" for name, amount, day in rows]
    if figure == "sales_cycle_days_median":
        rows = con.execute(
            "select deal_name, sales_cycle_days, amount_reporting from core.fct_deals "
            "where owner_rep_id_at_close = ? and is_won and closed_date between ? and ? "
            "order by sales_cycle_days desc, deal_id limit 5",
            [rep_id, start, end],
        ).fetchall()
        return [f"won {name} after {days} days ({money(a, currency)})" for name, days, a in rows]
    if figure == "stage_advance_rate":
        rows = con.execute(
            "select deals.deal_name, history.stage_label, deals.amount_reporting "
            "from core.fct_deal_stage_history as history "
            "join core.fct_deals as deals on deals.deal_id = history.deal_id "
            "where history.owner_rep_id = ? and history.entered_date between ? and ? "
            "and history.is_current_stage and deals.status = 'open' "
            "order by deals.amount_reporting desc nulls last, deals.deal_id limit 5",
            [rep_id, start, end],
        ).fetchall()
        return [f"{name} still in {stage} ({money(a, currency)})" for name, stage, a in rows]
    rows = con.execute(
        "select lead_id, response_minutes from core.fct_leads "
        "where owner_rep_id = ? and created_date between ? and ? "
        "order by response_minutes desc nulls first, lead_id limit 5",
        [rep_id, start, end],
    ).fetchall()
    return [
        f"lead {lead}: "
        + ("unanswered" if minutes is None else f"answered after {minutes:,.0f} min")
        for lead, minutes in rows
    ]


def _value(unit: str, value) -> str:
    if value is None:
        return "–"
    return share(value) if unit == "share" else f"{float(value):,.1f}"


def _document(rep_name: str, f: dict, found: list[Gap], evidence: dict) -> Document:
    interval = f["win_rate_interval"]
    kpis = [
        f"{label}: {_value(unit, f[column])} (team median {_value(unit, f[f'team_median_{column}'])})"
        for column, label, _, unit in GAP_FIGURES
    ]
    if interval:
        kpis.append(
            f"Win rate 95% interval: {interval[0]:.1%}–{interval[1]:.1%} "
            f"({f['won_deals']} won of {f['won_deals'] + f['lost_deals']} closed)"
        )
    mix = [
        f"{label}: {share(f[column])} (team median {share(f[f'team_median_{column}'])})"
        for column, label in MIX_FIGURES
    ]
    gap_lines = []
    for gap in found:
        unit = next(u for c, _, _, u in GAP_FIGURES if c == gap.figure)
        gap_lines.append(
            f"{gap.label}: {_value(unit, gap.rep_value)} against {_value(unit, gap.team_median)} "
            f"({gap.shortfall:.0%} worse)" + "".join(f"; {e}" for e in evidence[gap.figure])
        )
    return Document(
        f"{rep_name}: one-on-one brief, {f['period_label']}",
        f"SalesPulse, the last complete {f['period_grain'].replace('_', ' ')} against "
        f"{f['team_name']}'s median rep.",
        [
            Section("KPIs against the team median", kpis),
            Section("Activity mix", mix),
            Section("Largest gaps, and the deals behind them", gap_lines),
            Section(
                "Commitments from the last one-on-one",
                [_commitment_line(c) for c in f["commitments"]]
                or ["none recorded (no one-on-one notes for this rep)"],
            ),
        ],
    )
