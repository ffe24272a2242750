"""The `typeform` dlt source: survey definitions (forms and their questions) and responses with
their answers, incremental on submission time.

Tables (all in `raw_typeform`): `forms` (merge on form_id), `form_fields` (merge on form_id,
field_id), `responses` (merge on response_id), `answers` (merge on response_id, field_id), and
beside them, as in the `files` source, `quarantine` (answers or responses rejected, with the
reason) and `load_accounting` (rows read, loaded and quarantined per table, form and load).

Form definitions are fetched on every load and written only when what they hold changed.

Incremental loads: one walk of the Responses API per form feeds both `responses` and `answers`.
Each of the two keeps its own cursor per form in dlt's resource state (the latest submitted_at
it loaded, and the ids it loaded in the look-back window before it), so that loading one of
them alone (a Dagster asset selection) never makes the other miss responses. The walk starts at
the earliest cursor of the tables being loaded, minus the look-back window; responses a table
already has are skipped by id, so an unchanged rerun loads nothing. State is committed with the
load: a failed load moves no cursor and writes no raw row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.exceptions import CurrentSourceNotAvailable
from dlt.sources import DltResource

from ingestion.sources.load_bookkeeping import current_load, side_table
from ingestion.sources.typeform.client import TypeformClient
from ingestion.sources.typeform.errors import TypeformSourceError
from ingestion.sources.typeform.records import (
    FieldSpec,
    ParsedResponse,
    Rejection,
    form_fields,
    form_row,
    parse_response,
)
from ingestion.sources.typeform.settings import (
    ANSWERS_SCHEMA,
    ANSWERS_TABLE,
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_SECONDS,
    FORM_FIELDS_SCHEMA,
    FORM_FIELDS_TABLE,
    FORMS_SCHEMA,
    FORMS_TABLE,
    LOAD_ACCOUNTING_SCHEMA,
    LOAD_ACCOUNTING_TABLE,
    LOAD_ID_COLUMN,
    PAGE_SIZE,
    PAGE_SIZE_MAX,
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    RESPONSES_SCHEMA,
    RESPONSES_TABLE,
)

RESPONSE_PAGES = "response_pages"
# Rows are unique by key when they leave the source, so the destination need not deduplicate.
_MERGE: Any = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


@dlt.source(name="typeform")
def typeform_source(
    base_url: str = DEFAULT_BASE_URL,
    access_token: str = dlt.secrets.value,
    form_ids: list[str] = dlt.config.value,
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS,
    page_size: int = PAGE_SIZE,
) -> Iterable[DltResource]:
    """Typeform surveys: the forms in `form_ids`, their questions, responses and answers.

    Configured through dlt: `sources.typeform.base_url` (default Typeform's API; EU accounts
    use https://api.eu.typeform.com), `sources.typeform.access_token` (secret) and
    `sources.typeform.form_ids` (a list), or SOURCES__TYPEFORM__* environment variables.
    Nothing is requested until the resources are extracted.
    """
    ids = _checked_form_ids(form_ids)
    if not 1 <= int(page_size) <= PAGE_SIZE_MAX:
        raise TypeformSourceError(f"sources.typeform.page_size must be 1 to {PAGE_SIZE_MAX}")
    if int(lookback_seconds) < 0:
        raise TypeformSourceError("sources.typeform.lookback_seconds must not be negative")
    client = TypeformClient(base_url, access_token, int(page_size))
    catalog = FormCatalog(client, ids)
    pages = dlt.resource(
        _response_pages(client, catalog, int(lookback_seconds)),
        name=RESPONSE_PAGES,
        selected=False,
    )
    return (
        dlt.resource(
            _forms(catalog), name=FORMS_TABLE, write_disposition=_MERGE, primary_key="form_id"
        ),
        dlt.resource(
            _form_fields(catalog),
            name=FORM_FIELDS_TABLE,
            write_disposition=_MERGE,
            primary_key=["form_id", "field_id"],
        ),
        pages,
        _consumer_resource(pages, _ResponsesTable),
        _consumer_resource(pages, _AnswersTable),
    )


def _checked_form_ids(form_ids: Any) -> list[str]:
    if isinstance(form_ids, str):
        form_ids = form_ids.split(",")
    ids = [str(form_id).strip() for form_id in form_ids or []]
    ids = [form_id for form_id in dict.fromkeys(ids) if form_id]
    if not ids:
        raise TypeformSourceError(
            "no Typeform form ids configured: set sources.typeform.form_ids in "
            '.dlt/config.toml or SOURCES__TYPEFORM__FORM_IDS (a list, e.g. ["abc123", "def456"])'
        )
    return ids


class FormCatalog:
    """The configured forms' definitions, fetched once per load and shared by the resources
    (the answers are checked against the scales of the questions they answer)."""

    def __init__(self, client: TypeformClient, form_ids: list[str]) -> None:
        self.client = client
        self.form_ids = form_ids
        self._definitions: dict[str, tuple[dict, list[FieldSpec]]] = {}

    def get(self, form_id: str) -> tuple[dict, list[FieldSpec]]:
        if form_id not in self._definitions:
            definition = self.client.form(form_id)
            self._definitions[form_id] = (definition, form_fields(form_id, definition))
        return self._definitions[form_id]

    def fields_by_id(self, form_id: str) -> dict[str, FieldSpec]:
        return {spec.field_id: spec for spec in self.get(form_id)[1]}


# -- forms and their questions ----------------------------------------------------------------


def _forms(catalog: FormCatalog) -> Iterator[Any]:
    """One row per form, written when what it holds changed since the last load."""
    load_id, loaded_at = current_load()
    fingerprints = dlt.current.resource_state(FORMS_TABLE).setdefault("fingerprints", {})
    yield FORMS_SCHEMA.empty_table()
    for form_id in catalog.form_ids:
        definition, fields = catalog.get(form_id)
        rows = [form_row(form_id, definition, fields)]
        yield from _changed_rows(
            FORMS_TABLE, form_id, rows, FORMS_SCHEMA, fingerprints, load_id, loaded_at
        )


def _form_fields(catalog: FormCatalog) -> Iterator[Any]:
    """One row per question (groups' inner questions included), written when the form's
    questions changed since the last load."""
    load_id, loaded_at = current_load()
    fingerprints = dlt.current.resource_state(FORM_FIELDS_TABLE).setdefault("fingerprints", {})
    yield FORM_FIELDS_SCHEMA.empty_table()
    for form_id in catalog.form_ids:
        rows = [spec.row() for spec in catalog.get(form_id)[1]]
        yield from _changed_rows(
            FORM_FIELDS_TABLE, form_id, rows, FORM_FIELDS_SCHEMA, fingerprints, load_id, loaded_at
        )


def _changed_rows(
    entity: str,
    form_id: str,
    rows: list[dict],
    schema: pa.Schema,
    fingerprints: dict[str, str],
    load_id: str | None,
    loaded_at: dt.datetime,
) -> Iterator[Any]:
    """A form's definition rows, unless the last load wrote exactly these (then nothing is
    read as new, as with responses already loaded), and their accounting."""
    content = json.dumps(rows, default=str, sort_keys=True).encode()
    fingerprint = hashlib.sha256(content).hexdigest()
    if fingerprints.get(form_id) == fingerprint:
        yield accounting_table(entity, form_id, 0, 0, 0, load_id, loaded_at)
        return
    if rows:
        yield _table(rows, schema, load_id)
    fingerprints[form_id] = fingerprint
    yield accounting_table(entity, form_id, len(rows), len(rows), 0, load_id, loaded_at)


# -- responses and answers --------------------------------------------------------------------


def _response_pages(
    client: TypeformClient, catalog: FormCatalog, lookback_seconds: int
) -> Iterator[dict[str, list[Any]]]:
    """The walk that `responses` and `answers` both read: per form, the responses submitted
    since the earliest window of the tables being loaded, newest first.

    Everything stateful happens here, in one ordered generator (dlt interleaves a
    transformer's work on successive items): each item is {table name: its Arrow tables}, and
    the transformers only route them. Cursors go to each table's own resource state.
    """
    selected = _selected_consumers()
    tables = [
        kind(lookback_seconds) for kind in (_ResponsesTable, _AnswersTable) if kind.name in selected
    ]
    # The table and quarantine exist after every load, even one with nothing new.
    yield {t.name: [t.schema.empty_table(), empty_quarantine()] for t in tables}
    for form_id in catalog.form_ids:
        fields = catalog.fields_by_id(form_id)
        starts = [t.cursor(form_id).window_start for t in tables]
        since = None if not starts or None in starts else min(starts)
        for page in client.responses(form_id, since):
            parsed = [parse_response(form_id, item, fields) for item in page]
            yield {t.name: t.take(form_id, parsed) for t in tables}
        yield {t.name: t.done(form_id) for t in tables}


def _selected_consumers() -> list[str]:
    """The response tables this load writes (both unless a selection left one out)."""
    names = [RESPONSES_TABLE, ANSWERS_TABLE]
    try:
        selected = dlt.current.source().selected_resources
    except CurrentSourceNotAvailable:  # called outside a pipeline run: both
        return names
    return [name for name in names if name in selected] or names


def _form_state(table: str, form_id: str) -> dict:
    state = dlt.current.resource_state(table)
    return state.setdefault("forms", {}).setdefault(form_id, {})


class Cursor:
    """A table's position in one form's responses: the latest submitted_at loaded (unix
    seconds), and the ids loaded in the look-back window before it.

    A response is new when it was submitted within the window of the cursor as the load found
    it (or later) and its id is not among those loaded there or earlier in this load;
    responses submitted before the window were loaded by an earlier load. On the first load
    (no cursor) every response is new.
    """

    def __init__(self, since: int | None, recent: dict[str, int], lookback_seconds: int) -> None:
        self.lookback = lookback_seconds
        # Where the load started: fixed for the load, whatever order the responses come in.
        self.window_start = None if since is None else since - lookback_seconds
        self.since = since
        self.recent = dict(recent)

    @classmethod
    def from_state(cls, state: dict, lookback_seconds: int) -> Cursor:
        return cls(state.get("since"), state.get("recent") or {}, lookback_seconds)

    def is_new(self, response_id: str | None, submitted_s: int | None) -> bool:
        if response_id is not None and response_id in self.recent:
            return False
        if self.window_start is None:
            return True
        return submitted_s is not None and submitted_s >= self.window_start

    def advance(self, response_id: str | None, submitted_s: int | None) -> None:
        if response_id is None or submitted_s is None:
            return
        self.recent[response_id] = submitted_s
        if self.since is None or submitted_s > self.since:
            self.since = submitted_s

    def save(self, state: dict) -> None:
        """The cursor for the next load: the latest submission, and the ids in its window."""
        if self.since is None:
            return
        start = self.since - self.lookback
        state["since"] = self.since
        state["recent"] = {rid: at for rid, at in self.recent.items() if at >= start}


@dataclass(slots=True)
class _Counts:
    read: int = 0
    loaded: int = 0
    quarantined: int = 0


class _ResponseTable:
    """What one of `responses` / `answers` takes from the walk, with its cursors and counts."""

    name: str
    schema: pa.Schema
    primary_key: tuple[str, ...]

    def __init__(self, lookback_seconds: int) -> None:
        self.lookback = lookback_seconds
        self.cursors: dict[str, Cursor] = {}
        self.counts: dict[str, _Counts] = {}

    def rows(self, parsed: ParsedResponse) -> tuple[list[dict], list[Rejection], int]:
        """(rows loaded, rows rejected, rows read) of one response for this table."""
        raise NotImplementedError

    def cursor(self, form_id: str) -> Cursor:
        if form_id not in self.cursors:
            state = _form_state(self.name, form_id)
            self.cursors[form_id] = Cursor.from_state(state, self.lookback)
        return self.cursors[form_id]

    def take(self, form_id: str, responses: list[ParsedResponse]) -> list[Any]:
        """The rows of a page's responses new to this table, and its quarantine entries."""
        load_id, loaded_at = current_load()
        cursor = self.cursor(form_id)
        counts = self.counts.setdefault(form_id, _Counts())
        rows: list[dict] = []
        rejected: list[Rejection] = []
        for parsed in responses:
            if not cursor.is_new(parsed.response_id, parsed.submitted_s):
                continue
            cursor.advance(parsed.response_id, parsed.submitted_s)
            loaded, rejections, read = self.rows(parsed)
            rows += loaded
            rejected += rejections
            counts.read += read
            counts.loaded += len(loaded)
            counts.quarantined += len(rejections)
        out: list[Any] = []
        if rows:
            out.append(_table(rows, self.schema, load_id))
        if rejected:
            quarantine = quarantine_table(self.name, form_id, rejected, load_id, loaded_at)
            out.append(side_table(quarantine, QUARANTINE_TABLE))
        return out

    def done(self, form_id: str) -> list[Any]:
        """Every response of the form was read: move the cursor, account for the form."""
        load_id, loaded_at = current_load()
        self.cursor(form_id).save(_form_state(self.name, form_id))
        counts = self.counts.get(form_id, _Counts())
        return [
            accounting_table(
                self.name,
                form_id,
                counts.read,
                counts.loaded,
                counts.quarantined,
                load_id,
                loaded_at,
            )
        ]


class _ResponsesTable(_ResponseTable):
    name = RESPONSES_TABLE
    schema = RESPONSES_SCHEMA
    primary_key = ("response_id",)

    def rows(self, parsed: ParsedResponse) -> tuple[list[dict], list[Rejection], int]:
        if parsed.response is None:
            return [], [parsed.rejection] if parsed.rejection else [], 1
        return [parsed.response], [], 1


class _AnswersTable(_ResponseTable):
    name = ANSWERS_TABLE
    schema = ANSWERS_SCHEMA
    primary_key = ("response_id", "field_id")

    def rows(self, parsed: ParsedResponse) -> tuple[list[dict], list[Rejection], int]:
        return parsed.answers, parsed.answer_rejections, parsed.answers_read


def _consumer_resource(pages: DltResource, table: type[_ResponseTable]) -> DltResource:
    """`responses` or `answers`: what the walk prepared for it, routed to its tables."""

    def route(bundle: dict[str, list[Any]]) -> Iterator[Any]:
        yield from bundle.get(table.name, [])

    return dlt.transformer(
        route,
        data_from=pages,
        name=table.name,
        write_disposition=_MERGE,
        primary_key=list(table.primary_key),
    )


# -- Arrow tables and the side tables shared with the files source's design -------------------


def _table(rows: list[dict], schema: pa.Schema, load_id: str | None) -> pa.Table:
    return pa.Table.from_pylist([{**row, LOAD_ID_COLUMN: load_id} for row in rows], schema=schema)


def quarantine_table(
    entity: str,
    form_id: str,
    rejections: list[Rejection],
    load_id: str | None,
    loaded_at: dt.datetime,
) -> pa.Table:
    rows = [
        {
            "entity": entity,
            "form_id": form_id,
            "response_id": rejection.response_id,
            "field_id": rejection.field_id,
            "value": rejection.value,
            "reason": rejection.reason,
            "load_id": load_id,
            "loaded_at": loaded_at,
        }
        for rejection in rejections
    ]
    return pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)


def accounting_table(
    entity: str,
    form_id: str,
    rows_read: int,
    rows_loaded: int,
    rows_quarantined: int,
    load_id: str | None,
    loaded_at: dt.datetime,
) -> Any:
    row = {
        "entity": entity,
        "form_id": form_id,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "load_id": load_id,
        "loaded_at": loaded_at,
    }
    return side_table(
        pa.Table.from_pylist([row], schema=LOAD_ACCOUNTING_SCHEMA), LOAD_ACCOUNTING_TABLE
    )


def empty_quarantine() -> Any:
    return side_table(QUARANTINE_SCHEMA.empty_table(), QUARANTINE_TABLE)
