"""The HubSpot v3 contract as a client sees it over HTTP."""

from __future__ import annotations

import re

import requests

from simulator import Company
from simulator.server import DemoApi
from simulator.stages import STAGE_IDS
from simulator.timeutil import iso_ms

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
DEALS = "/crm/v3/objects/deals"
OWNERS = "/crm/v3/owners"
ALWAYS = {"createdate", "hs_lastmodifieddate", "hs_object_id"}
ALL_PROPS = (
    "amount,closedate,createdate,deal_currency_code,dealname,dealstage,"
    "hs_lastmodifieddate,hs_object_id,hubspot_owner_id,pipeline"
)


def _assert_error(response: requests.Response, status: int, category: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "message", "correlationId", "category"}
    assert body["status"] == "error" and body["category"] == category
    assert body["message"] and body["correlationId"]


def test_requests_without_the_right_bearer_token_get_401(api: DemoApi, token: str) -> None:
    url = f"{api.base_url}{DEALS}"
    _assert_error(requests.get(url, timeout=5), 401, "INVALID_AUTHENTICATION")
    for header in ("Bearer wrong-token", f"Basic {token}", token, "Bearer "):
        response = requests.get(url, headers={"Authorization": header}, timeout=5)
        _assert_error(response, 401, "INVALID_AUTHENTICATION")
        assert token not in response.text


def test_unknown_path_gets_404_json(http: requests.Session, api: DemoApi) -> None:
    _assert_error(http.get(f"{api.base_url}/crm/v3/objects/unicorns"), 404, "OBJECT_NOT_FOUND")
    _assert_error(http.get(f"{api.base_url}/"), 404, "OBJECT_NOT_FOUND")


def test_request_count_counts_every_request(http: requests.Session, api: DemoApi) -> None:
    before = api.request_count
    http.get(f"{api.base_url}/crm/v3/pipelines/deals")
    requests.get(f"{api.base_url}/crm/v3/pipelines/deals", timeout=5)  # 401 counts too
    assert api.request_count == before + 2


def test_owners_shape_and_archived_filter(walk, company: Company) -> None:
    active = [o for page in walk(OWNERS, limit="3") for o in page.json()["results"]]
    left = [o for page in walk(OWNERS, archived="true") for o in page.json()["results"]]
    assert len(active) + len(left) == len(company.owners)
    assert len({o["id"] for o in active + left}) == len(company.owners)
    assert all(not o["archived"] for o in active) and all(o["archived"] for o in left)
    assert len(left) == company.owners["archived"].sum() > 0
    for owner in active + left:
        assert {"id", "email", "firstName", "lastName", "userId", "createdAt", "updatedAt"} <= set(
            owner
        )
        assert owner["id"].isdigit() and isinstance(owner["userId"], int)
        assert ISO_MS.fullmatch(owner["createdAt"]) and ISO_MS.fullmatch(owner["updatedAt"])
        assert owner["createdAt"] <= owner["updatedAt"] <= iso_ms(company.as_of_end_ms)
        [team] = owner["teams"]
        assert set(team) == {"id", "name", "primary"} and team["primary"] is True
        assert team["name"] in set(company.teams["name"])


def test_owner_paging_link_and_last_page(http: requests.Session, api: DemoApi) -> None:
    first = http.get(f"{api.base_url}{OWNERS}", params={"limit": "5"}).json()
    assert len(first["results"]) == 5
    link = first["paging"]["next"]["link"]
    assert link.startswith(f"{api.base_url}{OWNERS}?")
    assert http.get(link).json()["results"][0]["id"] == first["paging"]["next"]["after"]
    everything = http.get(f"{api.base_url}{OWNERS}", params={"limit": "500"}).json()
    assert "paging" not in everything


