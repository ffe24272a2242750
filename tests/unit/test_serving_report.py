"""kpi_summary: the CLI's summary reads the sales marts' own figures (company_performance,
rep_performance) for the last month complete at the marts' as-of date, never the wall clock."""

import duckdb
import pytest

from ingestion.warehouse import published_warehouse
from orchestration.serving_report import kpi_summary

COMPANY = """
    create table sales.company_performance as
    select * from (values
        ('month', date '2026-05-01', true, 1000.00::decimal(38, 2), 2::bigint, 2::bigint, 0.5, 'USD'),
        ('month', date '2026-06-01', true, 3500.50::decimal(38, 2), 3::bigint, 1::bigint, 0.75, 'USD'),
        -- in progress at the as-of date: not a month to summarise yet
        ('month', date '2026-07-01', false, 9999.00::decimal(38, 2), 9::bigint, 0::bigint, 1.0, 'USD'),
        ('fiscal_quarter', date '2026-04-01', true, 4500.50::decimal(38, 2), 5::bigint, 3::bigint,
            0.625, 'USD')
    ) as t(period_grain, period_start_date, is_period_complete, bookings, won_deals, lost_deals,
           win_rate, reporting_currency)
"""
REPS = """
    create table sales.rep_performance as
    select * from (values
        ('month', date '2026-06-01', 'r1', 'Ada', 500.50::decimal(38, 2), 1::bigint, 0.5),
        ('month', date '2026-06-01', 'r2', 'Bo', 3000.00::decimal(38, 2), 2::bigint, 1.0),
        ('month', date '2026-06-01', 'unassigned', 'Unassigned', 0.00::decimal(38, 2), 0::bigint,
            null),
        ('month', date '2026-07-01', 'r1', 'Ada', 9999.00::decimal(38, 2), 9::bigint, 1.0)
    ) as t(period_grain, period_start_date, rep_id, rep_name, bookings, won_deals, win_rate)
"""


@pytest.fixture
def serving(tmp_path):
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema sales")
        con.execute(COMPANY)
        con.execute(REPS)
    return path


def test_summarises_the_last_complete_month_from_the_company_and_rep_marts(serving):
    with published_warehouse(serving) as published:
        lines = kpi_summary(published, top=2).splitlines()

    assert lines[0] == "June 2026: bookings 3,500.50 USD, 3 won, 1 lost, win rate 75%"
    assert lines[1] == "Top reps by bookings:"
    assert lines[2].split() == ["Bo", "3,000.00", "USD", "2", "won", "win", "rate", "100%"]
    assert lines[3].split() == ["Ada", "500.50", "USD", "1", "won", "win", "rate", "50%"]
    assert len(lines) == 4


def test_says_so_when_nothing_has_closed(tmp_path):
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema sales")
        con.execute(COMPANY.replace("true", "false"))
        con.execute(REPS)
    with published_warehouse(path) as published:
        assert kpi_summary(published) == "No deal has closed yet: the marts are empty of bookings."
