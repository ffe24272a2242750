"""Checks every record the HubSpot API returns before it becomes a row, and puts its values in
the form the raw tables hold.

HubSpot's CRM API v3 documents a record as {"id": "<string>", "properties": {name: string or
null}, "createdAt", "updatedAt", "archived", "archivedAt"?, "propertiesWithHistory"?,
"associations"?}, with datetimes as ISO 8601 text. A record that does not fit is rejected with
the reason (the caller quarantines it) rather than loaded wrong: without an id it would merge
with every other id-less record, an object where an amount belongs would become NULL, and a
datetime that is not one would fail the cast in dbt staging and stop the whole night.

What loads is normalised, never reinterpreted: numbers sent as JSON numbers become their text,
booleans "true"/"false", datetimes (ISO 8601 in any offset, or epoch milliseconds) one ISO 8601
form in UTC with milliseconds (HubSpot's own), and an empty datetime NULL.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.sources.hubspot.settings import CrmObject

# Properties HubSpot types as `number`: their text must be a decimal number.
NUMBER_PROPERTIES = frozenset({"amount", "hs_call_duration", "numberofemployees"})
# Properties HubSpot types as `datetime` or `date`.
DATETIME_PROPERTIES = frozenset(
    {
        "createdate",
        "closedate",
        "lastmodifieddate",
        "hs_lastmodifieddate",
        "hs_createdate",
        "hs_timestamp",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
        "hs_lifecyclestage_lead_date",
        "hs_lifecyclestage_marketingqualifiedlead_date",
        "hs_lifecyclestage_salesqualifiedlead_date",
        "hs_lifecyclestage_opportunity_date",
        "hs_lifecyclestage_customer_date",
    }
)
_TYPED_PROPERTIES = NUMBER_PROPERTIES | DATETIME_PROPERTIES
# The record's own datetimes (outside `properties`), and the columns they land in.
RECORD_DATETIMES = (("createdAt", "created_at"), ("updatedAt", "updated_at"))
# HubSpot's datetime form: 2026-03-01T09:30:00.000Z.
_HUBSPOT_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# A quarantined record keeps this much of its JSON text.
RECORD_TEXT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record not loaded, and why: a quarantine row without the load's id and time."""

    record_id: str | None
    field: str | None
    value: str | None
    reason: str
    record: str


class Rejected(ValueError):
    """Raised inside the checks; becomes a Rejection of the whole record."""

    def __init__(self, field: str | None, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


def parse_instant(value: Any) -> dt.datetime | None:
    """A HubSpot datetime (ISO 8601 text, epoch-milliseconds text or number) as an aware UTC
    datetime; None for no value; raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a datetime")
    if isinstance(value, int | float):
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValueError("not whole epoch milliseconds")
        return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)
    if not isinstance(value, str):
        raise ValueError("not a datetime")
    text = value.strip()
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:  # HubSpot's datetimes are UTC; a date alone is midnight UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _hubspot_form(value: Any) -> dt.datetime | None:
    """The datetime of a text already in HubSpot's own form (the common case, made cheap), or
    None when the text has another form; raises ValueError for an impossible date."""
    if type(value) is str and len(value) == 24 and _HUBSPOT_FORM.fullmatch(value):
        return dt.datetime.fromisoformat(value)
    return None


def instant_text(value: Any) -> str | None:
    """HubSpot's ISO 8601 form (UTC, milliseconds, Z) of a datetime value; raises ValueError."""
    if _hubspot_form(value) is not None:
        return value
    parsed = parse_instant(value)
    if parsed is None:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def instant_ms(value: Any) -> int | None:
    """Epoch milliseconds of a datetime value, or None when it has none or is not one."""
    try:
        parsed = _hubspot_form(value) or parse_instant(value)
    except (ValueError, OverflowError, OSError):
        return None
    return None if parsed is None else round(parsed.timestamp() * 1000)


def record_id(record: Any) -> str | None:
    """The record's id as text, or None when it has no usable one."""
    if not isinstance(record, dict):
        return None
    value = record.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def checked_record(
    crm: CrmObject, record: Any, links: dict[str, list[dict]] | None = None
) -> dict | Rejection:
    """The record with its values normalised, or the Rejection that sends it to quarantine.
    `links` are its associations read through the v4 batch endpoint ({to type: [{toObjectId,
    associationTypes}]}), checked like the inline ones."""
    try:
        checked = _normalised(crm, record)
        for found in (links or {}).values():
            checked_links(found, "toObjectId")
        return checked
    except Rejected as problem:
        return Rejection(
            record_id=record_id(record),
            field=problem.field,
            value=_text(problem.value),
            reason=problem.reason,
            record=record_text(record),
        )


def checked_links(links: Any, id_key: str) -> list[dict]:
    """Association links (v3 `results` or v4 `to`), each with a usable target id."""
    if not isinstance(links, list):
        raise Rejected("associations", links, "associations are not a list")
    for link in links:
        target = link.get(id_key) if isinstance(link, dict) else None
        if isinstance(target, bool) or not isinstance(target, str | int) or str(target) == "":
            raise Rejected("associations", link, "an association has no target id")
    return links


def record_text(record: Any) -> str:
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) > RECORD_TEXT_LIMIT:
        return text[:RECORD_TEXT_LIMIT] + " ... (truncated)"
    return text


