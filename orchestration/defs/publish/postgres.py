"""Write-audit-publish on PostgreSQL: readers query the `serving_<schema>` schemas, which a
publish replaces all at once.

Write: every mart is copied from the schema dbt built it in into `serving_<schema>__next`
(fresh), with the publication history; a mart the run did not rebuild (`carried_over`: the
intraday job's forecast and slow-moving marts) is copied from its published `serving_<schema>`
instead, as it was last published. Audit: each copy has the rows of its source. Publish: one
transaction renames every `serving_<schema>` to `__previous` and every `__next` into its place,
then the previous versions are dropped.

Why readers never see a mix, and wait at most a moment: the swap first takes ACCESS EXCLUSIVE
locks on every table a reader may hold, with a short lock_timeout. A statement that already read
an old table keeps its lock until its transaction ends, so the swap waits for it (or gives up
and retries, never deadlocking a reader); a statement that starts meanwhile waits on the lock,
and PostgreSQL resolves its table names again once it gets it, to the new schemas. A reader's
statement therefore reads all-old or all-new.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any

from ingestion.warehouse import SERVING_SCHEMA_PREFIX as SERVING_PREFIX
from orchestration.defs.publish.serving import AuditFailed, PublishedTable, quoted
from salespulse.settings import PostgresConnection

NEXT_SUFFIX = "__next"
PREVIOUS_SUFFIX = "__previous"
# The publication history, published with the marts, as in the serving DuckDB file: what each
# publish wrote (published_at, run_id, table_schema, table_name, row_count, carried_over), and
# the view data_as_of (the latest publish's time and run).
HISTORY_SCHEMA, HISTORY_TABLE = "salespulse", "publications"
HISTORY_COLUMNS = (
    "published_at",
    "run_id",
    "table_schema",
    "table_name",
    "row_count",
    "carried_over",
)
# The role BI users are given (CREATE ROLE salespulse_reader; GRANT salespulse_reader TO ...):
# granted read access to every published schema when it exists (docs/operations.md).
READER_ROLE = "salespulse_reader"
# How long the swap waits for a reader's lock before it lets go and tries again.
SWAP_LOCK_TIMEOUT = "200ms"
SWAP_ATTEMPTS = 50


def serving_schema(schema: str) -> str:
    return f"{SERVING_PREFIX}{schema}"


def publish_marts_postgres(
    database: PostgresConnection,
    marts: list[tuple[str, str]],
    run_id: str,
    carried_over: list[tuple[str, str]] = (),
) -> list[PublishedTable]:
    """Copy `marts` ([(schema, table)]) into staged serving schemas, and `carried_over` from the
    published ones (from the build schema if not published yet), audit them, and swap them in
    with one transaction. A failure before the swap leaves the published marts as they were."""
    if not marts and not carried_over:
        raise ValueError("nothing to publish: no marts given")
    schemas = sorted({schema for schema, _ in [*marts, *carried_over]} | {HISTORY_SCHEMA})
    with _connection(database) as connection:
        published = _write_and_audit(connection, marts, schemas, run_id, carried_over)
        _swap(connection, schemas)
        _drop_previous(connection, schemas)
    return published


def republish_table_postgres(database: PostgresConnection, schema: str, table: str) -> int:
    """Replace the published `serving_<schema>` with a copy of the build's `schema.table` alone,
    swapped in as a publish does (the KPI alert state, written after the marts were published);
    the other serving schemas are untouched. Returns the rows published."""
    with _connection(database) as connection:
        with connection, connection.cursor() as cursor:
            staged = quoted(serving_schema(schema) + NEXT_SUFFIX)
            cursor.execute(f"drop schema if exists {staged} cascade")
            cursor.execute(f"create schema {staged}")
            cursor.execute(
                f"create table {staged}.{quoted(table)} as "
                f"select * from {quoted(schema)}.{quoted(table)}"
            )
            cursor.execute(f"select count(*) from {staged}.{quoted(table)}")
            (rows,) = cursor.fetchone()
            _grant_readers(cursor, [schema])
        _swap(connection, [schema])
        _drop_previous(connection, [schema])
    return rows


@contextmanager
def _connection(database: PostgresConnection) -> Iterator[Any]:
    import psycopg2  # only a PostgreSQL deployment needs the driver

    with closing(psycopg2.connect(**database.psycopg_kwargs())) as connection:
        yield connection


def _write_and_audit(
    connection: Any,
    marts: list[tuple[str, str]],
    schemas: list[str],
    run_id: str,
    carried_over: list[tuple[str, str]],
) -> list[PublishedTable]:
    published = []
    with connection, connection.cursor() as cursor:  # one transaction: committed or nothing
        for schema in schemas:
            staged = quoted(serving_schema(schema) + NEXT_SUFFIX)
            cursor.execute(f"drop schema if exists {staged} cascade")
            cursor.execute(f"create schema {staged}")
        for schema, table in marts:
            published.append(_copy(cursor, schema, schema, table))
        for schema, table in carried_over:
            published_copy = _relation(serving_schema(schema), table)
            cursor.execute("select to_regclass(%s) is not null", (published_copy,))
            carried = cursor.fetchone()[0]
            source_schema = serving_schema(schema) if carried else schema
            published.append(_copy(cursor, source_schema, schema, table, carried_over=carried))
        _write_history(cursor, run_id, published)
        _grant_readers(cursor, schemas)
    return published


def _relation(schema: str, table: str) -> str:
    return f"{quoted(schema)}.{quoted(table)}"


def _copy(
    cursor: Any, source_schema: str, schema: str, table: str, carried_over: bool = False
) -> PublishedTable:
    """Copy one table into its staged serving schema, and audit the copy's row count."""
    source = _relation(source_schema, table)
    copy = _relation(serving_schema(schema) + NEXT_SUFFIX, table)
    cursor.execute(f"create table {copy} as select * from {source}")
    cursor.execute(f"select (select count(*) from {source}), (select count(*) from {copy})")
    source_rows, copied_rows = cursor.fetchone()
    if source_rows != copied_rows:
        raise AuditFailed(f"{copy} holds {copied_rows} rows, {source} {source_rows}")
    return PublishedTable(schema, table, copied_rows, carried_over=carried_over)


