"""The canonical entities a mapping file can describe (docs/architecture.md, "The canonical model"), and the tables the `files`
source writes beside them.

Every entity table carries all of its canonical fields (unmapped ones as typed NULLs), so dbt
staging reads the same columns whichever export fed it.
"""

from dataclasses import dataclass

import pyarrow as pa

# Canonical field types and the Arrow type each lands as. Money is decimal, never float.
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "decimal": pa.decimal128(18, 4),
    "currency": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
}
TEMPORAL_TYPES = frozenset({"date", "timestamp"})
NUMERIC_TYPES = frozenset({"integer", "number", "decimal"})
# The largest magnitude a `decimal` value may have: decimal(18, 4) keeps 14 integer digits.
DECIMAL_INTEGER_DIGITS = 14
DECIMAL_SCALE = 4


@dataclass(frozen=True)
class CanonicalField:
    type: str = "string"
    # Required: the mapping must map it, and a row without a value is quarantined.
    required: bool = False
    # The only values the field may take (after the mapping's `values` translation).
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CanonicalEntity:
    fields: dict[str, CanonicalField]
    # The stable key merged on; empty where there is none (the table is replaced each load).
    primary_key: tuple[str, ...]


def _f(type_: str = "string", *, required: bool = False, allowed: tuple[str, ...] | None = None):
    return CanonicalField(type=type_, required=required, allowed=allowed)


DEAL_STATUSES = ("open", "won", "lost")
DEAL_HISTORY_PROPERTIES = ("amount", "expected_close_date", "owner_rep_id", "forecast_category")
ACTIVITY_TYPES = ("call", "email", "meeting", "task")
ACTIVITY_DIRECTIONS = ("inbound", "outbound")
SURVEY_QUESTION_KINDS = ("enps", "likert", "text")
# The metrics a one-on-one commitment can be tracked against (sales.rep_commitments).
COMMITMENT_METRICS = ("bookings", "won_deals", "activities", "open_pipeline")

ENTITIES: dict[str, CanonicalEntity] = {
    "reps": CanonicalEntity(
        fields={
            "rep_id": _f(required=True),
            "name": _f(),
            "email": _f(),
            "team_id": _f(),
            "manager_rep_id": _f(),
            "role": _f(),
            "start_date": _f("date"),
            "end_date": _f("date"),
            "is_active": _f("boolean"),
        },
        primary_key=("rep_id",),
    ),
    "teams": CanonicalEntity(
        fields={"team_id": _f(required=True), "name": _f(), "parent_team_id": _f()},
        primary_key=("team_id",),
    ),
    "accounts": CanonicalEntity(
        fields={
            "account_id": _f(required=True),
            "name": _f(),
            "industry": _f(),
            "country": _f(),
            "segment": _f(),
        },
        primary_key=("account_id",),
    ),
    "leads": CanonicalEntity(
        fields={
            "lead_id": _f(required=True),
            "owner_rep_id": _f(),
            "created_at": _f("timestamp"),
            "source": _f(),
            "converted_at": _f("timestamp"),
            "converted_deal_id": _f(),
        },
        primary_key=("lead_id",),
    ),
    "deals": CanonicalEntity(
        fields={
            "deal_id": _f(required=True),
            "name": _f(),
            "owner_rep_id": _f(),
            "account_id": _f(),
            "lead_id": _f(),
            "pipeline_id": _f(),
            "stage_id": _f(),
            "status": _f(required=True, allowed=DEAL_STATUSES),
            "amount": _f("decimal"),
            "currency": _f("currency"),
            "created_at": _f("timestamp"),
            "closed_at": _f("timestamp"),
            "expected_close_date": _f("date"),
            "lead_source": _f(),
            "is_deleted": _f("boolean"),
        },
        primary_key=("deal_id",),
    ),
    "deal_stage_history": CanonicalEntity(
        fields={
            "deal_id": _f(required=True),
            "stage_id": _f(required=True),
            "entered_at": _f("timestamp", required=True),
            "exited_at": _f("timestamp"),
        },
        primary_key=("deal_id", "stage_id", "entered_at"),
    ),
    # A CRM's field history (Salesforce's OpportunityFieldHistory, HubSpot's property history):
    # each value a deal property was set to, and when.
    "deal_property_history": CanonicalEntity(
        fields={
            "deal_id": _f(required=True),
            "property": _f(required=True, allowed=DEAL_HISTORY_PROPERTIES),
            "value": _f(),
            "changed_at": _f("timestamp", required=True),
        },
        primary_key=("deal_id", "property", "changed_at"),
    ),
    "activities": CanonicalEntity(
        fields={
            "activity_id": _f(required=True),
            "rep_id": _f(),
            "type": _f(required=True, allowed=ACTIVITY_TYPES),
            "direction": _f(allowed=ACTIVITY_DIRECTIONS),
            "occurred_at": _f("timestamp", required=True),
            "lead_id": _f(),
            "deal_id": _f(),
            "account_id": _f(),
        },
        primary_key=("activity_id",),
    ),
    # A quota belongs to a rep or to a team: no single non-null key, so the plan is replaced
    # as a whole on every load unless the mapping names a key of its own.
    "quotas": CanonicalEntity(
        fields={
            "rep_id": _f(),
            "team_id": _f(),
            "period_start": _f("date", required=True),
            "period_end": _f("date", required=True),
            "metric": _f(),
            "target": _f("decimal", required=True),
            "currency": _f("currency"),
        },
        primary_key=(),
    ),
    "fx_rates": CanonicalEntity(
        fields={
            "currency": _f("currency", required=True),
            "rate_date": _f("date", required=True),
            "rate_to_reporting": _f("number", required=True),
        },
        primary_key=("currency", "rate_date"),
    ),
    "survey_questions": CanonicalEntity(
        fields={
            "survey_id": _f(required=True),
            "question_id": _f(required=True),
            "kind": _f(required=True, allowed=SURVEY_QUESTION_KINDS),
            "scale_min": _f("integer"),
            "scale_max": _f("integer"),
            "text": _f(),
        },
        primary_key=("survey_id", "question_id"),
    ),
    "survey_responses": CanonicalEntity(
        fields={
            "response_id": _f(required=True),
            "survey_id": _f(required=True),
            "wave": _f(),
            "team_id": _f(),
            "submitted_at": _f("timestamp"),
            "question_id": _f(required=True),
            "value": _f("number"),
            "text": _f(),
        },
        primary_key=("response_id", "question_id"),
    ),
    # A one-on-one notes export: what a rep committed to, on which metric, to reach what target.
    # Notes have no stable key: the export is replaced as a whole on every load.
    "one_on_one_commitments": CanonicalEntity(
        fields={
            "meeting_date": _f("date", required=True),
            "rep_id": _f(required=True),
            "manager_rep_id": _f(),
            "commitment": _f(required=True),
            "metric": _f(required=True, allowed=COMMITMENT_METRICS),
            "target": _f("number"),
        },
        primary_key=(),
    ),
}

