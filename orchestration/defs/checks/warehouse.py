"""Read-only access to the build warehouse for checks: opened per check, closed at once, and
run in the one-writer pool so that no writer holds the file meanwhile."""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from ingestion.warehouse import build_warehouse_path


@contextmanager
def build_warehouse_reader() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        yield con


def row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
