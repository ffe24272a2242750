"""What the HubSpot source accepts from the API and how it normalises it, record by record (the
pipeline tests in tests/pipeline/test_hubspot_bad_records.py load the same cases end to end)."""

import pytest

from ingestion.sources.hubspot.settings import CRM_OBJECTS
from ingestion.sources.hubspot.validation import Rejection, checked_record, instant_text

DEALS = next(crm for crm in CRM_OBJECTS if crm.name == "deals")
CONTACTS = next(crm for crm in CRM_OBJECTS if crm.name == "contacts")
AT = "2026-03-02T09:30:00.000Z"


def deal(**changes) -> dict:
    record = {
        "id": "501",
        "properties": {
            "dealname": "Renewal",
            "amount": "1200.50",
            "closedate": "2026-03-01T00:00:00Z",
            "hs_lastmodifieddate": AT,
        },
        "createdAt": "2026-01-05T10:00:00.000Z",
        "updatedAt": AT,
        "archived": False,
        "propertiesWithHistory": {
            "dealstage": [{"value": "closedwon", "timestamp": AT, "sourceType": "CRM_UI"}]
        },
    }
    for key, value in changes.items():
        if key in record["properties"] or key in ("hubspot_owner_id", "createdate"):
            record["properties"][key] = value
        else:
            record[key] = value
    return record


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        (deal(id=None), "id", "the record has no id"),
        ({k: v for k, v in deal().items() if k != "id"}, "id", "the record has no id"),
        (deal(id=""), "id", "the record has no id"),
        (deal(id={"value": 7}), "id", "the record's id is not text"),
        (deal(id=True), "id", "the record's id is not text"),
        ({k: v for k, v in deal().items() if k != "properties"}, "properties", "no properties"),
        (deal(properties=None), "properties", "no properties object"),
        (deal(properties=["amount"]), "properties", "not an object"),
        (deal(amount={"value": 100, "currency": "EUR"}), "amount", "amount is an object"),
        (deal(amount=[100]), "amount", "amount is a list"),
        (deal(amount="1,200.50"), "amount", "amount is not a number"),
        (deal(amount="NaN"), "amount", "not a finite number"),
        (deal(amount=True), "amount", "a boolean"),
        (deal(closedate="next tuesday"), "closedate", "closedate is not a datetime"),
        (deal(closedate="2026-02-30"), "closedate", "not a datetime"),
        (deal(closedate="99999999999999999999"), "closedate", "not a datetime"),
        (deal(updatedAt="yesterday"), "updatedAt", "updatedAt is not a datetime"),
        (deal(archivedAt="soon", archived=True), "archivedAt", "not a datetime"),
        (deal(archived="maybe"), "archived", "not true or false"),
        (deal(dealname={"text": "x"}), "dealname", "dealname is an object"),
        (
            deal(propertiesWithHistory={"dealstage": [{"value": "won", "timestamp": "?"}]}),
            "dealstage history timestamp",
            "not a datetime",
        ),
        (
            deal(propertiesWithHistory={"dealstage": [{"value": "won"}]}),
            "dealstage",
            "has no timestamp",
        ),
        (
            deal(associations={"companies": {"results": [{"type": "deal_to_company"}]}}),
            "associations",
            "no target id",
        ),
    ],
    ids=lambda value: None,
)
def test_a_record_that_does_not_fit_the_contract_is_rejected_with_the_reason(record, field, reason):
    checked = checked_record(DEALS, record)

    assert isinstance(checked, Rejection)
    assert checked.field == field
    assert reason in checked.reason
    assert checked.record  # the record as read is kept for the quarantine


def test_values_are_normalised_not_reinterpreted():
    record = deal(
        id=501,
        amount=2500,
        closedate="1772323200000",  # epoch milliseconds: 2026-03-01T00:00:00Z
        createdate="2026-01-05T11:00:00+01:00",
        hubspot_owner_id=77,
    )
    record["properties"]["hs_lastmodifieddate"] = ""

    checked = checked_record(DEALS, record)

    assert not isinstance(checked, Rejection)
    assert checked["id"] == "501"
    assert checked["properties"]["amount"] == "2500"
    assert checked["properties"]["closedate"] == "2026-03-01T00:00:00.000Z"
    assert checked["properties"]["createdate"] == "2026-01-05T10:00:00.000Z"
    assert checked["properties"]["hubspot_owner_id"] == "77"
    assert checked["properties"]["hs_lastmodifieddate"] is None
    assert checked["propertiesWithHistory"]["dealstage"][0]["timestamp"] == AT


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1200.50", "1200.50"), (" 99 ", "99"), (1e10, "10000000000"), (0.1, "0.1"), ("", None)],
)
def test_amounts_keep_their_exact_decimal_text(amount, text):
    checked = checked_record(DEALS, deal(amount=amount))

    assert checked["properties"]["amount"] == text


def test_a_record_missing_a_property_loads_with_that_property_empty():
    record = {
        "id": "9",
        "properties": {"firstname": "Grace", "lastmodifieddate": AT},  # no email, no owner
        "createdAt": AT,
        "updatedAt": AT,
        "archived": False,
    }

    checked = checked_record(CONTACTS, record)

    assert checked["properties"] == {"firstname": "Grace", "lastmodifieddate": AT}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-03-01", "2026-03-01T00:00:00.000Z"),
        ("2026-03-01T12:00:00.123456Z", "2026-03-01T12:00:00.123Z"),
        ("2026-03-01T07:00:00-05:00", "2026-03-01T12:00:00.000Z"),
        (1772366400000, "2026-03-01T12:00:00.000Z"),
        (None, None),
    ],
)
def test_datetimes_become_hubspots_own_form_in_utc(value, text):
    assert instant_text(value) == text
