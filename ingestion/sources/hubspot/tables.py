"""The tables the HubSpot source writes, declared in full: every table exists after every load,
with all its columns, even for an object type the portal has no record of (dbt staging, the
checks and the next incremental load rely on it)."""

from typing import Any

import pyarrow as pa

from ingestion.sources.hubspot.records import history_child
from ingestion.sources.hubspot.settings import CrmObject

QUARANTINE_TABLE = "quarantine"
LOAD_ACCOUNTING_TABLE = "load_accounting"
# The column that orders two versions of one record read in the same load: the newest stays.
VERSION_COLUMN = "updated_at"

_TIMESTAMP = pa.timestamp("us", tz="UTC")

QUARANTINE_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("record_id", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("record", pa.string()),
        ("load_id", pa.string()),
        ("loaded_at", _TIMESTAMP),
    ]
)
# Rows read = rows loaded (distinct records) + rows quarantined + rows superseded (a record
# read again in the same load: its newest version is loaded, the others are set aside).
LOAD_ACCOUNTING_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("rows_superseded", pa.int64()),
        ("load_id", pa.string()),
        ("loaded_at", _TIMESTAMP),
    ]
)


# The dlt columns of the raw tables, as dlt's own nesting of dicts wrote them before the records
# were loaded as Arrow (warehouses loaded then keep working): each record's row has a unique
# `_dlt_id` and the `_dlt_load_id` of the load that wrote it; each child row points at its
# record's row through `_dlt_root_id` (= `_dlt_parent_id`) with its place in the list.
ROW_ID = "_dlt_id"
LOAD_ID = "_dlt_load_id"
ROOT_ID = "_dlt_root_id"
PARENT_ID = "_dlt_parent_id"
LIST_INDEX = "_dlt_list_idx"
ASSOCIATIONS = "associations"


def child_table(crm: CrmObject, child: str) -> str:
    """The raw table of a child list: deals__stage_history, calls__associations, ..."""
    return f"{crm.name}__{child}"


def _text(name: str, nullable: bool = True) -> dict[str, Any]:
    return {"name": name, "data_type": "text", "nullable": nullable}


def _timestamp(name: str) -> dict[str, Any]:
    return {"name": name, "data_type": "timestamp", "timezone": True, "nullable": True}


def object_columns(crm: CrmObject) -> dict[str, dict[str, Any]]:
    """Column hints of an object's table: the id, every property as text (HubSpot sends them
    as strings; staging casts), the record's own timestamps and its archived flag, and the
    row's dlt ids."""
    columns = [
        _text("id", nullable=False),
        *(_text(name) for name in crm.properties),
        _timestamp("created_at"),
        {**_timestamp(VERSION_COLUMN), "dedup_sort": "desc"},
        {"name": "archived", "data_type": "bool", "nullable": True},
        _timestamp("archived_at"),
        {**_text(ROW_ID, nullable=False), "row_key": True, "unique": True},
        _text(LOAD_ID, nullable=False),
    ]
    return {column["name"]: column for column in columns}


def child_columns(crm: CrmObject) -> dict[str, dict[str, dict[str, Any]]]:
    """Column hints of the object's child tables (property history, associations), by child
    name. The column of the record's id is the child table's merge key: a record read again
    replaces its child rows."""
    children: dict[str, list[dict[str, Any]]] = {}
    for prop in crm.history:
        child, id_column, value_column = history_child(crm, prop)
        children[child] = [
            {**_text(id_column, nullable=False), "merge_key": True},
            _text(value_column),
            _timestamp("changed_at"),
            _text("source_type"),
        ]
    if crm.associations:
        children[ASSOCIATIONS] = [
            {**_text("from_id", nullable=False), "merge_key": True},
            _text("to_object_type"),
            _text("to_id"),
            _text("association_type"),
            {"name": "association_type_id", "data_type": "bigint", "nullable": True},
            _text("association_category"),
        ]
    link_columns = [
        {**_text(ROOT_ID, nullable=False), "root_key": True},
        # No `parent_key` hint: the child tables are tables of their object's resource, not
        # dlt nested tables (Arrow tables cannot be), and dlt warns of a parent_key without one.
        _text(PARENT_ID, nullable=False),
        {"name": LIST_INDEX, "data_type": "bigint", "nullable": False},
        {**_text(ROW_ID, nullable=False), "row_key": True, "unique": True},
    ]
    return {
        child: {column["name"]: column for column in columns + link_columns}
        for child, columns in children.items()
    }


_ARROW_TYPES = {
    "text": pa.string(),
    "timestamp": _TIMESTAMP,
    "bool": pa.bool_(),
    "bigint": pa.int64(),
}


def arrow_schema(columns: dict[str, dict[str, Any]]) -> pa.Schema:
    """The Arrow schema of a table's column hints: what the source yields is what dlt declares."""
    return pa.schema(
        [
            pa.field(name, _ARROW_TYPES[hint["data_type"]], nullable=hint.get("nullable", True))
            for name, hint in columns.items()
        ]
    )