def _normalised(crm: CrmObject, record: Any) -> dict:
    if not isinstance(record, dict):
        raise Rejected(None, record, "the record is not a JSON object")
    object_id = record_id(record)
    if object_id is None:
        raw = record.get("id")
        reason = "the record has no id" if raw in (None, "") else "the record's id is not text"
        raise Rejected("id", raw, reason)
    properties = record.get("properties")
    if not isinstance(properties, dict):
        reason = (
            "the record has no properties object"
            if properties is None
            else "the record's properties are not an object"
        )
        raise Rejected("properties", properties, reason)

    normalised = {**record, "id": object_id}
    normalised["properties"] = {
        name: _property_value(name, properties.get(name))
        for name in crm.properties
        if name in properties
    }
    for key, _ in RECORD_DATETIMES:
        normalised[key] = _datetime(key, record.get(key))
    normalised["archived"] = _archived(record.get("archived", False))
    normalised["archivedAt"] = _datetime("archivedAt", record.get("archivedAt"))
    if crm.history:
        normalised["propertiesWithHistory"] = _history(crm, record.get("propertiesWithHistory"))
    associations = record.get("associations")
    if associations is not None:
        if not isinstance(associations, dict):
            raise Rejected("associations", associations, "associations are not an object")
        for block in associations.values():
            checked_links(
                (block or {}).get("results", []) if isinstance(block, dict) else block, "id"
            )
    return normalised


def _property_value(name: str, value: Any) -> str | None:
    if type(value) is str and name not in _TYPED_PROPERTIES:
        return value  # the common case: text where text belongs
    if isinstance(value, dict | list):
        kind = "an object" if isinstance(value, dict) else "a list"
        raise Rejected(name, value, f"{name} is {kind}, not a value")
    if name in DATETIME_PROPERTIES:
        return _datetime(name, value)
    if name in NUMBER_PROPERTIES:
        return _number(name, value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _number(name, value)


def _number(name: str, value: Any) -> str | None:
    """A number property's text: a finite decimal number, or NULL when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected(name, value, f"{name} is a boolean, not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Rejected(name, value, f"{name} is not a finite number")
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise Rejected(name, value, f"{name} is not a number") from None
        if not number.is_finite():
            raise Rejected(name, value, f"{name} is not a finite number")
        return value.strip()
    raise Rejected(name, value, f"{name} is not a number")


def _datetime(name: str, value: Any) -> str | None:
    try:
        return instant_text(value)
    except (ValueError, OverflowError, OSError):
        raise Rejected(name, value, f"{name} is not a datetime") from None


def _archived(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Rejected("archived", value, "archived is not true or false")


def _history(crm: CrmObject, histories: Any) -> dict[str, list[dict]]:
    """Each history change with its value checked like the property's and its timestamp
    normalised; a change without a timestamp cannot be placed in time."""
    if histories is None:
        return {}
    if not isinstance(histories, dict):
        raise Rejected("propertiesWithHistory", histories, "property history is not an object")
    checked: dict[str, list[dict]] = {}
    for prop in crm.history:
        changes = histories.get(prop) or []
        if not isinstance(changes, list):
            raise Rejected(prop, changes, f"the history of {prop} is not a list")
        checked[prop] = []
        for change in changes:
            if not isinstance(change, dict):
                raise Rejected(prop, change, f"a change in the history of {prop} is not an object")
            at = _datetime(f"{prop} history timestamp", change.get("timestamp"))
            if at is None:
                raise Rejected(prop, change, f"a change in the history of {prop} has no timestamp")
            value = _property_value(prop, change.get("value"))
            checked[prop].append({**change, "value": value, "timestamp": at})
    return checked


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
