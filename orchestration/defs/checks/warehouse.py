"""Read-only access to the build warehouse for checks: opened per check, closed at once, and
run in the one-writer pool so that no writer holds the file meanwhile (on PostgreSQL, a
connection of its own)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ingestion.warehouse import build_warehouse_connection


@contextmanager
def build_warehouse_reader() -> Iterator[Any]:
    with build_warehouse_connection(read_only=True) as con:
        yield con


def row_count(con: Any, schema: str, table: str) -> int:
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