def test_deal_paging_walk_returns_every_deal_once(walk, company: Company) -> None:
    pages = walk(DEALS, limit="100", properties="dealstage")
    ids = [d["id"] for page in pages for d in page.json()["results"]]
    assert len(ids) == len(set(ids)) == len(company.deals)
    assert ids == [str(i) for i in company.deals["id"]]
    assert len(pages) == -(-len(company.deals) // 100)
    assert all(len(page.json()["results"]) == 100 for page in pages[:-1])


def test_deal_limits(http: requests.Session, api: DemoApi) -> None:
    def count(**params: str) -> int:
        response = http.get(f"{api.base_url}{DEALS}", params=params)
        assert response.status_code == 200, response.text
        return len(response.json()["results"])

    assert count() == 10
    assert count(limit="1") == 1
    assert count(limit="1000") == 100
    assert count(limit="1000", propertiesWithHistory="dealstage") == 50
    assert count(limit="20", propertiesWithHistory="dealstage") == 20
    for bad in ("0", "-3", "ten"):
        response = http.get(f"{api.base_url}{DEALS}", params={"limit": bad})
        _assert_error(response, 400, "VALIDATION_ERROR")
    _assert_error(http.get(f"{api.base_url}{DEALS}?after=%3Bdrop"), 400, "VALIDATION_ERROR")


def test_deal_shape_and_string_properties(http: requests.Session, api: DemoApi) -> None:
    params = {"limit": "100", "properties": ALL_PROPS}
    results = http.get(f"{api.base_url}{DEALS}", params=params).json()["results"]
    for deal in results:
        assert list(deal) == ["id", "properties", "createdAt", "updatedAt", "archived"]
        props = deal["properties"]
        assert set(props) == set(ALL_PROPS.split(","))
        assert all(v is None or isinstance(v, str) for v in props.values())
        assert props["hs_object_id"] == deal["id"]
        assert props["createdate"] == deal["createdAt"]
        assert props["hs_lastmodifieddate"] == deal["updatedAt"]
        assert deal["archived"] is False
        for key in ("createdate", "closedate", "hs_lastmodifieddate"):
            assert ISO_MS.fullmatch(props[key])
        assert re.fullmatch(r"\d+\.\d\d", props["amount"])
        assert props["dealstage"] in STAGE_IDS and props["pipeline"] == "default"
        assert props["deal_currency_code"] == "USD" and props["hubspot_owner_id"].isdigit()


def test_only_requested_and_default_properties_are_returned(
    http: requests.Session, api: DemoApi
) -> None:
    def props(**params: str) -> set[str]:
        results = http.get(f"{api.base_url}{DEALS}", params=params).json()["results"]
        return set(results[0]["properties"])

    assert props(properties="amount") == ALWAYS | {"amount"}
    assert props(properties="amount,no_such_property") == ALWAYS | {"amount"}
    assert props(properties="") == ALWAYS
    assert props() == ALWAYS | {"amount", "closedate", "dealname", "dealstage", "pipeline"}
    repeated = http.get(f"{api.base_url}{DEALS}?properties=amount&properties=dealname").json()
    assert set(repeated["results"][0]["properties"]) == ALWAYS | {"amount", "dealname"}


def test_archived_deals_list_is_empty(http: requests.Session, api: DemoApi) -> None:
    body = http.get(f"{api.base_url}{DEALS}", params={"archived": "true"}).json()
    assert body == {"results": []}


def test_stage_history_newest_first(walk, company: Company) -> None:
    pages = walk(
        DEALS,
        limit="50",
        properties="dealstage,closedate",
        propertiesWithHistory="dealstage",
    )
    deals = [d for page in pages for d in page.json()["results"]]
    assert len(deals) == len(company.deals)
    end = iso_ms(company.as_of_end_ms)
    for deal in deals:
        props = deal["properties"]
        history = deal["propertiesWithHistory"]["dealstage"]
        assert set(deal["propertiesWithHistory"]) == {"dealstage"}
        for change in history:
            assert set(change) == {
                "value",
                "timestamp",
                "sourceType",
                "sourceId",
                "updatedByUserId",
            }
            assert isinstance(change["value"], str) and ISO_MS.fullmatch(change["timestamp"])
        stamps = [change["timestamp"] for change in history]
        assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == len(stamps)
        assert history[0]["value"] == props["dealstage"]
        assert history[0]["timestamp"] == props["hs_lastmodifieddate"]
        assert history[-1]["value"] == "appointmentscheduled"
        assert history[-1]["timestamp"] == props["createdate"]
        assert props["closedate"] >= props["createdate"]
        assert props["createdate"] <= end and props["hs_lastmodifieddate"] <= end
        if props["dealstage"] in ("closedwon", "closedlost"):
            assert history[0]["timestamp"] == props["closedate"] <= end
            assert [c["value"] for c in history[1:]] == list(STAGE_IDS[: len(history) - 1])[::-1]
        else:
            assert props["closedate"] > end  # expected close of an open deal
            assert [c["value"] for c in history] == list(STAGE_IDS[: len(history)])[::-1]


def test_history_key_only_when_requested(http: requests.Session, api: DemoApi) -> None:
    plain = http.get(f"{api.base_url}{DEALS}").json()["results"][0]
    assert "propertiesWithHistory" not in plain
    both = http.get(
        f"{api.base_url}{DEALS}", params={"propertiesWithHistory": "dealstage,amount"}
    ).json()["results"][0]
    assert set(both["propertiesWithHistory"]) == {"dealstage", "amount"}
    assert both["propertiesWithHistory"]["amount"][0]["value"] == both["properties"]["amount"]


def test_pipelines(http: requests.Session, api: DemoApi) -> None:
    body = http.get(f"{api.base_url}/crm/v3/pipelines/deals").json()
    [pipeline] = body["results"]
    assert pipeline["id"] == "default" and pipeline["label"] == "Sales Pipeline"
    assert pipeline["displayOrder"] == 0 and pipeline["archived"] is False
    stages = pipeline["stages"]
    assert [s["id"] for s in stages] == list(STAGE_IDS)
    assert [s["metadata"]["probability"] for s in stages] == [
        "0.2",
        "0.4",
        "0.6",
        "0.8",
        "0.9",
        "1.0",
        "0.0",
    ]
    assert [s["metadata"]["isClosed"] for s in stages] == ["false"] * 5 + ["true"] * 2
    for order, stage in enumerate(stages):
        assert stage["displayOrder"] == order and stage["writePermissions"] == "CRUD_ALL"
        assert ISO_MS.fullmatch(stage["createdAt"]) and ISO_MS.fullmatch(stage["updatedAt"])
