"""The nightly job on a PostgreSQL warehouse, from the demo company's HubSpot API to the
published serving_ schemas: dlt loads, dbt builds and tests, the forecast reads and writes, the
asset checks run there, and the published rep-month mart equals the simulator's truth to the
cent, with the very assertions of the DuckDB end-to-end test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, DagsterInstance

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "orchestration"))

from e2e_helpers import demo_sources
from test_nightly_refresh_end_to_end import (  # noqa: F401
    test_bookings_won_and_lost_match_the_simulators_truth,
    test_win_rate_is_won_over_closed_and_null_when_nothing_closed,
)

from ingestion.warehouse import build_warehouse_connection

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


@pytest.fixture(scope="module")
def first_run(postgres_warehouse, dbt_manifest, demo_api, demo_company):
    """One nightly run of the demo company into this module's PostgreSQL database: (result,
    home), with the warehouse's settings kept while the module's tests read it."""
    home, _ = postgres_warehouse
    with pytest.MonkeyPatch.context() as patch:
        for name, value in demo_sources(home, demo_api, demo_company).items():
            patch.setenv(name, value)
        from orchestration.definitions import defs

        job = defs.resolve_job_def("nightly_refresh")
        result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        assert result.success, f"the nightly job failed in {failed}"
        yield result, home


def test_the_nightly_job_runs_and_publishes_on_postgres(first_run):
    result, home = first_run
    checks = result.get_asset_check_evaluations()

    def named(name: str) -> list:
        return [e for e in checks if e.asset_check_key.name == name]

    # The blocking checks ran against PostgreSQL (row accounting, reconciliation) and passed.
    assert [e.passed for e in named("bookings_reconcile_with_staging")] == [True]
    accounting = named("rows_read_equal_rows_loaded_plus_quarantined")
    assert len(accounting) > 5 and all(e.passed for e in accounting)
    blocking = [e for e in checks if e.severity == AssetCheckSeverity.ERROR]
    assert all(e.passed for e in blocking)
    assert not (home / "build.duckdb").exists() and not (home / "serving.duckdb").exists()
    with build_warehouse_connection() as con:
        (forecasts,) = con.execute("select count(*) from raw_forecast.bookings_forecast").fetchone()
        (published,) = con.execute(
            "select count(*) from serving_sales.rep_performance_monthly"
        ).fetchone()
    assert forecasts > 0 and published > 0


# Money marts and their money columns: every one decimal(38, 2) on DuckDB (docs/metrics.md).
MONEY_COLUMNS = {
    "company_performance": ("bookings", "lost_amount", "quota", "prorated_quota"),
    "rep_performance_monthly": ("bookings", "lost_amount"),
    "account_performance": ("bookings", "lost_amount", "open_pipeline"),
    "pipeline_weighted_forecast": ("bookings_to_date", "weighted_pipeline", "quota"),
}


def test_money_is_numeric_38_2_on_postgres_as_on_duckdb(first_run):
    """Sums of money through CASEs and UNIONs come out of PostgreSQL as numeric of any size; the
    models cast them back to the money type, so no column dbt builds is unconstrained (before
    the cast: intermediate.int_quota_periods.quota and prorated_quota)."""
    with build_warehouse_connection() as con:
        unconstrained = con.execute(
            """
            select table_schema || '.' || table_name || '.' || column_name
            from information_schema.columns
            where data_type = 'numeric' and numeric_precision is null
                and table_schema not in ('pg_catalog', 'information_schema')
            order by 1
            """
        ).fetchall()
        tables = ", ".join(f"'{name}'" for name in MONEY_COLUMNS)
        money = con.execute(
            f"""
            select table_schema, table_name, column_name, numeric_precision, numeric_scale
            from information_schema.columns
            where table_schema in ('sales', 'serving_sales') and table_name in ({tables})
            """
        ).fetchall()
    assert unconstrained == []
    types = {(schema, table, column): (p, s) for schema, table, column, p, s in money}
    for schema in ("sales", "serving_sales"):
        for table, columns in MONEY_COLUMNS.items():
            for column in columns:
                assert types[(schema, table, column)] == (38, 2), f"{schema}.{table}.{column}"
