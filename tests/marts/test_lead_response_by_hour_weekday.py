"""sales.lead_response_by_hour_weekday against pandas on the demo company's export files, built
with a reporting time zone that is not UTC and moves with summer time (America/Los_Angeles): every
lead's first response is computed here from the raw export, its weekday and hour from
`tz_convert`, and each company, team and rep cell of every month must equal the mart's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    MAPPINGS,
    assert_close,
    export_simulator,
    load_files,
    read,
    read_csv,
    rep_ids,
    run_dbt,
    utc,
)

pytestmark = pytest.mark.integration

SEED, SCALE, AS_OF = 11, "tiny", "2026-06-30"
TIME_ZONE = "America/Los_Angeles"
SLA_MINUTES = 60
KEYS = ["month", "day_of_week", "hour_of_day"]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_simulator(tmp_path_factory.mktemp("export"), SEED, SCALE, AS_OF)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, export_dir: Path) -> Path:
    work = tmp_path_factory.mktemp("lead_hours")
    home = work / "warehouse"
    load_files(home, MAPPINGS / "salespulse_export.yml", base_dir=export_dir)
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": AS_OF, "reporting_timezone": TIME_ZONE}
    run_dbt(
        home,
        "build",
        "--select",
        "+lead_response_by_hour_weekday +rep_performance",
        "--indirect-selection",
        "cautious",
        "--exclude",
        "tag:forecast+",
        dbt_vars=dbt_vars,
        work_dir=work,
    )
    return home


def expected_leads(export_dir: Path) -> pd.DataFrame:
    """Each lead of the export with its first response, from the raw files: an outbound call or
    email when it took place, a meeting when the rep booked it (or took place, if earlier), never
    one the prospect booked; at or after the lead's creation and by the as-of date (reporting
    time zone)."""
    leads = read_csv(export_dir, "contacts")
    leads["created_at"] = utc(leads["created_at"])
    acts = read_csv(export_dir, "activities")
    acts["occurred_at"] = utc(acts["occurred_at"])
    meeting = acts["type"] == "meeting"
    booked = utc(acts["created_at"])
    acts.loc[meeting, "occurred_at"] = acts.loc[meeting, "occurred_at"].where(
        acts.loc[meeting, "occurred_at"] <= booked[meeting], booked[meeting]
    )
    responses = acts[
        (acts["type"].isin(["call", "email"]) & (acts["direction"] == "outbound"))
        | (meeting & (acts["direction"] != "inbound"))
    ]
    local_day = responses["occurred_at"].dt.tz_convert(TIME_ZONE).dt.strftime("%Y-%m-%d")
    responses = responses[local_day <= AS_OF]
    joined = responses.merge(
        leads[["contact_id", "created_at"]].rename(columns={"created_at": "lead_created_at"}),
        on="contact_id",
    )
    joined = joined[joined["occurred_at"] >= joined["lead_created_at"]]
    first = leads["contact_id"].map(joined.groupby("contact_id")["occurred_at"].min())
    leads["minutes"] = (first - leads["created_at"]).dt.total_seconds() / 60
    leads["answered"] = first.notna()
    leads["within_sla"] = leads["minutes"] <= SLA_MINUTES
    local = leads["created_at"].dt.tz_convert(TIME_ZONE)
    leads["month"] = local.dt.strftime("%Y-%m")
    leads["day_of_week"] = local.dt.dayofweek + 1  # ISO: Monday = 1
    leads["hour_of_day"] = local.dt.hour
    leads["rep_id"] = rep_ids(leads["owner_id"])
    teams = read_csv(export_dir, "reps").set_index("rep_id")["team_id"]
    leads["team_id"] = ("files:" + leads["owner_id"].map(teams)).fillna("unassigned")
    return leads[local.dt.strftime("%Y-%m-%d") <= AS_OF]


def cells(leads: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return (
        leads.groupby(by + KEYS)
        .agg(
            created=("answered", "size"),
            answered=("answered", "sum"),
            within=("within_sla", "sum"),
            median_minutes=("minutes", "median"),
        )
        .reset_index()
    )


@pytest.mark.parametrize(
    ("scope", "by"), [("company", []), ("team", ["team_id"]), ("rep", ["team_id", "rep_id"])]
)
def test_every_cell_matches_pandas_in_the_reporting_time_zone(
    built: Path, export_dir: Path, scope: str, by: list[str]
) -> None:
    leads = expected_leads(export_dir)
    expected = cells(leads, by)
    mart = read(
        built,
        "select *, strftime(period_start_date, '%Y-%m') as month "
        f"from sales.lead_response_by_hour_weekday where period_grain = 'month' and scope = '{scope}'",
    )
    merged = expected.merge(mart, on=by + KEYS, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(merged) > 100
    assert (merged["leads_created"] == merged["created"]).all()
    assert (merged["leads_answered"] == merged["answered"]).all()
    assert (merged["leads_answered_within_sla"] == merged["within"]).all()
    assert_close(merged["lead_response_sla_share"], merged["within"] / merged["created"], "sla")
    assert_close(merged["lead_response_minutes_median"], merged["median_minutes"], "median", 1e-6)


def test_the_hours_are_local_and_sum_to_rep_performance(built: Path, export_dir: Path) -> None:
    """The reporting time zone moves the hours (a UTC reading would differ), and a month's cells
    add up to its leads_created in rep_performance: one computation of lead response."""
    leads = expected_leads(export_dir)
    utc_hours = leads["created_at"].dt.hour
    assert (utc_hours != leads["hour_of_day"]).all()
    summed = read(
        built,
        """
        select cells.rep_id, cells.period_start_date, sum(cells.leads_created) as created,
            sum(cells.leads_answered_within_sla) as within,
            min(performance.leads_created) as performance_created,
            min(performance.leads_answered_within_sla) as performance_within
        from sales.lead_response_by_hour_weekday as cells
        inner join sales.rep_performance as performance
            on cells.rep_id = performance.rep_id
            and cells.period_grain = performance.period_grain
            and cells.period_start_date = performance.period_start_date
        where cells.scope = 'rep'
        group by cells.rep_id, cells.period_grain, cells.period_start_date
        """,
    )
    assert len(summed) > 10
    assert (summed["created"] == summed["performance_created"]).all()
    assert (summed["within"] == summed["performance_within"]).all()


def test_every_median_is_the_warehouse_median_to_the_last_bit(built: Path) -> None:
    """The mart ranks each cell's responses by sorting (bounded memory at 1,000 reps) instead of a
    median aggregate per cell: every cell of every scope and grain must hold exactly the double
    DuckDB's own median gives, recomputed here from core.fct_leads (an even count's midpoint
    rounds like DuckDB's, not like lower + (upper - lower) / 2)."""
    per_scope = {
        "company": ("null", "null"),
        "team": ("leads.team_id", "null"),
        "rep": ("leads.team_id", "leads.owner_rep_id"),
    }
    expected = " union all ".join(
        f"""
        select '{scope}' as scope, {team} as team_id, {rep} as rep_id, periods.period_grain,
            periods.period_start_date, leads.day_of_week, leads.hour_of_day,
            median(leads.response_minutes) as median_minutes
        from leads inner join periods on leads.created_date = periods.date_day
        group by all
        """
        for scope, (team, rep) in per_scope.items()
    )
    columns = "scope, team_id, rep_id, period_grain, period_start_date, day_of_week, hour_of_day"
    differences = read(
        built,
        f"""
        with leads as (
            select *, isodow(created_date) as day_of_week,
                hour(timezone('{TIME_ZONE}', timezone('UTC', created_at))) as hour_of_day
            from core.fct_leads
        ),
        periods as (
            select * from intermediate.int_date_periods where date_day <= date '{AS_OF}'
        ),
        expected as ({expected}),
        mart as (
            select {columns}, lead_response_minutes_median as median_minutes
            from sales.lead_response_by_hour_weekday
        ),
        missing as (select * from expected except all select * from mart),
        unexpected as (select * from mart except all select * from expected)
        select 'missing' as side, * from missing
        union all
        select 'unexpected' as side, * from unexpected
        """,
    )
    assert differences.empty, differences.head(10)
    answered = read(
        built,
        "select count(*) as cells from sales.lead_response_by_hour_weekday "
        "where leads_answered > 0 and leads_answered % 2 = 0",
    )
    assert answered["cells"].iloc[0] > 100
