"""Record rows (records.record_row) as Arrow tables, one per raw table: the object's table and
each of its child tables (property history, associations).

dlt normalises Python dicts row by row; Arrow tables it writes as they are, which is most of the
load's time saved. dlt does not nest Arrow tables, so the links it used to write are written
here, with the same meaning: every row of a record gets a new unique `_dlt_id`, and each child
row carries its record's row id in `_dlt_root_id` and `_dlt_parent_id`, with its place in the
list in `_dlt_list_idx`. A child row is current when its `_dlt_root_id` is the `_dlt_id` of its
record's row (staging reads only those): a record read again gets a new row id, and its child
rows replace the old ones (the child tables merge on the record's id).
"""

import base64
import os
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ingestion.sources.hubspot.settings import CrmObject
from ingestion.sources.hubspot.tables import (
    LIST_INDEX,
    LOAD_ID,
    PARENT_ID,
    ROOT_ID,
    ROW_ID,
    arrow_schema,
    child_columns,
    child_table,
    object_columns,
)


class RecordTables:
    """The Arrow schemas of one object type's raw tables, and its rows converted to them."""

    def __init__(self, crm: CrmObject) -> None:
        self.crm = crm
        self.schema = arrow_schema(object_columns(crm))
        self.child_schemas = {
            child: arrow_schema(columns) for child, columns in child_columns(crm).items()
        }

    def empty(self) -> Iterator[tuple[str, pa.Table]]:
        """Every child table, empty: each exists after every load, as the object's table does."""
        for child, schema in self.child_schemas.items():
            yield child_table(self.crm, child), schema.empty_table()

    def tables(self, rows: list[dict], load_id: str | None) -> Iterator[tuple[str, pa.Table]]:
        """(raw table, Arrow table) of the rows, the object's table first. Takes the child
        lists out of the rows."""
        row_ids = new_row_ids(len(rows))
        children = {child: [] for child in self.child_schemas}
        for row, row_id in zip(rows, row_ids, strict=True):
            for child, child_rows in children.items():
                child_rows.extend(_linked(row.pop(child), row_id))
            row[ROW_ID] = row_id
        yield self.crm.name, _table(rows, self.schema, {LOAD_ID: load_id})
        for child, child_rows in children.items():
            if child_rows:
                table = _table(child_rows, self.child_schemas[child])
                yield child_table(self.crm, child), table


def new_row_ids(count: int) -> list[str]:
    """`count` unique row ids: a random prefix per call (72 bits, as unlikely to repeat as
    dlt's own ids) and the row's number."""
    prefix = base64.urlsafe_b64encode(os.urandom(9)).decode()
    return [f"{prefix}{n}" for n in range(count)]


def _linked(items: list[dict], row_id: str) -> Iterator[dict]:
    for index, item in enumerate(items):
        item[ROOT_ID] = item[PARENT_ID] = row_id
        item[LIST_INDEX] = index
        item[ROW_ID] = f"{row_id}.{index}"
        yield item


def _table(
    rows: list[dict], schema: pa.Schema, constants: dict[str, Any] | None = None
) -> pa.Table:
    """The rows as a table of `schema`. Datetimes arrive as HubSpot's ISO 8601 text (UTC,
    validation.py) and are parsed by Arrow's cast, column by column."""
    constants = constants or {}
    as_read = pa.schema(
        [
            field.with_type(pa.string()) if pa.types.is_timestamp(field.type) else field
            for field in schema
            if field.name not in constants
        ]
    )
    table = pa.Table.from_pylist(rows, schema=as_read)
    for name, value in constants.items():
        field = schema.field(name)
        table = table.append_column(field, pa.array([value] * table.num_rows, field.type))
    return table.cast(pa.schema([schema.field(name) for name in table.column_names]))
