"""The `hubspot` dlt source: owners with teams, deal pipelines with stages, and the CRM objects
(companies, contacts, deals with stage history, calls, emails, meetings, tasks) with their
associations.

Follows HubSpot's CRM API v3 contract: property values as strings (cast in dbt staging, not
here), bearer-token auth, cursor paging. Records merge on `id`.

Every record is checked before it loads (validation.py): one without an id or a properties
object, or with a value of the wrong kind (an object for an amount, a datetime that is not one),
goes to `quarantine` with the reason, and `load_accounting` counts, per entity and load, the
records read, loaded, quarantined and superseded (read again in the same load: the newest
version is loaded). Every table exists after every load, even for an object type the portal has
no record of, so that staging and the next incremental load find it.

Records load as Arrow tables (record_tables.py), a few thousand records at a time: the object's
table and its child tables (property history, associations), each merged on the record's id, so
that a record read again replaces its row and its child rows.

Incremental loads: the first load of an object type reads the list endpoints; later loads ask
the search endpoint for what was modified since the last load (windowed past its 10,000-result
cap), then batch-read those records' property history and associations. Deleted (archived)
records are kept as soft deletes: `archived = true` with `archived_at`. The cursor lives in
dlt's resource state, which is committed with the load: a failed load moves nothing forward.
"""

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.memory import release_freed_memory
from ingestion.sources.hubspot.bookkeeping import LoadBook, empty_quarantine
from ingestion.sources.hubspot.client import BURST_LIMIT, SEARCH_LIMIT_PER_SECOND, HubSpotClient
from ingestion.sources.hubspot.record_tables import RecordTables
from ingestion.sources.hubspot.records import batch_associations, record_row
from ingestion.sources.hubspot.settings import CRM_OBJECTS, DEFAULT_BASE_URL, CrmObject
from ingestion.sources.hubspot.tables import (
    LOAD_ACCOUNTING_TABLE,
    PARENT_ID,
    QUARANTINE_TABLE,
    child_columns,
    child_table,
    object_columns,
)
from ingestion.sources.hubspot.validation import (
    Rejection,
    checked_record,
    instant_ms,
    record_id,
    record_text,
)
from ingestion.sources.load_bookkeeping import current_load, declare_side_tables

# One page item: a record as the API sent it, and its v4 associations when read apart.
_Item = tuple[Any, dict[str, list[dict]] | None]
# Records converted to Arrow at once: large enough that dlt's cost per item is nothing, small
# enough that a few object types at once hold tens of megabytes.
ARROW_BATCH_RECORDS = 5_000


@dlt.source(name="hubspot", max_table_nesting=2)
def hubspot_source(
    base_url: str = DEFAULT_BASE_URL,
    access_token: str = dlt.secrets.value,
    burst_limit: int = BURST_LIMIT,
    search_limit: int = SEARCH_LIMIT_PER_SECOND,
) -> Iterable[DltResource]:
    """HubSpot CRM: owners (reps) with teams, deal pipelines with stages, and CRM objects.

    The object types load concurrently (dlt's `extract.workers` threads), within HubSpot's rate
    limits: `burst_limit` requests per 10 seconds until a response reports the app's own limit,
    and `search_limit` search requests a second (sources.hubspot.burst_limit, .search_limit).
    """
    client = HubSpotClient(base_url, access_token, int(burst_limit), int(search_limit))
    resources = (
        owners(client),
        deal_pipelines(client),
        *(crm_object_resource(client, crm) for crm in CRM_OBJECTS),
    )
    return [declare_side_tables(r, QUARANTINE_TABLE, LOAD_ACCOUNTING_TABLE) for r in resources]


@dlt.resource(name="owners", write_disposition="merge", primary_key="id")
def owners(client: HubSpotClient) -> Iterator[Any]:
    """Active and archived owners (reps who left still own history); their teams land in the
    child table `owners__teams`, each row carrying owner_id. Small: read whole every load."""
    book = LoadBook("owners")
    yield empty_quarantine()
    for archived in (False, True):
        for page in client.owners(archived):
            rows = [_with_parent_id(owner, "teams", "owner_id") for owner in _kept(book, page)]
            if rows:
                yield rows
            yield from book.quarantine()
    yield book.accounting()


@dlt.resource(name="deal_pipelines", write_disposition="merge", primary_key="id")
def deal_pipelines(client: HubSpotClient) -> Iterator[Any]:
    """Deal pipelines; their stages (with `metadata.probability` and `metadata.isClosed`) land
    in the child table `deal_pipelines__stages`, each row carrying pipeline_id."""
    book = LoadBook("deal_pipelines")
    yield empty_quarantine()
    for page in client.deal_pipelines():
        rows = [_with_parent_id(p, "stages", "pipeline_id") for p in _kept(book, page)]
        if rows:
            yield rows
        yield from book.quarantine()
    yield book.accounting()


