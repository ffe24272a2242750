"""HubSpot record rows as Arrow tables: the object's table and its child tables, linked the way
dlt links nested rows (`_dlt_root_id` = `_dlt_parent_id` = the record row's `_dlt_id`)."""

import datetime as dt

import pyarrow as pa

from ingestion.sources.hubspot.record_tables import RecordTables
from ingestion.sources.hubspot.records import batch_associations, record_row
from ingestion.sources.hubspot.settings import CRM_OBJECTS
from ingestion.sources.hubspot.validation import checked_record

DEALS = next(crm for crm in CRM_OBJECTS if crm.name == "deals")


def deal(object_id: str, stages: list[tuple[str, str]]) -> dict:
    return {
        "id": object_id,
        "properties": {"dealname": f"Deal {object_id}", "amount": 1500, "dealstage": stages[0][0]},
        "createdAt": "2026-03-01T09:00:00Z",
        "updatedAt": "2026-03-02T10:30:00.250+01:00",
        "archived": False,
        "propertiesWithHistory": {
            "dealstage": [{"value": v, "timestamp": at, "sourceType": "CRM_UI"} for v, at in stages]
        },
    }


def test_a_page_becomes_the_deals_table_and_its_child_tables_linked_by_row_id():
    links = {"companies": [{"toObjectId": 9, "associationTypes": [{"typeId": 5}, {"typeId": 341}]}]}
    rows = [
        record_row(DEALS, checked_record(DEALS, deal("1", [("won", "2026-03-02T09:00:00.000Z")]))),
        record_row(
            DEALS,
            checked_record(DEALS, deal("2", [("b", "1772442000000"), ("a", "2026-03-01")])),
            batch_associations("2", links),
        ),
    ]

    tables = dict(RecordTables(DEALS).tables(rows, "1234.5"))

    deals = tables["deals"].to_pylist()
    assert [d["id"] for d in deals] == ["1", "2"]
    assert deals[0]["amount"] == "1500"  # a JSON number kept as HubSpot's text
    assert deals[1]["updated_at"] == dt.datetime(2026, 3, 2, 9, 30, 0, 250_000, tzinfo=dt.UTC)
    assert {d["_dlt_load_id"] for d in deals} == {"1234.5"}
    assert len({d["_dlt_id"] for d in deals}) == 2
    row_id = {d["id"]: d["_dlt_id"] for d in deals}

    stages = tables["deals__stage_history"].to_pylist()
    assert [(s["deal_id"], s["stage_id"], s["_dlt_list_idx"]) for s in stages] == [
        ("1", "won", 0),
        ("2", "b", 0),
        ("2", "a", 1),
    ]
    assert all(s["_dlt_root_id"] == s["_dlt_parent_id"] == row_id[s["deal_id"]] for s in stages)
    assert stages[2]["changed_at"] == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert len({s["_dlt_id"] for s in stages}) == 3
    assert tables["deals__stage_history"].schema.field("changed_at").type == pa.timestamp(
        "us", tz="UTC"
    )

    companies = tables["deals__associations"].to_pylist()
    assert [(c["from_id"], c["to_id"], c["association_type_id"]) for c in companies] == [
        ("2", "9", 5),
        ("2", "9", 341),
    ]
    assert {c["_dlt_root_id"] for c in companies} == {row_id["2"]}
    # No deal has an amount history: no table for it here (the resource yields every child
    # table empty when it starts, so each exists).
    assert "deals__amount_history" not in tables
