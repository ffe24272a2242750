"""The `hubspot` dlt source: owners with teams, deal pipelines with stages, and the CRM objects
(companies, contacts, deals with stage history, calls, emails, meetings, tasks) with their
associations.

Follows HubSpot's CRM API v3 contract: property values as strings (cast in dbt staging, not
here), bearer-token auth, cursor paging. Records merge on `id`.

Incremental loads: the first load of an object type reads the list endpoints; later loads ask
the search endpoint for what was modified since the last load (windowed past its 10,000-result
cap), then batch-read those records' property history and associations. Deleted (archived)
records are kept as soft deletes: `archived = true` with `archived_at`. The cursor lives in
dlt's resource state, which is committed with the load: a failed load moves nothing forward.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.sources.hubspot.client import HubSpotClient, epoch_ms
from ingestion.sources.hubspot.records import batch_associations, record_row
from ingestion.sources.hubspot.settings import CRM_OBJECTS, DEFAULT_BASE_URL, CrmObject
from ingestion.sources.load_bookkeeping import current_load, side_table


@dlt.source(name="hubspot", max_table_nesting=2)
def hubspot_source(
    base_url: str = DEFAULT_BASE_URL,
    access_token: str = dlt.secrets.value,
) -> Iterable[DltResource]:
    """HubSpot CRM: owners (reps) with teams, deal pipelines with stages, and CRM objects."""
    client = HubSpotClient(base_url, access_token)
    return (
        owners(client),
        deal_pipelines(client),
        *(crm_object_resource(client, crm) for crm in CRM_OBJECTS),
    )


@dlt.resource(name="owners", write_disposition="merge", primary_key="id")
def owners(client: HubSpotClient) -> Iterator[list[dict]]:
    """Active and archived owners (reps who left still own history); their teams land in the
    child table `owners__teams`, each row carrying owner_id. Small: read whole every load."""
    for archived in (False, True):
        for page in client.owners(archived):
            yield [_with_parent_id(owner, "teams", "owner_id") for owner in page]


@dlt.resource(name="deal_pipelines", write_disposition="merge", primary_key="id")
def deal_pipelines(client: HubSpotClient) -> Iterator[list[dict]]:
    """Deal pipelines; their stages (with `metadata.probability` and `metadata.isClosed`) land
    in the child table `deal_pipelines__stages`, each row carrying pipeline_id."""
    for page in client.deal_pipelines():
        yield [_with_parent_id(pipeline, "stages", "pipeline_id") for pipeline in page]


def crm_object_resource(client: HubSpotClient, crm: CrmObject) -> DltResource:
    """One CRM object type, incremental on its modification time, merged on id."""
    return dlt.resource(
        _crm_records(client, crm),
        name=crm.name,
        write_disposition="merge",
        primary_key="id",
        # HubSpot sends every property as a string; keep raw faithful, cast in staging.
        columns={name: {"data_type": "text"} for name in crm.properties},
    )


def _crm_records(client: HubSpotClient, crm: CrmObject) -> Iterator[list[dict]]:
    state = dlt.current.resource_state()
    since = state.get("modified_since_ms")
    if since is None:
        pages = (
            [record_row(crm, record) for record in page]
            for page in client.list_objects(crm, archived=False)
        )
    else:
        pages = _changed_since(client, crm, since, set(state.get("ids_at_cursor", [])))
    cursor = _Cursor(since, state.get("ids_at_cursor", []))
    # A search window may return a record again at its boundary: load each record once.
    seen: set[str] = set()
    for rows in pages:
        rows = [row for row in rows if row["id"] not in seen]
        seen.update(row["id"] for row in rows)
        cursor.advance(crm, rows)
        if rows:
            yield rows
    for rows in _archived_since(client, crm, state.get("archived_since_ms"), state):
        seen.update(row["id"] for row in rows)
        yield rows
    state["modified_since_ms"], state["ids_at_cursor"] = cursor.value, cursor.ids
    yield _load_accounting(crm.name, len(seen))


def _load_accounting(entity: str, rows: int) -> Any:
    """One row in `load_accounting` (append), as the files and typeform sources write: every
    record read is loaded, none is quarantined (HubSpot's values are all kept as text)."""
    load_id, loaded_at = current_load()
    row = {
        "entity": entity,
        "rows_read": rows,
        "rows_loaded": rows,
        "rows_quarantined": 0,
        "load_id": load_id,
        "loaded_at": loaded_at,
    }
    return side_table(row, "load_accounting")


def _changed_since(
    client: HubSpotClient, crm: CrmObject, since: int, seen_at_since: set[str]
) -> Iterator[list[dict]]:
    """Records modified since the cursor, with history and associations, page by page; those
    at exactly the cursor's instant that the last load already had are skipped."""
    for page in client.modified_since(crm, since):
        changed = [
            record
            for record in page
            if not (
                str(record["id"]) in seen_at_since
                and epoch_ms(record["properties"][crm.modified_property]) == since
            )
        ]
        if not changed:
            continue
        ids = [str(record["id"]) for record in changed]
        if crm.history:
            changed = [record for batch in client.batch_read(crm, ids) for record in batch]
        links: dict[str, dict[str, list[dict]]] = {}
        for to_type in crm.associations:
            for from_id, found in client.associations(crm.name, to_type, ids).items():
                links.setdefault(from_id, {})[to_type] = found
        yield [
            record_row(
                crm, record, batch_associations(str(record["id"]), links.get(str(record["id"]), {}))
            )
            if crm.associations
            else record_row(crm, record)
            for record in changed
        ]


def _archived_since(
    client: HubSpotClient, crm: CrmObject, since: int | None, state: dict
) -> Iterator[list[dict]]:
    """Records deleted since the last load, as soft deletes. HubSpot's search cannot find
    archived records, so the archived list is read and filtered on archivedAt."""
    latest = since
    for page in client.list_objects(crm, archived=True):
        rows = []
        for record in page:
            archived_at = epoch_ms(record["archivedAt"]) if record.get("archivedAt") else None
            if since is None or (archived_at is not None and archived_at > since):
                rows.append(record_row(crm, {**record, "archived": True}, associations=[]))
            if archived_at is not None and (latest is None or archived_at > latest):
                latest = archived_at
        if rows:
            yield rows
    state["archived_since_ms"] = latest


class _Cursor:
    """The latest modification time loaded, and the ids loaded at exactly that instant."""

    def __init__(self, value: int | None, ids: list[str]) -> None:
        self.value = value
        self.ids = list(ids)

    def advance(self, crm: CrmObject, rows: list[dict]) -> None:
        for row in rows:
            modified = row.get(crm.modified_property)
            if not modified:
                continue
            at = epoch_ms(modified)
            if self.value is None or at > self.value:
                self.value, self.ids = at, [row["id"]]
            elif at == self.value and row["id"] not in self.ids:
                self.ids.append(row["id"])


def _with_parent_id(parent: dict, children: str, parent_key: str) -> dict:
    """Child rows carry their parent's id, so that staging reads them without a join."""
    rows = [{**child, parent_key: parent["id"]} for child in parent.get(children) or []]
    return {**parent, children: rows}
