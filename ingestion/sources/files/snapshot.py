"""Full exports as snapshots: the records of the warehouse that a new full export of the same
dataset no longer holds are kept, marked deleted, never dropped.

How depends on how the export is written (unchanged.py):

- Into a table that holds fingerprinted records, only the export's new and changed rows are
  written, merged by key (dlt's `delete-insert` merge): every other row stays as it is. So the
  rows yielded beside the export are only the live records it no longer holds (not loaded, and
  not quarantined), each with `_deleted_at` set to the time of this load (`deleted_records`).
- Into a table without (a first load, a refresh, a table loaded before fingerprints), the
  export replaces the table (dlt's `replace`, truncate-and-insert): its rows are written once,
  straight into the table, no staging copy. The table's current rows that the export does not
  load are then yielded again beside it, unchanged but for `_deleted_at` (`carried_rows`): a
  record whose key is missing from the export is soft-deleted (kept as it was if it was deleted
  before); a record whose row in the export was quarantined (a bad value) keeps its last good
  version, not deleted: the export still holds it.

Rows yielded again keep their `_dlt_load_id`, `_source_file` and `_source_row_number`: they say
which load and which file last delivered them, and the rows of this load are exactly the rows it
counted in `load_accounting` (less the unchanged ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, closing, suppress
from typing import Any

import dlt
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from ingestion.sources.files.keys import KeySet, key_array
from ingestion.sources.files.settings import DELETED_AT_COLUMN

# Rows read back from the warehouse per batch.
READ_BACK_ROWS = 250_000
# Records a full export no longer holds are read back by their first key value up to this many
# values (an IN list); beyond, every live row is read and filtered (deleted_records).
READ_BY_KEY_UP_TO = 10_000
# A read of at least this many rows releases the connection when it ends (WarehouseReader).
RELEASE_AFTER_ROWS = 1_000_000


class WarehouseReader:
    """Reads tables of the running pipeline's dataset through one SQL client, opened at the first
    read and kept until `close()`: opening one resolves dlt's configuration and connects (30-60
    ms, measured), so an entity pays it once, not once per read.

    But a read of RELEASE_AFTER_ROWS rows or more closes the client when it ends (the next read
    opens another): on DuckDB, the blocks a read scanned stay in the database's buffer cache
    while a connection is open, up to the loader's memory limit (400 MB after reading back the
    keys of the large demo's 9M deal property history rows, held through the parse of that
    entity's export)."""

    def __init__(self) -> None:
        self._opened = False
        self._client: Any = None
        self._exit = ExitStack()

    def close(self) -> None:
        self._exit.close()
        self._client = None
        self._opened = False

    def _sql_client(self) -> Any:
        """The destination's SQL client, or None when there is no pipeline (the source iterated
        on its own), no destination, or no dataset yet."""
        if not self._opened:
            self._opened = True
            try:
                pipeline = dlt.current.pipeline()
            except Exception:  # no pipeline is running: nothing to compare with
                return None
            if pipeline.destination is None:
                return None
            client = self._exit.enter_context(pipeline.sql_client())
            if client.has_dataset():
                self._client = client
            else:  # a first load: nothing to read, no connection to keep
                self._exit.close()
        return self._client

    def rows(
        self,
        table_name: str,
        columns: list[str] | None = None,
        deleted: bool | None = None,
        where_in: tuple[str, list[str]] | None = None,
    ) -> Iterator[pa.RecordBatch | pa.Table]:
        """The rows the destination holds in `table_name`, in batches: every column, or only
        `columns`; every row, or (`deleted` False/True) only the live or soft-deleted ones;
        with `where_in` (a text column, its values), only the rows holding one of the values.
        Nothing when the table does not exist yet (or lacks one of `columns`), is dropped by
        this load (a refresh), or there is no dataset to read."""
        if table_name in _dropped_by_this_load():
            return
        client = self._sql_client()
        if client is None:
            return
        qualified = client.make_qualified_table_name(table_name)
        read = 0
        try:
            with client.execute_query(f"select * from {qualified} where 1 = 0") as cursor:
                held = set(cursor.columns_schema)
            if columns is not None and not held.issuperset(columns):
                return
            selected = (
                "*" if columns is None else ", ".join(map(client.escape_column_name, columns))
            )
            conditions = []
            if deleted is not None:
                if DELETED_AT_COLUMN not in held:  # a table from before soft deletes
                    if deleted:
                        return
                else:
                    condition = "is not null" if deleted else "is null"
                    conditions.append(f"{client.escape_column_name(DELETED_AT_COLUMN)} {condition}")
            if where_in is not None:
                column, values = where_in
                if not values:
                    return
                listed = ", ".join(_text_literal(value) for value in values)
                conditions.append(f"{client.escape_column_name(column)} in ({listed})")
            query = f"select {selected} from {qualified}"
            if conditions:
                query += " where " + " and ".join(conditions)
            for batch in _streamed(client, query):
                read += batch.num_rows
                yield batch
        except DatabaseUndefinedRelation:
            return
        if read >= RELEASE_AFTER_ROWS:
            self.close()