def _kept(book: LoadBook, page: list[Any]) -> Iterator[dict]:
    """Owners or pipelines with an id, each once (the newest version); the rest quarantined."""
    for item in page:
        object_id = record_id(item)
        if object_id is None:
            raw = item.get("id") if isinstance(item, dict) else None
            book.reject(
                Rejection(
                    None,
                    "id",
                    None if raw is None else str(raw),
                    "the record has no id",
                    record_text(item),
                )
            )
        elif book.accept(object_id, instant_ms(item.get("updatedAt"))):
            yield {**item, "id": object_id}


def crm_object_resource(client: HubSpotClient, crm: CrmObject) -> DltResource:
    """One CRM object type, incremental on its modification time, merged on id; its child
    tables merged on the record's id (their merge key)."""
    resource = dlt.resource(
        _crm_records(client, crm),
        name=crm.name,
        write_disposition="merge",
        primary_key="id",
        # Each object type's pages follow one another; the types load side by side.
        parallelized=True,
        # Declared in full, so that the table exists (with every column) even when empty.
        columns=object_columns(crm),
    )
    for child, columns in child_columns(crm).items():
        # A table variant starts from the resource's hints: cleared first (no primary key, no
        # columns of the object's table), then given its own.
        name = child_table(crm, child)
        resource.apply_hints(
            table_name=name,
            write_disposition="merge",
            primary_key=[],
            columns={},
            create_table_variant=True,
        )
        resource.apply_hints(table_name=name, columns=columns, create_table_variant=True)
    return resource


def _crm_records(client: HubSpotClient, crm: CrmObject) -> Iterator[Any]:
    state = dlt.current.resource_state(crm.name)  # named: this runs in a worker thread
    since = state.get("modified_since_ms")
    ids_at_cursor = set(state.get("ids_at_cursor", []))
    book = LoadBook(crm.name)
    cursor = _Cursor(since, list(ids_at_cursor))
    tables = RecordTables(crm)
    _own_child_tables(crm)
    yield dlt.mark.materialize_table_schema()
    yield empty_quarantine()
    yield from _to_tables(tables.empty())
    if since is None:
        pages: Iterator[list[_Item]] = (
            [(record, None) for record in page] for page in client.list_objects(crm, archived=False)
        )
    else:
        pages = _changed_since(client, crm, since, ids_at_cursor)
    archived = _archived_since(client, crm, state.get("archived_since_ms"), state)
    batch: list[dict] = []
    for rows in chain(
        (_rows(crm, book, cursor, page) for page in pages),
        (_rows(crm, book, None, page, archived=True) for page in archived),
    ):
        batch.extend(rows)
        if len(batch) >= ARROW_BATCH_RECORDS:
            yield from _to_tables(tables.tables(_newest_of_each(batch), current_load()[0]))
            batch = []
        yield from book.quarantine()
    if batch:
        yield from _to_tables(tables.tables(_newest_of_each(batch), current_load()[0]))
    state["modified_since_ms"], state["ids_at_cursor"] = cursor.value, cursor.ids
    yield book.accounting()
    # The object's version book, pages and batches are garbage now: give the memory back
    # before the load stage adds DuckDB's (ingestion/memory.py).
    del book, tables, batch
    release_freed_memory()


def _newest_of_each(rows: list[dict]) -> list[dict]:
    """Each record's last row: the book yields a version only when it is newer than those
    before it. The destination's merge would keep the newest row anyway, but not drop the
    older one's child rows (they would stay in the raw table, no longer current)."""
    last = {row["id"]: position for position, row in enumerate(rows)}
    if len(last) == len(rows):
        return rows
    return [row for position, row in enumerate(rows) if last[row["id"]] == position]


