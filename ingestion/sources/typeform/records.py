"""Typeform API records as raw rows, and the checks that send an answer to quarantine.

Pure functions, no I/O: a form definition becomes one `forms` row and its `form_fields` rows; a
response becomes one `responses` row and its `answers` rows, or quarantine entries that say why
a value was not loaded. Nothing is dropped: every answer read is loaded or rejected with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

from ingestion.sources.typeform.settings import (
    CONTAINER_FIELD_TYPES,
    SCALE_FIELD_TYPES,
    SURVEY_TYPE_ENPS,
    SURVEY_TYPE_OTHER,
    SURVEY_TYPE_PULSE,
    TEXT_ANSWER_TYPES,
    WHOLE_NUMBER_FIELD_TYPES,
)

# Hidden fields that land as their own columns; any others land in the `hidden` JSON column.
HIDDEN_COLUMNS = ("team", "wave")


# -- form definitions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One question of a form, as the `form_fields` table holds it."""

    form_id: str
    field_id: str
    ref: str | None
    type: str | None
    title: str | None
    scale_min: int | None
    scale_max: int | None
    is_required: bool | None
    position: int
    parent_field_id: str | None

    def row(self) -> dict[str, Any]:
        return {
            "form_id": self.form_id,
            "field_id": self.field_id,
            "ref": self.ref,
            "type": self.type,
            "title": self.title,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "is_required": self.is_required,
            "position": self.position,
            "parent_field_id": self.parent_field_id,
        }


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def field_scale(
    field_type: str | None, properties: dict, validations: dict
) -> tuple[int | None, int | None]:
    """(min, max) of the answers a field accepts, where its definition says so.

    nps: 0 to 10 (Typeform's NPS always has 11 steps from 0). opinion_scale: `steps` values
    from 0, or from 1 with `start_at_one`. rating: 1 to `steps`. number: the field's
    `min_value` / `max_value` validations. Otherwise (or when `steps` is missing) unknown.
    """
    steps = _int_or_none(properties.get("steps"))
    if field_type == "nps":
        start = 1 if properties.get("start_at_one") else 0
        return start, start + (steps if steps else 11) - 1
    if field_type == "opinion_scale":
        if not steps:
            return None, None
        start = 1 if properties.get("start_at_one") else 0
        return start, start + steps - 1
    if field_type == "rating":
        return (1, steps) if steps else (None, None)
    if field_type == "number":
        return _int_or_none(validations.get("min_value")), _int_or_none(
            validations.get("max_value")
        )
    return None, None


def form_fields(form_id: str, definition: dict) -> list[FieldSpec]:
    """Every question of a form, depth first; the questions inside a group (or matrix) follow
    it and name it as their parent, since answers refer to them by their own id."""
    specs: list[FieldSpec] = []

    def walk(fields: list[dict], parent: str | None) -> None:
        for raw in fields or []:
            if not isinstance(raw, dict) or not raw.get("id"):
                continue
            properties = raw.get("properties") or {}
            validations = raw.get("validations") or {}
            scale_min, scale_max = field_scale(raw.get("type"), properties, validations)
            required = validations.get("required")
            specs.append(
                FieldSpec(
                    form_id=form_id,
                    field_id=str(raw["id"]),
                    ref=raw.get("ref"),
                    type=raw.get("type"),
                    title=raw.get("title"),
                    scale_min=scale_min,
                    scale_max=scale_max,
                    is_required=required if isinstance(required, bool) else None,
                    position=len(specs) + 1,
                    parent_field_id=parent,
                )
            )
            if raw.get("type") in CONTAINER_FIELD_TYPES:
                walk(properties.get("fields") or [], str(raw["id"]))

    walk(definition.get("fields") or [], None)
    return specs


