"""HubSpot API records as raw rows: one row per record with its properties as text columns;
property history and associations as child rows that carry the record's id."""

from typing import Any

from ingestion.sources.hubspot.settings import CrmObject

# Property -> (child table, column of the record's id, column of the value): deal stage
# changes land in deals__stage_history as (deal_id, stage_id, changed_at, source_type), and the
# other deal properties with history in deals__<name>_history as (deal_id, value, ...).
HISTORY_CHILD = {
    "dealstage": ("stage_history", "deal_id", "stage_id"),
    "amount": ("amount_history", "deal_id", "value"),
    "closedate": ("closedate_history", "deal_id", "value"),
    "hubspot_owner_id": ("owner_history", "deal_id", "value"),
    "hs_forecast_category": ("forecast_category_history", "deal_id", "value"),
}


def history_child(crm: CrmObject, prop: str) -> tuple[str, str, str]:
    return HISTORY_CHILD.get(prop, (f"{prop}_history", f"{crm.name}_id", "value"))


def record_row(crm: CrmObject, record: dict, associations: list[dict] | None = None) -> dict:
    """One raw row of a record that passed validation.checked_record. `associations` are child
    rows already normalised (see below); when None, the record's inline v3 `associations`."""
    object_id = str(record["id"])
    properties = record.get("properties") or {}
    row: dict[str, Any] = {
        "id": object_id,
        **{name: properties.get(name) for name in crm.properties},
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "archived": bool(record.get("archived", False)),
        "archived_at": record.get("archivedAt"),
    }
    histories = record.get("propertiesWithHistory") or {}
    for prop in crm.history:
        child, id_column, value_column = history_child(crm, prop)
        row[child] = [
            {
                id_column: object_id,
                value_column: change.get("value"),
                "changed_at": change.get("timestamp"),
                "source_type": text_or_none(change.get("sourceType")),
            }
            for change in histories.get(prop) or []
        ]
    if crm.associations:
        if associations is None:
            associations = inline_associations(object_id, record.get("associations") or {})
        row["associations"] = associations
    return row


def inline_associations(object_id: str, associations: dict) -> list[dict]:
    """v3 list responses: {"contacts": {"results": [{"id", "type"}]}}, one entry per type of
    each link (a primary company comes as "deal_to_company" and "deal_to_company_unlabeled")."""
    return [
        {"from_id": object_id, "to_object_type": to_type, "to_id": str(link["id"]),
         "association_type": text_or_none(link.get("type")), "association_type_id": None,
         "association_category": None}
        for to_type, block in sorted(associations.items())
        for link in (block or {}).get("results", [])
    ]  # fmt: skip


def batch_associations(object_id: str, found: dict[str, list[dict]]) -> list[dict]:
    """v4 batch reads, by target type: [{"toObjectId", "associationTypes": [...]}]: one row per
    association type of each link, keeping the type id (5 is a deal's primary company, 1 a
    contact's), since HubSpot lists the primary type beside the unlabeled one in any order."""
    rows = []
    for to_type, links in sorted(found.items()):
        for link in links:
            for entry in link.get("associationTypes") or [{}]:
                kind = entry if isinstance(entry, dict) else {}
                type_id = _whole_number(kind.get("typeId"))
                rows.append(
                    {"from_id": object_id, "to_object_type": to_type,
                     "to_id": str(link["toObjectId"]),
                     "association_type": text_or_none(kind.get("label"))
                     or (str(type_id) if type_id else None),
                     "association_type_id": type_id,
                     "association_category": text_or_none(kind.get("category"))}
                )  # fmt: skip
    return rows


def text_or_none(value: Any) -> str | None:
    """A descriptive field of the API as text (the raw tables' columns are typed)."""
    return value if value is None or isinstance(value, str) else str(value)


def _whole_number(value: Any) -> int | None:
    """An association type id: HubSpot sends a number; text of one is read as it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
