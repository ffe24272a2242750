"""The weekly digest of one team for its manager, every figure read from the published marts:
the week's bookings, the fiscal quarter's bookings against quota and pace, the pipeline and its
movement since the week before, the forecast against the plan, the reps needing attention (open
alerts), and the team's eNPS and pulse where the anonymity threshold allows."""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from briefings.document import (
    Document,
    Section,
    money,
    ratio,
    share,
    signed_money,
    write_document,
)


class DigestError(ValueError):
    """An unknown team or week; the message says what exists."""


@dataclass(frozen=True)
class TeamDigest:
    team_id: str
    team_name: str
    week_label: str
    as_of: date
    figures: dict[str, object]  # every number shown, by name, as the marts hold it
    document: Document


def week_bounds(label: str) -> tuple[date, date]:
    """`2026-W26` → its Monday and Sunday (ISO weeks, as the marts' period_label)."""
    try:
        year, week = label.split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise DigestError(f"week {label!r} is not an ISO week such as 2026-W26") from None
    return start, start + timedelta(days=6)


def last_complete_week(as_of: date) -> str:
    end = as_of if as_of.isoweekday() == 7 else as_of - timedelta(days=as_of.isoweekday())
    year, week, _ = end.isocalendar()
    return f"{year}-W{week:02d}"


def team_digest(serving: Path, team: str, week: str | None = None) -> TeamDigest:
    """The digest of `team` (id or name) for ISO `week` (default: the last complete week)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        (as_of,) = con.execute(
            "select max(date_day) from core.dim_dates where not is_after_as_of_date"
        ).fetchone()
        team_id, team_name = _team(con, team)
        week = week or last_complete_week(as_of)
        week_start, week_end = week_bounds(week)
        if week_start > as_of:
            raise DigestError(f"week {week} starts after the as-of date {as_of} of the marts")
        day = min(week_end, as_of)
        figures = {
            **_week(con, team_id, week),
            **_quarter(con, team_id, day),
            **_pipeline(con, team_id, day),
            **_forecast(con, team_id),
            **_people(con, team_id, day),
        }
        coverage = con.execute(
            "select rep_name, fiscal_quarter_coverage from sales.pipeline_coverage_daily "
            "where team_id = ? and snapshot_date = ? order by rep_name",
            [team_id, day],
        ).fetchall()
        alerts = _open_alerts(con, team_id)
    figures["rep_coverage"] = dict(coverage)
    document = _document(team_name, week, as_of, day, figures, alerts)
    return TeamDigest(team_id, team_name, week, as_of, figures, document)


def write_digest(digest: TeamDigest, home: Path) -> tuple[Path, Path]:
    """`<home>/digests/<team id>/<week>.md` and `.html`."""
    return write_document(digest.document, home / "digests" / digest.team_id, digest.week_label)


def _team(con, team: str) -> tuple[str, str]:
    teams = con.execute(
        "select team_id, team_name from core.dim_teams where not is_unknown_member order by 2"
    ).fetchall()
    for team_id, team_name in teams:
        if team in (team_id, team_name) or team.casefold() == team_name.casefold():
            return team_id, team_name
    known = ", ".join(f"{name} ({team_id})" for team_id, name in teams)
    raise DigestError(f"no team {team!r}; teams: {known}")


def _row(con, sql: str, params: list, prefix: str) -> dict[str, object]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone()
    return {f"{prefix}{name}": (row[i] if row else None) for i, name in enumerate(names)}


def _week(con, team_id: str, week: str) -> dict[str, object]:
    return _row(
        con,
        "select reporting_currency as currency, bookings, won_deals, lost_deals, win_rate, "
        "leads_created, lead_response_sla_share, activities from sales.team_performance "
        "where team_id = ? and period_grain = 'week' and period_label = ?",
        [team_id, week],
        "week_",
    )


def _quarter(con, team_id: str, day: date) -> dict[str, object]:
    return _row(
        con,
        "select period_label as label, is_period_complete, days_elapsed_in_period, "
        "days_in_period, bookings, quota, quota_attainment, prorated_quota, "
        "prorated_quota_attainment from sales.team_performance "
        "where team_id = ? and period_grain = 'fiscal_quarter' "
        "and period_start_date <= ? and period_end_date >= ?",
        [team_id, day, day],
        "quarter_",
    )


def _pipeline(con, team_id: str, day: date) -> dict[str, object]:
    sql = (
        "select coalesce(sum(open_deals), 0) as open_deals, "
        "coalesce(sum(open_pipeline), 0) as open_pipeline, "
        "sum(weighted_pipeline) as weighted_pipeline, "
        "coalesce(sum(pipeline_closing_this_fiscal_quarter), 0) as closing_this_fiscal_quarter "
        "from sales.pipeline_snapshot_daily where team_id = ? and snapshot_date = ?"
    )
    now = _row(con, sql, [team_id, day], "pipeline_")
    before = _row(con, sql, [team_id, day - timedelta(days=7)], "pipeline_week_before_")
    return {**now, **before}


def _forecast(con, team_id: str) -> dict[str, object]:
    """The quarter holding the as-of date: weighted forecast against the quarter's quota."""
    return _row(
        con,
        "select forecast.forecast_bookings, performance.quota as plan, "
        "performance.period_label as quarter_label "
        "from sales.pipeline_weighted_forecast as forecast "
        "left join sales.team_performance as performance "
        "on performance.team_id = forecast.team_id and performance.period_grain = 'fiscal_quarter' "
        "and performance.period_start_date = forecast.quarter_start_date "
        "where forecast.forecast_level = 'team' and forecast.team_id = ? "
        "and forecast.is_current_quarter",
        [team_id],
        "forecast_",
    )