def survey_type(fields: list[FieldSpec]) -> str:
    """`enps` for a form with an NPS question, `pulse` for one with scale questions (opinion
    scale, rating) and no NPS, `other` otherwise."""
    types = {spec.type for spec in fields}
    if "nps" in types:
        return SURVEY_TYPE_ENPS
    if types & (SCALE_FIELD_TYPES - {"nps"}):
        return SURVEY_TYPE_PULSE
    return SURVEY_TYPE_OTHER


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Typeform's ISO 8601 timestamps (`2024-01-31T10:00:00Z`) as aware UTC datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def form_row(form_id: str, definition: dict, fields: list[FieldSpec]) -> dict[str, Any]:
    hidden = definition.get("hidden") or []
    return {
        "form_id": form_id,
        "title": definition.get("title"),
        "survey_type": survey_type(fields),
        "field_count": len(fields),
        "hidden_fields": ",".join(str(name) for name in hidden) or None,
        "created_at": parse_timestamp(definition.get("created_at")),
        "last_updated_at": parse_timestamp(definition.get("last_updated_at")),
        "published_at": parse_timestamp(definition.get("published_at")),
    }


# -- responses and answers ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejection:
    """A value not loaded, and why: a quarantine row (without the load's id and time)."""

    response_id: str | None
    field_id: str | None
    value: str | None
    reason: str


@dataclass(slots=True)
class ParsedResponse:
    """One response read from the API: its row and answer rows, or why they were rejected."""

    form_id: str
    response_id: str | None
    submitted_s: int | None
    response: dict[str, Any] | None = None
    rejection: Rejection | None = None
    answers: list[dict[str, Any]] = field(default_factory=list)
    answer_rejections: list[Rejection] = field(default_factory=list)

    @property
    def answers_read(self) -> int:
        return len(self.answers) + len(self.answer_rejections)


def value_text(value: Any) -> str | None:
    """A raw value as quarantine shows it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _format_number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_answer(
    answer: dict, spec: FieldSpec | None
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(value columns, None, None) for an answer that loads, or (None, raw value, reason) for
    one that goes to quarantine.

    Answers to scale questions (nps, opinion_scale, rating) must be whole numbers within the
    field's scale; a number answer to a number question within its min/max validations. An
    nps answer is checked against 0 to 10 even when the form's definition is unknown.
    """
    answer_type = answer.get("type")
    raw_field = answer.get("field") or {}
    field_type = (spec.type if spec is not None else None) or raw_field.get("type")
    scale_min, scale_max = (spec.scale_min, spec.scale_max) if spec is not None else (None, None)
    if spec is None and field_type == "nps":
        scale_min, scale_max = 0, 10

    columns: dict[str, Any] = {
        "number": None,
        "text": None,
        "boolean": None,
        "choice_label": None,
        "choice_labels": None,
    }
    value = answer.get(answer_type) if isinstance(answer_type, str) else None

    if field_type in SCALE_FIELD_TYPES and answer_type != "number":
        return (
            None,
            value_text(value),
            f"{field_type} answer is of type {answer_type}, not a number",
        )

    if answer_type == "number":
        number = answer.get("number")
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None, value_text(number), f"{field_type} answer has no number"
        if isinstance(number, float) and not math.isfinite(number):
            return None, value_text(number), f"{field_type} answer {number} is not a finite number"
        if field_type in WHOLE_NUMBER_FIELD_TYPES and not float(number).is_integer():
            return (
                None,
                value_text(number),
                f"{field_type} answer {number} is not a whole number",
            )
        below = scale_min is not None and number < scale_min
        above = scale_max is not None and number > scale_max
        if below or above:
            scale = f"{_bound(scale_min)} to {_bound(scale_max)}"
            return (
                None,
                value_text(number),
                f"{field_type} answer {_format_number(number)} is outside its scale {scale}",
            )
        columns["number"] = float(number)
    elif answer_type in TEXT_ANSWER_TYPES:
        columns["text"] = value if isinstance(value, str) else value_text(value)
    elif answer_type == "boolean":
        if not isinstance(value, bool):
            return None, value_text(value), f"{field_type} answer is not true or false"
        columns["boolean"] = value
    elif answer_type == "choice":
        choice = value if isinstance(value, dict) else {}
        columns["choice_label"] = choice.get("label")
        columns["text"] = choice.get("other")
    elif answer_type == "choices":
        choices = value if isinstance(value, dict) else {}
        labels = choices.get("labels") or []
        columns["choice_labels"] = json.dumps(labels, ensure_ascii=False)
        columns["text"] = choices.get("other")
    else:
        # An answer type this source does not model (payment, multi_format, …) keeps its
        # value as JSON text rather than being dropped.
        columns["text"] = value_text(value)
    return columns, None, None


