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


def _text(name: str, nullable: bool = True) -> dict[str, Any]:
    return {"name": name, "data_type": "text", "nullable": nullable}


def _timestamp(name: str) -> dict[str, Any]:
    return {"name": name, "data_type": "timestamp", "timezone": True, "nullable": True}


def object_columns(crm: CrmObject) -> dict[str, dict[str, Any]]:
    """Column hints of an object's table: the id, every property as text (HubSpot sends them
    as strings; staging casts), the record's own timestamps and its archived flag."""
    columns = [
        _text("id", nullable=False),
        *(_text(name) for name in crm.properties),
        _timestamp("created_at"),
        {**_timestamp(VERSION_COLUMN), "dedup_sort": "desc"},
        {"name": "archived", "data_type": "bool", "nullable": True},
        _timestamp("archived_at"),
    ]
    return {column["name"]: column for column in columns}


def nested_columns(crm: CrmObject) -> dict[str, dict[str, Any]]:
    """Hints of the object's child tables (property history, associations), by child name."""
    nested: dict[str, dict[str, Any]] = {}
    for prop in crm.history:
        child, id_column, value_column = history_child(crm, prop)
        columns = [
            _text(id_column),
            _text(value_column),
            _timestamp("changed_at"),
            _text("source_type"),
        ]
        nested[child] = {"columns": {c["name"]: c for c in columns}}
    if crm.associations:
        columns = [
            _text("from_id"),
            _text("to_object_type"),
            _text("to_id"),
            _text("association_type"),
            {"name": "association_type_id", "data_type": "bigint", "nullable": True},
            _text("association_category"),
        ]
        nested["associations"] = {"columns": {c["name"]: c for c in columns}}
    return nested