def _write_history(cursor: Any, run_id: str, published: list[PublishedTable]) -> None:
    staged = quoted(serving_schema(HISTORY_SCHEMA) + NEXT_SUFFIX)
    history = f"{staged}.{quoted(HISTORY_TABLE)}"
    cursor.execute(
        f"create table {history} (published_at timestamptz not null, run_id text not null, "
        "table_schema text, table_name text, row_count bigint, "
        "carried_over boolean not null default false)"
    )
    # Earlier publications carried over, by the columns they have (the first PostgreSQL
    # publishes kept only run_id and published_at; carried_over came later).
    cursor.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s",
        (serving_schema(HISTORY_SCHEMA), HISTORY_TABLE),
    )
    kept = [column for (column,) in cursor.fetchall() if column in HISTORY_COLUMNS]
    if kept:
        columns = ", ".join(quoted(column) for column in kept)
        previous = f"{quoted(serving_schema(HISTORY_SCHEMA))}.{quoted(HISTORY_TABLE)}"
        cursor.execute(f"insert into {history} ({columns}) select {columns} from {previous}")
    published_at = datetime.now(UTC)
    cursor.executemany(
        f"insert into {history} values (%s, %s, %s, %s, %s, %s)",
        [(published_at, run_id, t.schema, t.name, t.row_count, t.carried_over) for t in published],
    )
    cursor.execute(
        f"create view {staged}.data_as_of as select published_at, run_id from {history} "
        "order by published_at desc limit 1"
    )


def _grant_readers(cursor: Any, schemas: list[str]) -> None:
    cursor.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
    if cursor.fetchone() is None:
        return
    for schema in schemas:
        staged = quoted(serving_schema(schema) + NEXT_SUFFIX)
        cursor.execute(f"grant usage on schema {staged} to {quoted(READER_ROLE)}")
        cursor.execute(f"grant select on all tables in schema {staged} to {quoted(READER_ROLE)}")


def _swap(connection: Any, schemas: list[str]) -> None:
    """Rename every serving schema to __previous and every __next into its place, in one
    transaction; retried while readers hold the old tables past the lock timeout."""
    import psycopg2.errors

    for attempt in range(SWAP_ATTEMPTS):
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                _lock_published_tables(cursor, schemas)
                for schema in schemas:
                    current = serving_schema(schema)
                    cursor.execute(
                        f"drop schema if exists {quoted(current + PREVIOUS_SUFFIX)} cascade"
                    )
                    cursor.execute("select 1 from pg_namespace where nspname = %s", (current,))
                    if cursor.fetchone() is not None:
                        cursor.execute(
                            f"alter schema {quoted(current)} rename to "
                            f"{quoted(current + PREVIOUS_SUFFIX)}"
                        )
                    cursor.execute(
                        f"alter schema {quoted(current + NEXT_SUFFIX)} rename to {quoted(current)}"
                    )
            return
        except psycopg2.errors.LockNotAvailable:
            time.sleep(min(0.05 * (attempt + 1), 1.0))
    raise TimeoutError(
        f"readers held the published marts through {SWAP_ATTEMPTS} attempts to publish; "
        "the staged marts stay in the __next schemas until the next publish"
    )


def _lock_published_tables(cursor: Any, schemas: list[str]) -> None:
    cursor.execute(
        "select format('%%I.%%I', schemaname, tablename) from pg_tables "
        "where schemaname = any(%s) order by 1",
        ([serving_schema(schema) for schema in schemas],),
    )
    tables = [name for (name,) in cursor.fetchall()]
    if tables:
        cursor.execute(f"lock table {', '.join(tables)} in access exclusive mode")


def _drop_previous(connection: Any, schemas: list[str]) -> None:
    """Drop the replaced versions; one still held by a long reader is dropped next time."""
    import psycopg2.errors

    for schema in schemas:
        previous = quoted(serving_schema(schema) + PREVIOUS_SUFFIX)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("set local lock_timeout = '5s'")
                cursor.execute(f"drop schema if exists {previous} cascade")
        except psycopg2.errors.LockNotAvailable:
            continue