def _bound(value: int | None) -> str:
    return "?" if value is None else str(value)


def parse_response(form_id: str, item: dict, fields: dict[str, FieldSpec]) -> ParsedResponse:
    """A response of the Responses API (`items[]`) as rows, checked."""
    response_id = item.get("response_id") or item.get("token")
    response_id = str(response_id) if response_id else None
    submitted = parse_timestamp(item.get("submitted_at"))
    submitted_s = int(submitted.timestamp()) if submitted is not None else None
    hidden = item.get("hidden") if isinstance(item.get("hidden"), dict) else {}
    parsed = ParsedResponse(form_id=form_id, response_id=response_id, submitted_s=submitted_s)
    answers = [a for a in item.get("answers") or [] if isinstance(a, dict)]

    problem = None
    if response_id is None:
        problem = "response has no response_id or token"
    elif submitted is None:
        raw = item.get("submitted_at")
        problem = (
            "response has no submitted_at (not a completed response)"
            if not raw
            else "submitted_at is not an ISO 8601 timestamp"
        )
    if problem is not None:
        parsed.rejection = Rejection(
            response_id, None, value_text(item.get("submitted_at")), problem
        )
        for answer in answers:
            field_id = (answer.get("field") or {}).get("id")
            value = answer.get(answer.get("type")) if isinstance(answer.get("type"), str) else None
            parsed.answer_rejections.append(
                Rejection(
                    response_id,
                    field_id,
                    value_text(value),
                    f"its response was rejected: {problem}",
                )
            )
        return parsed

    team, wave = (_hidden_text(hidden.get(name)) for name in HIDDEN_COLUMNS)
    others = {k: v for k, v in hidden.items() if k not in HIDDEN_COLUMNS}
    parsed.response = {
        "response_id": response_id,
        "form_id": form_id,
        "response_type": item.get("response_type"),
        "landed_at": parse_timestamp(item.get("landed_at")),
        "submitted_at": submitted,
        "team": team,
        "wave": wave,
        "hidden": json.dumps(others, sort_keys=True, ensure_ascii=False) if others else None,
        "answer_count": len(answers),
    }
    seen_fields: set[str] = set()
    for answer in answers:
        raw_field = answer.get("field") or {}
        field_id = raw_field.get("id")
        if not field_id:
            parsed.answer_rejections.append(
                Rejection(response_id, None, value_text(answer), "answer names no field")
            )
            continue
        field_id = str(field_id)
        if field_id in seen_fields:
            parsed.answer_rejections.append(
                Rejection(
                    response_id,
                    field_id,
                    value_text(answer.get(answer.get("type"))),
                    f"a second answer to field {field_id} in one response",
                )
            )
            continue
        seen_fields.add(field_id)
        spec = fields.get(field_id)
        columns, raw_value, reason = check_answer(answer, spec)
        if columns is None:
            parsed.answer_rejections.append(
                Rejection(response_id, field_id, raw_value, reason or "")
            )
            continue
        parsed.answers.append(
            {
                "response_id": response_id,
                "field_id": field_id,
                "form_id": form_id,
                "field_ref": raw_field.get("ref") or (spec.ref if spec else None),
                "field_type": raw_field.get("type") or (spec.type if spec else None),
                "answer_type": answer.get("type"),
                **columns,
                "submitted_at": submitted,
                "team": team,
                "wave": wave,
            }
        )
    return parsed


def _hidden_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else value_text(value)