def _text_literal(value: str) -> str:
    """A text value as an SQL string literal (standard quoting, as DuckDB and PostgreSQL read
    it: a quote doubled, a backslash as itself)."""
    return "'" + value.replace("'", "''") + "'"


def _streamed(client: Any, query: str) -> Iterator[pa.RecordBatch | pa.Table]:
    """The rows of `query` in batches of READ_BACK_ROWS. On DuckDB, streamed from the native
    connection: dlt's cursor runs a query as a DB-API result, which DuckDB materialises whole and
    keeps until the connection's next query (reading back a 9M-row table's keys held 1.4 GB
    through that entity's whole extraction). Other destinations: dlt's cursor."""
    native = client.native_connection
    if isinstance(native, duckdb.DuckDBPyConnection):
        with native.sql(query).to_arrow_reader(READ_BACK_ROWS) as reader:
            yield from reader
    else:
        with client.execute_query(query) as cursor:
            yield from cursor.iter_arrow(chunk_size=READ_BACK_ROWS)


def _dropped_by_this_load() -> set[str]:
    """Tables that this load drops or truncates first (`refresh`): their rows are not carried."""
    with suppress(Exception):
        state = dlt.current.load_package_state()["state"]
        tables = [*state.get("dropped_tables", []), *state.get("truncated_tables", [])]
        return {table["name"] for table in tables}
    return set()


def carried_rows(
    warehouse: WarehouseReader,
    table_name: str,
    schema: pa.Schema,
    key_fields: tuple[str, ...],
    loaded: KeySet,
    quarantined: KeySet,
    deleted_at: dt.datetime,
    every_live_loaded: bool = False,
) -> Iterator[pa.Table]:
    """For a table this load replaces: the previous rows of `table_name` whose key this load did
    not load, conformed to `schema` (the columns this load writes), with `_deleted_at` set on
    the ones the export no longer holds.

    The soft-deleted rows are read whole; of the live ones, only the rows of records this load
    did not load (_live_rows_not_loaded). No read of the live ones at all when the caller knows
    that the export held every live record (`every_live_loaded`: the content stamp saw each
    one's key hash, unchanged.py)."""
    previous = warehouse.rows(table_name, deleted=True)
    yield from _carried(previous, schema, key_fields, loaded, quarantined, deleted_at)
    if every_live_loaded:
        return
    previous = _live_rows_not_loaded(warehouse, table_name, schema, key_fields, loaded)
    yield from _carried(previous, schema, key_fields, loaded, quarantined, deleted_at)


def deleted_records(
    warehouse: WarehouseReader,
    table_name: str,
    schema: pa.Schema,
    key_fields: tuple[str, ...],
    loaded: KeySet,
    quarantined: KeySet,
    deleted_at: dt.datetime,
    every_live_loaded: bool = False,
) -> Iterator[pa.Table]:
    """For a table this load merges into: the live records of `table_name` whose key this load
    neither loaded nor quarantined, conformed to `schema`, with `_deleted_at` set. Nothing when
    the caller knows that the export held every live record (`every_live_loaded`); else read as
    _live_rows_not_loaded reads them."""
    if every_live_loaded:
        return
    previous = _live_rows_not_loaded(warehouse, table_name, schema, key_fields, loaded)
    for rows in _carried(previous, schema, key_fields, loaded, quarantined, deleted_at):
        # The quarantined ones keep their row as it is: the export still holds them.
        gone = rows.filter(pc.is_valid(rows.column(DELETED_AT_COLUMN)))
        if gone.num_rows:
            yield gone


