"""The Maven CRM export's per-rep KPIs on PostgreSQL: the same load, the same dbt build (every
model, data test and unit test) and the same assertions against pandas as on DuckDB
(tests/marts/test_marts_maven_crm.py), run on a PostgreSQL warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from marts_helpers import WITHOUT_FORECAST, load_files, run_dbt

# The DuckDB module's assertions and expected values, collected again here, on this module's
# PostgreSQL warehouse (its maven_home is overridden below).
from test_marts_maven_crm import (  # noqa: F401
    AS_OF,
    MAPPING,
    MAVEN_DIR,
    expected_by_rep_and_year,
    test_monthly_rows_add_up_to_the_yearly_ones,
    test_per_rep_average_deal_size_and_sales_cycle_match_pandas,
    test_per_rep_counts_bookings_and_win_rate_match_pandas,
    test_the_export_builds_with_only_the_files_source,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (MAVEN_DIR / "sales_pipeline.csv").exists(), reason=f"Maven export not at {MAVEN_DIR}"
    ),
]


@pytest.fixture(scope="module")
def maven_home(postgres_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Maven export loaded by dlt into raw_files of this module's PostgreSQL database, and
    the whole project built there with `enabled_sources: [files]` (a failing build fails here)."""
    home, _ = postgres_warehouse
    work = tmp_path_factory.mktemp("maven_postgres")
    load_files(home, MAPPING)
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": AS_OF}
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=dbt_vars, work_dir=work)
    return home


def test_the_marts_are_in_postgres_not_in_a_duckdb_file(maven_home: Path, postgres_warehouse):
    """Nothing fell back to DuckDB: no build file in the home, the marts in the database."""
    from marts_helpers import read

    _, database = postgres_warehouse
    assert not (maven_home / "build.duckdb").exists()
    tables = read(
        maven_home,
        "select table_schema, count(*) as n from information_schema.tables "
        "where table_catalog = current_database() group by table_schema",
    )
    schemas = dict(zip(tables["table_schema"], tables["n"], strict=True))
    assert schemas["raw_files"] > 0 and schemas["sales"] > 0 and schemas["core"] > 0
    assert read(maven_home, "select current_database() as db")["db"][0] == database.database
