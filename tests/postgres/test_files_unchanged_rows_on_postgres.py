"""On PostgreSQL as on DuckDB, a full export's unchanged rows keep the load that last changed
them: the demo company's export, then the same company one simulated day later, loaded into
both warehouses; the same rows (file and line) take the second load's id in both, and they are
few. (tests/ingestion/test_files_unchanged_rows.py proves the DuckDB side against pandas.)

Keys are read back from PostgreSQL's own types (a timestamp in deal_stage_history's key), and
the fingerprints stored there as BIGINT: a mismatch in either would make every row changed."""

from __future__ import annotations

import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from marts_helpers import MAPPINGS, export_simulator, load_files, read_csv, write_csv

pytestmark = pytest.mark.postgres

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF = 7, "tiny", "2026-06-30"
ENTITIES = ("deals", "activities", "deal_stage_history", "leads", "fx_rates")


def _second_load_rows(rows: list[tuple[str, int, str]]) -> dict[str, set[int]]:
    """Per entity, the file lines of the live rows that carry the latest load id."""
    latest = max(load_id for _, _, load_id in rows)
    lines: dict[str, set[int]] = {entity: set() for entity in ENTITIES}
    for entity, line, load_id in rows:
        if load_id == latest:
            lines[entity].add(line)
    return lines


_ROWS = " union all ".join(
    f"select '{entity}' as entity, _source_row_number, _dlt_load_id from raw_files.{entity} "
    "where _deleted_at is null"
    for entity in ENTITIES
)


def _load_both_and_query(
    postgres_warehouse, duckdb_home: Path, exports: list[Path], sql: str
) -> tuple[list[tuple], list[tuple]]:
    """Load `exports` in turn into the PostgreSQL warehouse and into a DuckDB one at
    `duckdb_home`, then the rows of `sql` on each: (on PostgreSQL, on DuckDB)."""
    import psycopg2

    postgres_home, database = postgres_warehouse
    for export in exports:
        load_files(postgres_home, MAPPING, base_dir=export)
        load_files(duckdb_home, MAPPING, base_dir=export)
    with closing(psycopg2.connect(**database.psycopg_kwargs())) as connection:
        cursor = connection.cursor()
        cursor.execute(sql)
        on_postgres = cursor.fetchall()
    with duckdb.connect(str(duckdb_home / "build.duckdb"), read_only=True) as connection:
        on_duckdb = connection.execute(sql).fetchall()
    return on_postgres, on_duckdb


def test_a_day_later_the_same_rows_change_on_postgresql_as_on_duckdb(
    postgres_warehouse, tmp_path: Path
) -> None:
    today = export_simulator(tmp_path / "today", SEED, SCALE, AS_OF)
    tomorrow = export_simulator(tmp_path / "tomorrow", SEED, SCALE, AS_OF, "--advance-days", "1")
    duckdb_home = tmp_path / "duckdb_home"
    rows = _load_both_and_query(postgres_warehouse, duckdb_home, [today, tomorrow], _ROWS)
    on_postgres, on_duckdb = (_second_load_rows(found) for found in rows)

    assert on_postgres == on_duckdb
    for entity in ("deals", "activities", "deal_stage_history"):
        with duckdb.connect(str(duckdb_home / "build.duckdb"), read_only=True) as connection:
            total = connection.execute(f"select count(*) from raw_files.{entity}").fetchone()[0]
        assert 0 < len(on_postgres[entity]) < total / 5, (entity, len(on_postgres[entity]), total)


# The rows the latest load soft-deleted (the PostgreSQL database is the module's, shared with
# the test above).
_DELETED = " union all ".join(
    f"select '{entity}' as entity, _source_row_number from raw_files.{entity} "
    "where _deleted_at = (select max(loaded_at) from raw_files.load_accounting)"
    for entity in ENTITIES
)


def test_records_an_export_no_longer_holds_are_deleted_alike_on_postgresql(
    postgres_warehouse, tmp_path: Path
) -> None:
    """Two deals and one stage entry missing from the next export: both warehouses read their
    rows back by key and mark the same rows deleted."""
    today = export_simulator(tmp_path / "today", SEED, SCALE, AS_OF)
    smaller = tmp_path / "smaller"
    shutil.copytree(today, smaller)
    deals = read_csv(today, "deals")
    history = read_csv(today, "deal_stage_history")
    write_csv(deals.iloc[2:], smaller, "deals")
    write_csv(history.iloc[1:], smaller, "deal_stage_history")
    rows = _load_both_and_query(
        postgres_warehouse, tmp_path / "duckdb_home", [today, smaller], _DELETED
    )
    on_postgres, on_duckdb = (sorted(found) for found in rows)
    # The rows as the first export numbered them: the two first deals, the first stage entry.
    assert on_postgres == on_duckdb == [("deal_stage_history", 1), ("deals", 1), ("deals", 2)]
