"""What the Typeform source asks the API for, and the tables it writes (Arrow schemas, so that
every table has the same columns and types whatever the answers looked like)."""

import pyarrow as pa

DEFAULT_BASE_URL = "https://api.typeform.com"
# The Responses API returns at most 1000 responses per request.
PAGE_SIZE = 1000
PAGE_SIZE_MAX = 1000
# Each load re-reads the responses submitted in this window before the cursor, so that a
# response Typeform makes visible late (after later ones were read) is still loaded; those
# already loaded are recognised by id and skipped.
DEFAULT_LOOKBACK_SECONDS = 3600

# Field types answered on a numeric scale; their answers are checked against the scale.
SCALE_FIELD_TYPES = frozenset({"nps", "opinion_scale", "rating"})
# Field types whose answers must be whole numbers.
WHOLE_NUMBER_FIELD_TYPES = SCALE_FIELD_TYPES
# Answer types whose value is a single string, loaded into `text`.
TEXT_ANSWER_TYPES = frozenset({"text", "email", "url", "file_url", "phone_number", "date"})
# Field types that hold other fields (their `properties.fields`).
CONTAINER_FIELD_TYPES = frozenset({"group", "inline_group", "matrix"})

SURVEY_TYPE_ENPS = "enps"
SURVEY_TYPE_PULSE = "pulse"
SURVEY_TYPE_OTHER = "other"

FORMS_TABLE = "forms"
FORM_FIELDS_TABLE = "form_fields"
RESPONSES_TABLE = "responses"
ANSWERS_TABLE = "answers"
QUARANTINE_TABLE = "quarantine"
LOAD_ACCOUNTING_TABLE = "load_accounting"
LOAD_ID_COLUMN = "_dlt_load_id"

_TIMESTAMP = pa.timestamp("us", tz="UTC")


def _key(name: str) -> pa.Field:
    """Key columns (all text) are non-nullable, as dlt marks primary keys."""
    return pa.field(name, pa.string(), nullable=False)


FORMS_SCHEMA = pa.schema(
    [
        _key("form_id"),
        ("title", pa.string()),
        ("survey_type", pa.string()),
        ("field_count", pa.int64()),
        ("hidden_fields", pa.string()),
        ("created_at", _TIMESTAMP),
        ("last_updated_at", _TIMESTAMP),
        ("published_at", _TIMESTAMP),
        (LOAD_ID_COLUMN, pa.string()),
    ]
)
FORM_FIELDS_SCHEMA = pa.schema(
    [
        _key("form_id"),
        _key("field_id"),
        ("ref", pa.string()),
        ("type", pa.string()),
        ("title", pa.string()),
        ("scale_min", pa.int64()),
        ("scale_max", pa.int64()),
        ("is_required", pa.bool_()),
        ("position", pa.int64()),
        ("parent_field_id", pa.string()),
        (LOAD_ID_COLUMN, pa.string()),
    ]
)
RESPONSES_SCHEMA = pa.schema(
    [
        _key("response_id"),
        ("form_id", pa.string()),
        ("response_type", pa.string()),
        ("landed_at", _TIMESTAMP),
        ("submitted_at", _TIMESTAMP),
        ("team", pa.string()),
        ("wave", pa.string()),
        ("hidden", pa.string()),
        ("answer_count", pa.int64()),
        (LOAD_ID_COLUMN, pa.string()),
    ]
)
ANSWERS_SCHEMA = pa.schema(
    [
        _key("response_id"),
        _key("field_id"),
        ("form_id", pa.string()),
        ("field_ref", pa.string()),
        ("field_type", pa.string()),
        ("answer_type", pa.string()),
        ("number", pa.float64()),
        ("text", pa.string()),
        ("boolean", pa.bool_()),
        ("choice_label", pa.string()),
        ("choice_labels", pa.string()),
        ("submitted_at", _TIMESTAMP),
        ("team", pa.string()),
        ("wave", pa.string()),
        (LOAD_ID_COLUMN, pa.string()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("form_id", pa.string()),
        ("response_id", pa.string()),
        ("field_id", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("load_id", pa.string()),
        ("loaded_at", _TIMESTAMP),
    ]
)
LOAD_ACCOUNTING_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("form_id", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("load_id", pa.string()),
        ("loaded_at", _TIMESTAMP),
    ]
)
