"""Contract of the batch endpoints incremental loads use: records by id with property history
(CRM v3 batch read) and associations by id (CRM v4 associations batch read)."""

from __future__ import annotations

TOKEN_HEADER = {"Authorization": "Bearer test-token"}


def _first_deal_ids(http, base_url: str, n: int) -> list[str]:
    body = http.get(f"{base_url}/crm/v3/objects/deals", params={"limit": n}).json()
    return [record["id"] for record in body["results"]]


def test_batch_read_returns_records_with_history_like_get_by_id(api, http):
    ids = _first_deal_ids(http, api.base_url, 5)

    response = http.post(
        f"{api.base_url}/crm/v3/objects/deals/batch/read",
        json={
            "inputs": [{"id": i} for i in ids],
            "properties": ["dealstage", "amount"],
            "propertiesWithHistory": ["dealstage"],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [r["id"] for r in body["results"]] == ids
    single = http.get(
        f"{api.base_url}/crm/v3/objects/deals/{ids[0]}",
        params={"properties": "dealstage,amount", "propertiesWithHistory": "dealstage"},
    ).json()
    assert body["results"][0]["properties"] == single["properties"]
    assert body["results"][0]["propertiesWithHistory"] == single["propertiesWithHistory"]


def test_batch_read_reports_missing_ids_with_multi_status(api, http):
    ids = _first_deal_ids(http, api.base_url, 1)
    response = http.post(
        f"{api.base_url}/crm/v3/objects/deals/batch/read",
        json={"inputs": [{"id": ids[0]}, {"id": "1"}], "properties": ["amount"]},
    )
    assert response.status_code == 207
    assert response.json()["errors"][0]["context"]["ids"] == ["1"]
    assert len(response.json()["results"]) == 1


def test_batch_read_limits_its_inputs(api, http):
    inputs = [{"id": str(i)} for i in range(51)]
    response = http.post(
        f"{api.base_url}/crm/v3/objects/deals/batch/read",
        json={"inputs": inputs, "propertiesWithHistory": ["dealstage"]},
    )
    assert response.status_code == 400


def test_associations_batch_read_matches_the_inline_associations(api, http):
    listed = http.get(
        f"{api.base_url}/crm/v3/objects/calls", params={"limit": 100, "associations": "deals"}
    ).json()["results"]
    ids = [record["id"] for record in listed]

    response = http.post(
        f"{api.base_url}/crm/v4/associations/calls/deals/batch/read",
        json={"inputs": [{"id": i} for i in ids]},
    )

    assert response.status_code == 200
    batch = {
        result["from"]["id"]: sorted(str(link["toObjectId"]) for link in result["to"])
        for result in response.json()["results"]
    }
    inline = {
        record["id"]: sorted(link["id"] for link in record["associations"]["deals"]["results"])
        for record in listed
        if "associations" in record
    }
    assert batch == inline
    assert batch, "some demo calls are logged against deals"


def test_batch_endpoints_need_the_token(api):
    import requests

    response = requests.post(
        f"{api.base_url}/crm/v4/associations/calls/deals/batch/read", json={"inputs": []}
    )
    assert response.status_code == 401


def test_a_deals_primary_company_is_typed_as_hubspot_types_it(api, http):
    """HubSpot lists a primary company under two association types, the primary one (typeId 5,
    v3 name deal_to_company) and the unlabeled one (341, deal_to_company_unlabeled), and any
    other company (a partner) under the unlabeled type only."""
    listed = http.get(
        f"{api.base_url}/crm/v3/objects/deals", params={"limit": 100, "associations": "companies"}
    ).json()["results"]
    inline = {}
    for record in listed:
        for link in record["associations"]["companies"]["results"]:
            inline.setdefault(record["id"], {}).setdefault(link["id"], set()).add(link["type"])
    response = http.post(
        f"{api.base_url}/crm/v4/associations/deals/companies/batch/read",
        json={"inputs": [{"id": i} for i in inline]},
    )
    batch = {
        result["from"]["id"]: {
            str(link["toObjectId"]): {
                (kind["category"], kind["typeId"], kind["label"])
                for kind in link["associationTypes"]
            }
            for link in result["to"]
        }
        for result in response.json()["results"]
    }
    primary = {("HUBSPOT_DEFINED", 5, "Deal with Primary Company"), ("HUBSPOT_DEFINED", 341, None)}
    for deal_id, companies in inline.items():
        primaries = [c for c, types in companies.items() if "deal_to_company" in types]
        assert len(primaries) == 1
        assert companies[primaries[0]] == {"deal_to_company", "deal_to_company_unlabeled"}
        assert batch[deal_id][primaries[0]] == primary
        for company in set(companies) - set(primaries):
            assert companies[company] == {"deal_to_company_unlabeled"}
            assert batch[deal_id][company] == {("HUBSPOT_DEFINED", 341, None)}
    assert any(len(companies) > 1 for companies in inline.values()), "some deals have a partner"


def test_meetings_say_who_booked_them(api, http):
    meetings = http.get(
        f"{api.base_url}/crm/v3/objects/meetings",
        params={"limit": 100, "properties": "hs_meeting_source,hs_createdate,hs_timestamp"},
    ).json()["results"]
    sources = {m["properties"]["hs_meeting_source"] for m in meetings}
    assert sources == {"CRM_UI", "MEETINGS_PUBLIC"}
    # Booked ahead: created (booked) before the meeting takes place.
    booked_ahead = [
        m for m in meetings if m["properties"]["hs_createdate"] < m["properties"]["hs_timestamp"]
    ]
    assert len(booked_ahead) > len(meetings) / 2