def _people(con, team_id: str, day: date) -> dict[str, object]:
    """The team's last two waves of eNPS and of pulse, NULL where suppressed (the marts')."""
    enps = con.execute(
        "select survey_id || ' wave ' || wave, enps, is_suppressed from people.enps_by_team_wave "
        "where team_id = ? and opened_date <= ? order by opened_date desc limit 2",
        [team_id, day],
    ).fetchall()
    pulse = con.execute(
        "select survey_id || ' wave ' || wave, pulse_score_index, is_suppressed "
        "from people.team_engagement_vs_performance "
        "where team_id = ? and survey_kind = 'pulse' and opened_date <= ? "
        "order by opened_date desc limit 2",
        [team_id, day],
    ).fetchall()
    return {"enps_waves": enps, "pulse_waves": pulse}


def _open_alerts(con, team_id: str) -> list[tuple[str, str]]:
    """(level, message) of the team's open alerts; none when no alert state is published."""
    published = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'alerts' and table_name = 'alerts'"
    ).fetchone()[0]
    if not published:
        return []
    return con.execute(
        "select level, message from alerts.alerts where status = 'open' and team_id = ? "
        "order by level, severity, message",
        [team_id],
    ).fetchall()


def _document(team_name, week, as_of, day, figures, alerts) -> Document:
    f = figures
    currency = f["week_currency"] or "USD"
    quarter_state = (
        "complete"
        if f["quarter_is_period_complete"]
        else f"to {as_of}: day {f['quarter_days_elapsed_in_period']} of "
        f"{f['quarter_days_in_period']}"
    )
    movement = (
        f["pipeline_open_pipeline"] - f["pipeline_week_before_open_pipeline"]
        if f["pipeline_week_before_open_pipeline"] is not None
        else None
    )
    forecast_vs_plan = (
        f["forecast_forecast_bookings"] / f["forecast_plan"] if f["forecast_plan"] else None
    )
    sections = [
        Section(
            f"Week {week}",
            [
                f"Bookings: {money(f['week_bookings'], currency)} "
                f"({f['week_won_deals'] or 0} won, {f['week_lost_deals'] or 0} lost, "
                f"win rate {share(f['week_win_rate'])})",
                f"Leads: {f['week_leads_created'] or 0}, answered within the SLA "
                f"{share(f['week_lead_response_sla_share'])}",
                f"Activities: {f['week_activities'] or 0}",
            ],
        ),
        Section(
            f"Bookings vs quota, {f['quarter_label']} ({quarter_state})",
            [
                f"Bookings: {money(f['quarter_bookings'], currency)} of a quota of "
                f"{money(f['quarter_quota'], currency)}: attainment "
                f"{share(f['quarter_quota_attainment'])}",
                f"Pace: {ratio(f['quarter_prorated_quota_attainment'])} of the quota due by now "
                f"({money(f['quarter_prorated_quota'], currency)})",
            ],
        ),
        Section(
            f"Pipeline on {day}",
            [
                f"Open: {money(f['pipeline_open_pipeline'], currency)} in "
                f"{f['pipeline_open_deals']} deals ({signed_money(movement, currency)} since "
                f"{day - timedelta(days=7)})",
                f"Weighted: {money(f['pipeline_weighted_pipeline'], currency)}; closing this "
                f"fiscal quarter: {money(f['pipeline_closing_this_fiscal_quarter'], currency)}",
                *[
                    f"{rep}: coverage of the quarter's remaining quota {ratio(coverage)}"
                    for rep, coverage in f["rep_coverage"].items()
                ],
            ],
        ),
        Section(
            f"Forecast vs plan, {f['forecast_quarter_label'] or 'current quarter'}",
            [
                f"Weighted forecast {money(f['forecast_forecast_bookings'], currency)} against a "
                f"plan of {money(f['forecast_plan'], currency)} ({share(forecast_vs_plan)})"
            ],
        ),
        Section("Reps needing attention", [message for level, message in alerts if level == "rep"]),
        Section("Open alerts", [message for level, message in alerts if level != "rep"]),
        Section(
            "Engagement",
            _waves("eNPS", f["enps_waves"]) + _waves("Pulse score index", f["pulse_waves"]),
        ),
    ]
    return Document(
        f"{team_name}: weekly digest {week}",
        f"SalesPulse, figures as published for the as-of date {as_of}.",
        sections,
    )


def _waves(label: str, waves: list[tuple]) -> list[str]:
    lines = []
    for (wave, value, suppressed), previous in zip(waves, [*waves[1:], None], strict=False):
        if suppressed:
            lines.append(
                f"{label} {wave}: not shown (fewer responses than the anonymity threshold)"
            )
            continue
        change = ""
        if previous is not None and not previous[2]:
            change = f", {value - previous[1]:+.1f} since {previous[0]}"
        lines.append(f"{label} {wave}: {value:.1f}{change}")
    return lines