def _live_rows_not_loaded(
    warehouse: WarehouseReader,
    table_name: str,
    schema: pa.Schema,
    key_fields: tuple[str, ...],
    loaded: KeySet,
) -> Iterator[pa.RecordBatch | pa.Table]:
    """Batches holding the live rows of `table_name` whose key this load did not load: a narrow
    read of the live keys first (a nightly full export loads nearly every record, and reading
    every column of every row back to find none cost more than the keys), then, when one is
    missing, the rows of the missing records' first key values (the other records sharing one
    come too; `_carried` leaves them out: they were loaded), or, beyond READ_BY_KEY_UP_TO
    values, every live row."""
    # Closed when the search stops early: the connection serves one open result at a time.
    with closing(warehouse.rows(table_name, list(key_fields), deleted=False)) as live_keys:
        missing = _first_key_values_not_loaded(live_keys, schema, key_fields, loaded)
    if missing == []:
        return
    where_in = (key_fields[0], missing) if missing is not None else None
    yield from warehouse.rows(table_name, deleted=False, where_in=where_in)


def _first_key_values_not_loaded(
    batches: Iterator[pa.RecordBatch | pa.Table],
    schema: pa.Schema,
    key_fields: tuple[str, ...],
    loaded: KeySet,
) -> list[str] | None:
    """The distinct first key values (text) of the records in `batches` this load did not load,
    to read their rows back by key; None when that is not worth it (more than
    READ_BY_KEY_UP_TO, or a first key field that is not text): then every live row is read."""
    text_key = pa.types.is_string(schema.field(key_fields[0]).type)
    missing: set[str] = set()
    for batch in batches:
        rows = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        parts = [rows.column(name).cast(schema.field(name).type) for name in key_fields]
        keys = key_array([part.combine_chunks() for part in parts])
        absent = ~loaded.contains(keys)
        if not absent.any():
            continue
        if not text_key:
            return None
        missing.update(pc.filter(parts[0], pa.array(absent)).to_pylist())
        if len(missing) > READ_BY_KEY_UP_TO or None in missing:
            return None
    return sorted(missing)


def _carried(
    previous: Iterator[pa.RecordBatch | pa.Table],
    schema: pa.Schema,
    key_fields: tuple[str, ...],
    loaded: KeySet,
    quarantined: KeySet,
    deleted_at: dt.datetime,
) -> Iterator[pa.Table]:
    stamp = pa.scalar(deleted_at, schema.field(DELETED_AT_COLUMN).type)
    for batch in previous:
        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        rows = _conform(batch, schema)
        keys = key_array([rows.column(name).combine_chunks() for name in key_fields])
        hashes = loaded.hash(keys)
        carried = ~loaded.contains(keys, hashes)
        if not carried.any():
            continue
        index = pa.array(np.flatnonzero(carried))
        rows = rows.take(index)
        gone = ~quarantined.contains(pc.take(keys, index))
        previous_stamp = rows.column(DELETED_AT_COLUMN).combine_chunks()
        newly_gone = pc.and_(pa.array(gone, pa.bool_()), pc.is_null(previous_stamp))
        stamps = pc.if_else(newly_gone, stamp, previous_stamp)
        position = rows.schema.get_field_index(DELETED_AT_COLUMN)
        yield rows.set_column(position, schema.field(DELETED_AT_COLUMN), stamps)


def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """The columns of `schema`, cast from the warehouse's types (NULL where the table has no
    such column yet, as in a table loaded before the column existed)."""
    columns = []
    for field in schema:
        if field.name in rows.column_names:
            column = rows.column(field.name)
            if column.type != field.type:
                column = column.cast(field.type)
            columns.append(column)
        else:
            columns.append(pa.nulls(rows.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)