# A money field and the field that must say its currency whenever it has a value.
CURRENCY_OF: dict[tuple[str, str], str] = {
    ("deals", "amount"): "currency",
    ("quotas", "target"): "currency",
}

# Lineage columns added to every entity row.
SOURCE_FILE_COLUMN = "_source_file"
SOURCE_ROW_COLUMN = "_source_row_number"
LOAD_ID_COLUMN = "_dlt_load_id"
# Keyed entities only: when a full export of the dataset first missed the record (soft delete);
# NULL while the latest full export holds it.
DELETED_AT_COLUMN = "_deleted_at"
# Keyed entities only: a 64-bit fingerprint of the row's content (every column but these
# lineage columns), so that a full export's unchanged rows are not written again and keep the
# load that last changed them (unchanged.py). Stored as BIGINT: both destinations have it.
CONTENT_HASH_COLUMN = "_content_hash"
LINEAGE_COLUMNS = (
    SOURCE_FILE_COLUMN,
    SOURCE_ROW_COLUMN,
    LOAD_ID_COLUMN,
    DELETED_AT_COLUMN,
    CONTENT_HASH_COLUMN,
)

QUARANTINE_TABLE = "quarantine"
QUARANTINE_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("file", pa.string()),
        ("row_number", pa.int64()),
        ("column", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("load_id", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)

LOAD_ACCOUNTING_TABLE = "load_accounting"
LOAD_ACCOUNTING_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("file", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_quarantined", pa.int64()),
        # Of rows_loaded, those identical to the warehouse's row of the same key: written back
        # with the load id that last changed them, not this load's (full exports only).
        ("rows_unchanged", pa.int64()),
        ("load_id", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)

# Formats tried, in order, for a date or timestamp field whose mapping names none (ISO 8601).
# A fraction of a second after %S is accepted by every format that has %S.
DEFAULT_TIMESTAMP_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)

DEFAULT_TRUE_VALUES = ("true", "t", "yes", "y", "1")
DEFAULT_FALSE_VALUES = ("false", "f", "no", "n", "0")

# File formats and the extensions they are inferred from.
FORMAT_BY_EXTENSION = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet"}
FILE_FORMATS = ("csv", "parquet")

# CSV read in blocks of this size: large enough for Arrow's parallel parser, small enough that its
# read-ahead stays bounded (32 MB blocks held 1.2 GB of a 2 GB file in flight, 8 MB hold 0.3 GB).
CSV_BLOCK_SIZE = 8 << 20
# ...and its blocks joined into batches of at least this many rows before they are parsed.
CSV_BATCH_ROWS = 250_000
# Parquet read in batches of this many rows.
PARQUET_BATCH_ROWS = 1 << 20
