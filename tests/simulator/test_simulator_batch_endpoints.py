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