def _to_tables(tables: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    for table_name, table in tables:
        yield dlt.mark.with_table_name(table, table_name)


def _own_child_tables(crm: CrmObject) -> None:
    """A warehouse loaded when the records were dicts has, in dlt's schema, the child tables as
    nested tables of the object's table, which dlt does not let Arrow tables be written to;
    they become tables of the object's resource, as declared now. Their rows and dlt columns
    are as they were: nothing in the warehouse changes. Their `_dlt_parent_id` loses the
    `parent_key` hint dlt gave it (and earlier versions declared), which dlt warns about on a
    table that is not nested."""
    schema = dlt.current.source_schema()
    for child in child_columns(crm):
        table = schema.tables.get(child_table(crm, child))
        if table is None:
            continue
        if table.get("parent"):
            del table["parent"]
            table["resource"] = crm.name
            table["write_disposition"] = "merge"
        table.get("columns", {}).get(PARENT_ID, {}).pop("parent_key", None)


def _rows(
    crm: CrmObject,
    book: LoadBook,
    cursor: "_Cursor | None",
    page: list[_Item],
    archived: bool = False,
) -> list[dict]:
    """The rows of a page's valid records (each record once, its newest version); the others
    go to the book's quarantine. The cursor moves over every record it can place in time,
    quarantined or not: a record is read again when it changes, not on every load."""
    valid: list[tuple[dict, dict[str, list[dict]] | None]] = []
    for record, links in page:
        checked = checked_record(crm, record, links)
        if cursor is not None:
            cursor.advance(record_id(record), _modified_ms(crm, record))
        if isinstance(checked, Rejection):
            book.reject(checked)
            continue
        if archived:
            checked["archived"] = True
        valid.append((checked, links))
    verdicts = book.accept_page([(c["id"], instant_ms(c.get("updatedAt"))) for c, _ in valid])
    rows = []
    for (checked, links), newest in zip(valid, verdicts, strict=True):
        if not newest:
            continue
        if links is not None:
            rows.append(record_row(crm, checked, batch_associations(checked["id"], links)))
        elif archived:
            rows.append(record_row(crm, checked, associations=[] if crm.associations else None))
        else:
            rows.append(record_row(crm, checked))
    return rows


def _changed_since(
    client: HubSpotClient, crm: CrmObject, since: int, seen_at_since: set[str]
) -> Iterator[list[_Item]]:
    """Records modified since the cursor, with history and associations, page by page; those
    at exactly the cursor's instant that the last load already had are skipped. A search
    result without a usable id is passed on as it is (to be quarantined), never batch-read."""
    for page in client.modified_since(crm, since):
        changed = [
            record
            for record in page
            if not (record_id(record) in seen_at_since and _modified_ms(crm, record) == since)
        ]
        if not changed:
            continue
        unidentified: list[_Item] = [(r, None) for r in changed if record_id(r) is None]
        ids = list(dict.fromkeys(i for i in map(record_id, changed) if i is not None))
        records = [r for r in changed if record_id(r) is not None]
        if crm.history and ids:
            records = [record for batch in client.batch_read(crm, ids) for record in batch]
        if not crm.associations:
            yield unidentified + [(record, None) for record in records]
            continue
        links: dict[str, dict[str, list[dict]]] = {}
        for to_type in crm.associations:
            for from_id, found in client.associations(crm.name, to_type, ids).items():
                links.setdefault(from_id, {})[to_type] = found
        yield unidentified + [
            (record, links.get(record_id(record) or "", {})) for record in records
        ]


def _archived_since(
    client: HubSpotClient, crm: CrmObject, since: int | None, state: dict
) -> Iterator[list[_Item]]:
    """Records deleted since the last load, as soft deletes. HubSpot's search cannot find
    archived records, so the archived list is read and filtered on archivedAt. One whose
    archivedAt is not a datetime is passed on (to be quarantined) on the first load only."""
    latest = since
    for page in client.list_objects(crm, archived=True):
        items: list[_Item] = []
        for record in page:
            archived_at = instant_ms(record.get("archivedAt") if isinstance(record, dict) else None)
            if since is None or (archived_at is not None and archived_at > since):
                items.append((record, None))
            if archived_at is not None and (latest is None or archived_at > latest):
                latest = archived_at
        if items:
            yield items
    state["archived_since_ms"] = latest


def _modified_ms(crm: CrmObject, record: Any) -> int | None:
    properties = record.get("properties") if isinstance(record, dict) else None
    if not isinstance(properties, dict):
        return None
    return instant_ms(properties.get(crm.modified_property))


class _Cursor:
    """The latest modification time read, and the ids read at exactly that instant."""

    def __init__(self, value: int | None, ids: list[str]) -> None:
        self.value = value
        self.ids = list(ids)

    def advance(self, object_id: str | None, modified_ms: int | None) -> None:
        if modified_ms is None:
            return
        if self.value is None or modified_ms > self.value:
            self.value, self.ids = modified_ms, []
        if modified_ms == self.value and object_id is not None and object_id not in self.ids:
            self.ids.append(object_id)


def _with_parent_id(parent: dict, children: str, parent_key: str) -> dict:
    """Child rows carry their parent's id, so that staging reads them without a join."""
    rows = [{**child, parent_key: parent["id"]} for child in parent.get(children) or []]
    return {**parent, children: rows}
