"""The HubSpot CRM v3 contract as a client sees it over HTTP."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
import requests

from simulator import Company, state
from simulator.hubspot_objects import OBJECT_TYPES
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
TYPES = ("deals", "contacts", "companies", "calls", "emails", "meetings", "tasks")
MODIFIED = {name: cls.modified_prop for name, cls in OBJECT_TYPES.items()}  # type: ignore[attr-defined]
CREATED = {name: cls.created_prop for name, cls in OBJECT_TYPES.items()}  # type: ignore[attr-defined]


def _assert_error(response: requests.Response, status: int, category: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"status", "message", "correlationId", "category"} <= set(body)
    assert body["status"] == "error" and body["category"] == category
    assert body["message"] and body["correlationId"]


def _search(http: requests.Session, api: DemoApi, object_type: str, body: object):
    return http.post(f"{api.base_url}/crm/v3/objects/{object_type}/search", json=body)


# --- auth, routing, counting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", DEALS),
        ("GET", "/crm/v3/objects/contacts"),
        ("GET", "/crm/v3/objects/calls/123"),
        ("POST", "/crm/v3/objects/deals/search"),
        ("GET", OWNERS),
        ("GET", "/crm/v3/pipelines/deals"),
    ],
)
def test_requests_without_the_right_bearer_token_get_401(
    api: DemoApi, token: str, method: str, path: str
) -> None:
    url = f"{api.base_url}{path}"
    _assert_error(requests.request(method, url, timeout=5), 401, "INVALID_AUTHENTICATION")
    for header in ("Bearer wrong-token", f"Basic {token}", token, "Bearer "):
        response = requests.request(method, url, headers={"Authorization": header}, timeout=5)
        _assert_error(response, 401, "INVALID_AUTHENTICATION")
        assert token not in response.text


def test_unknown_path_gets_404_and_wrong_method_405(http: requests.Session, api: DemoApi) -> None:
    _assert_error(http.get(f"{api.base_url}/crm/v3/objects/unicorns"), 404, "OBJECT_NOT_FOUND")
    _assert_error(http.get(f"{api.base_url}/"), 404, "OBJECT_NOT_FOUND")
    _assert_error(http.post(f"{api.base_url}{DEALS}", json={}), 405, "VALIDATION_ERROR")
    _assert_error(http.get(f"{api.base_url}{DEALS}/search"), 405, "VALIDATION_ERROR")


def test_request_count_counts_every_request(http: requests.Session, api: DemoApi) -> None:
    before = api.request_count
    http.get(f"{api.base_url}/crm/v3/pipelines/deals")
    requests.get(f"{api.base_url}/crm/v3/pipelines/deals", timeout=5)  # 401 counts too
    assert api.request_count == before + 2


def test_every_hubspot_response_carries_rate_limit_headers(http: requests.Session, api: DemoApi):
    response = http.get(f"{api.base_url}{DEALS}")
    for name in ("Daily", "Daily-Remaining", "Interval-Milliseconds", "Max", "Remaining"):
        assert response.headers[f"X-HubSpot-RateLimit-{name}"].isdigit()


# --- owners and pipelines ----------------------------------------------------------------------


def test_owners_shape_and_archived_filter(everything, company: Company) -> None:
    active = everything(OWNERS, limit="3")
    left = everything(OWNERS, archived="true")
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
        assert owner["createdAt"] <= owner["updatedAt"] <= iso_ms(company.clock_ms)
        [team] = owner["teams"]
        assert set(team) == {"id", "name", "primary"} and team["primary"] is True
        assert team["name"] in set(company.teams["name"])


def test_owner_paging_link_last_page_and_single_owner(http: requests.Session, api: DemoApi) -> None:
    first = http.get(f"{api.base_url}{OWNERS}", params={"limit": "5"}).json()
    assert len(first["results"]) == 5
    link = first["paging"]["next"]["link"]
    assert link.startswith(f"{api.base_url}{OWNERS}?")
    assert http.get(link).json()["results"][0]["id"] == first["paging"]["next"]["after"]
    everything = http.get(f"{api.base_url}{OWNERS}", params={"limit": "500"}).json()
    assert "paging" not in everything
    one = first["results"][2]
    assert http.get(f"{api.base_url}{OWNERS}/{one['id']}").json() == one
    _assert_error(http.get(f"{api.base_url}{OWNERS}/1"), 404, "OBJECT_NOT_FOUND")


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
    assert http.get(f"{api.base_url}/crm/v3/pipelines/deals/default").json() == pipeline
    _assert_error(http.get(f"{api.base_url}/crm/v3/pipelines/deals/x"), 404, "OBJECT_NOT_FOUND")


# --- object lists ------------------------------------------------------------------------------


def test_deal_paging_walk_returns_every_live_deal_once(walk, company: Company) -> None:
    pages = walk(DEALS, limit="100", properties="dealstage")
    ids = [d["id"] for page in pages for d in page.json()["results"]]
    assert len(ids) == len(set(ids)) == len(company.deals)
    assert ids == [str(i) for i in company.deals["id"]]
    assert len(pages) == -(-len(company.deals) // 100)
    assert all(len(page.json()["results"]) == 100 for page in pages[:-1])


@pytest.mark.parametrize("object_type", TYPES)
def test_every_object_list_pages_in_id_order_with_string_properties(
    http: requests.Session, api: DemoApi, object_type: str
) -> None:
    cls = OBJECT_TYPES[object_type]
    url = f"{api.base_url}/crm/v3/objects/{object_type}"
    first = http.get(url, params={"limit": "100", "properties": ",".join(cls.properties)}).json()  # type: ignore[attr-defined]
    results = first["results"]
    assert len(results) == 100 and set(first["paging"]["next"]) == {"after", "link"}
    ids = [int(r["id"]) for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 100
    second = http.get(first["paging"]["next"]["link"]).json()["results"]
    assert (
        int(second[0]["id"]) > ids[-1]
        and str(int(second[0]["id"])) == first["paging"]["next"]["after"]
    )
    for record in results:
        assert list(record) == ["id", "properties", "createdAt", "updatedAt", "archived"]
        props = record["properties"]
        assert set(props) == set(cls.properties)  # type: ignore[attr-defined]
        assert all(v is None or isinstance(v, str) for v in props.values())
        assert props["hs_object_id"] == record["id"] and record["archived"] is False
        assert record["createdAt"] == props[CREATED[object_type]]
        assert record["updatedAt"] == props[MODIFIED[object_type]]
        assert record["createdAt"] <= record["updatedAt"]
        assert ISO_MS.fullmatch(record["createdAt"]) and ISO_MS.fullmatch(record["updatedAt"])
    defaults = http.get(url, params={"limit": "1"}).json()["results"][0]["properties"]
    assert set(defaults) == set(cls.defaults)  # type: ignore[attr-defined]


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
    _assert_error(http.get(f"{api.base_url}{DEALS}?archived=maybe"), 400, "VALIDATION_ERROR")


def test_deal_shape_and_string_properties(http: requests.Session, api: DemoApi) -> None:
    params = {"limit": "100", "properties": ALL_PROPS + ",hs_analytics_source"}
    results = http.get(f"{api.base_url}{DEALS}", params=params).json()["results"]
    for deal in results:
        assert list(deal) == ["id", "properties", "createdAt", "updatedAt", "archived"]
        props = deal["properties"]
        assert set(props) == set(ALL_PROPS.split(",")) | {"hs_analytics_source"}
        assert all(v is None or isinstance(v, str) for v in props.values())
        assert props["hs_object_id"] == deal["id"]
        assert props["createdate"] == deal["createdAt"]
        assert props["hs_lastmodifieddate"] == deal["updatedAt"]
        for key in ("createdate", "closedate", "hs_lastmodifieddate"):
            assert ISO_MS.fullmatch(props[key])
        assert re.fullmatch(r"\d+\.\d\d", props["amount"])
        assert props["dealstage"] in STAGE_IDS and props["pipeline"] == "default"
        assert props["deal_currency_code"] == "USD" and props["hubspot_owner_id"].isdigit()
        assert props["hs_analytics_source"].isupper()


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


def test_stage_history_newest_first(everything, company: Company) -> None:
    deals = everything(
        DEALS,
        limit="50",
        properties="dealstage,closedate",
        propertiesWithHistory="dealstage",
    )
    assert len(deals) == len(company.deals)
    end = iso_ms(company.clock_ms)
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
        assert history[0]["timestamp"] <= props["hs_lastmodifieddate"] <= end
        assert history[-1]["value"] == "appointmentscheduled"
        assert history[-1]["timestamp"] == props["createdate"]
        assert props["closedate"] >= props["createdate"]
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


def test_slipped_close_dates_and_revised_amounts_have_history(everything) -> None:
    deals = everything(DEALS, limit="50", propertiesWithHistory="closedate,amount")
    slipped = [d for d in deals if len(d["propertiesWithHistory"]["closedate"]) > 2]
    revised = [d for d in deals if len(d["propertiesWithHistory"]["amount"]) == 2]
    assert len(slipped) > 50 and len(revised) > 50
    for deal in slipped + revised:
        for prop in ("closedate", "amount"):
            history = deal["propertiesWithHistory"][prop]
            assert history[0]["value"] == deal["properties"][prop]
            assert history[0]["timestamp"] <= deal["properties"]["hs_lastmodifieddate"]
            stamps = [c["timestamp"] for c in history]
            assert stamps == sorted(stamps, reverse=True)
    # an open deal's close date moves later, except once at most, when the rep pulls it in
    pulled = 0
    for deal in slipped:
        if deal["properties"]["dealstage"] not in ("closedwon", "closedlost"):
            values = [c["value"] for c in deal["propertiesWithHistory"]["closedate"]][::-1]
            earlier = sum(later < before for before, later in pairwise(values))
            assert earlier <= 1
            pulled += earlier
    assert pulled > 5


def test_archived_deals_are_deleted_and_merged_ones(everything, company: Company) -> None:
    archived = everything(DEALS, archived="true", properties="dealname,dealstage")
    assert len(archived) == len(company.archived_deals) > 0
    live_ids = {str(i) for i in company.deals["id"]}
    for deal in archived:
        assert deal["archived"] is True and deal["id"] not in live_ids
        assert list(deal) == [
            "id",
            "properties",
            "createdAt",
            "updatedAt",
            "archived",
            "archivedAt",
        ]
        assert deal["createdAt"] < deal["archivedAt"] <= iso_ms(company.clock_ms)
        assert deal["updatedAt"] == deal["archivedAt"]
    # survivors list the merged-away duplicates, which are among the archived deals
    survivors = [
        d
        for d in everything(DEALS, limit="100", properties="hs_merged_object_ids")
        if d["properties"]["hs_merged_object_ids"]
    ]
    assert survivors
    archived_ids = {d["id"] for d in archived}
    for deal in survivors:
        assert set(deal["properties"]["hs_merged_object_ids"].split(";")) <= archived_ids


def test_read_one_object_and_merged_ids_answer_with_the_survivor(
    http: requests.Session, api: DemoApi, company: Company
) -> None:
    deal_id = str(company.deals["id"].iloc[5])
    one = http.get(
        f"{api.base_url}{DEALS}/{deal_id}", params={"propertiesWithHistory": "dealstage"}
    )
    assert one.status_code == 200 and one.json()["id"] == deal_id
    assert "propertiesWithHistory" in one.json()
    merged = company.archived_deals[company.archived_deals["kind"] == 2].iloc[0]
    survivor_row = company.world.deals["merged_into"].iat[int(merged["row"])]
    survivor_id = str(company.world.deals["id"].iat[survivor_row])
    redirected = http.get(f"{api.base_url}{DEALS}/{merged['id']}").json()
    assert redirected["id"] == survivor_id
    as_archived = http.get(f"{api.base_url}{DEALS}/{merged['id']}", params={"archived": "true"})
    assert as_archived.json()["id"] == str(merged["id"]) and as_archived.json()["archived"]
    deleted = company.archived_deals[company.archived_deals["kind"] == 1].iloc[0]
    _assert_error(http.get(f"{api.base_url}{DEALS}/{deleted['id']}"), 404, "OBJECT_NOT_FOUND")
    for bad in ("1", "abc", "99999999999999"):
        _assert_error(http.get(f"{api.base_url}{DEALS}/{bad}"), 404, "OBJECT_NOT_FOUND")
    contact = http.get(f"{api.base_url}/crm/v3/objects/0-1/1001").json()
    assert contact["id"] == "1001" and "email" in contact["properties"]


def test_associations_follow_the_v3_shape_and_are_symmetric(
    http: requests.Session, api: DemoApi
) -> None:
    calls = http.get(
        f"{api.base_url}/crm/v3/objects/calls",
        params={"limit": "100", "associations": "contacts,companies,deals", "after": "40000100000"},
    ).json()["results"]
    with_deal = [c for c in calls if "deals" in c.get("associations", {})]
    assert with_deal and all("contacts" in c["associations"] for c in calls)
    for call in calls:
        for to, block in call["associations"].items():
            assert set(block) == {"results"}
            for link in block["results"]:
                assert set(link) == {"id", "type"} and link["id"].isdigit()
                assert link["type"] == f"call_to_{to[:-1] if to != 'companies' else 'company'}"
    call = with_deal[0]
    deal_id = call["associations"]["deals"]["results"][0]["id"]
    deal = http.get(
        f"{api.base_url}{DEALS}/{deal_id}", params={"associations": "calls,contacts,companies"}
    ).json()
    assert call["id"] in {a["id"] for a in deal["associations"]["calls"]["results"]}
    assert deal["associations"]["contacts"]["results"][0]["type"] == "deal_to_contact"
    contact_id = deal["associations"]["contacts"]["results"][0]["id"]
    contact = http.get(
        f"{api.base_url}/crm/v3/objects/contacts/{contact_id}",
        params={"associations": "deals,companies", "properties": "hs_lead_status,lifecyclestage"},
    ).json()
    assert contact["associations"]["deals"]["results"] == [
        {"id": deal_id, "type": "contact_to_deal"}
    ]
    assert contact["properties"]["lifecyclestage"] in ("opportunity", "customer")
    assert contact["properties"]["hs_lead_status"] == "OPEN_DEAL"
    company_id = contact["associations"]["companies"]["results"][0]["id"]
    company = http.get(
        f"{api.base_url}/crm/v3/objects/companies/{company_id}",
        params={"associations": "contacts,deals"},
    ).json()
    assert contact_id in {a["id"] for a in company["associations"]["contacts"]["results"]}
    assert deal_id in {a["id"] for a in company["associations"]["deals"]["results"]}
    plain = http.get(f"{api.base_url}/crm/v3/objects/calls", params={"limit": "1"}).json()
    assert "associations" not in plain["results"][0]


def test_engagement_properties(http: requests.Session, api: DemoApi) -> None:
    def first_page(kind: str) -> list[dict]:
        cls = OBJECT_TYPES[kind]
        params = {"limit": "100", "properties": ",".join(cls.properties)}  # type: ignore[attr-defined]
        return [
            r["properties"]
            for r in http.get(f"{api.base_url}/crm/v3/objects/{kind}", params=params).json()[
                "results"
            ]
        ]

    calls, emails = first_page("calls"), first_page("emails")
    meetings, tasks = first_page("meetings"), first_page("tasks")
    assert {c["hs_call_direction"] for c in calls} <= {"INBOUND", "OUTBOUND"}
    assert all(c["hs_call_duration"].isdigit() for c in calls)
    assert {e["hs_email_direction"] for e in emails} == {"EMAIL", "INCOMING_EMAIL"}
    assert {m["hs_meeting_outcome"] for m in meetings} <= {
        "SCHEDULED", "COMPLETED", "NO_SHOW", "CANCELED", "RESCHEDULED"
    }  # fmt: skip
    for m in meetings:
        assert m["hs_meeting_start_time"] == m["hs_timestamp"] < m["hs_meeting_end_time"]
    assert {t["hs_task_status"] for t in tasks} == {"COMPLETED", "NOT_STARTED"}
    for t in tasks:
        assert (t["hs_task_completion_date"] is None) == (t["hs_task_status"] == "NOT_STARTED")
    for record in calls + emails + meetings + tasks:
        assert ISO_MS.fullmatch(record["hs_timestamp"]) and record["hubspot_owner_id"].isdigit()


def test_contacts_are_leads_customers_or_made_by_reps(everything, company: Company) -> None:
    contacts = everything(
        "/crm/v3/objects/contacts",
        limit="100",
        properties="lifecyclestage,hs_lead_status,hs_analytics_source,hubspot_owner_id,"
        "hs_lifecyclestage_lead_date,hs_lifecyclestage_opportunity_date,"
        "hs_lifecyclestage_customer_date,hs_object_source,hs_analytics_source_data_1",
    )
    props = [c["properties"] for c in contacts]
    by_source = {}
    for p in props:
        by_source.setdefault(p["hs_object_source"], []).append(p)
    assert set(by_source) == {"FORM", "IMPORT", "INTEGRATION", "CRM_UI"}
    leads = by_source["FORM"] + by_source["IMPORT"]
    assert len(leads) == 16_000
    assert {p["lifecyclestage"] for p in leads} == {"lead", "opportunity", "customer"}
    assert {p["hs_lead_status"] for p in leads} == {
        "NEW", "ATTEMPTED_TO_CONNECT", "CONNECTED", "OPEN_DEAL", "UNQUALIFIED"
    }  # fmt: skip
    owner_ids = set(company.owners["id"])
    for p in leads + by_source["CRM_UI"]:
        assert p["hubspot_owner_id"] in owner_ids
        assert p["hs_lifecyclestage_lead_date"] == p["createdate"]
        assert (p["hs_lifecyclestage_opportunity_date"] is not None) == (
            p["lifecyclestage"] != "lead"
        )
    assert all(p["hs_analytics_source"] == "OFFLINE" for p in by_source["IMPORT"])
    # Contacts a rep typed in: offline, from the CRM's UI, never converted.
    for p in by_source["CRM_UI"]:
        assert (p["hs_analytics_source"], p["hs_analytics_source_data_1"]) == ("OFFLINE", "CRM_UI")
        assert p["lifecyclestage"] == "lead"
    # Existing customers: customers from the day they were created, never leads.
    customers = by_source["INTEGRATION"]
    assert len(customers) > 100
    for p in customers:
        assert p["lifecyclestage"] == "customer" and p["hs_lifecyclestage_lead_date"] is None
        assert p["hs_lifecyclestage_customer_date"] == p["createdate"]
    assert {p["hs_lead_status"] for p in customers} == {None, "IN_PROGRESS"}


# --- search ------------------------------------------------------------------------------------


def test_search_filters_on_modification_time_in_every_form(
    http: requests.Session, api: DemoApi, search, company: Company
) -> None:
    since = company.clock_ms - 20 * 86_400_000
    expected = set(company.deals.loc[company.deals["last_modified_ms"] > since, "id"].astype(str))
    for value in (str(since), iso_ms(since)):
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": value}
                    ]
                }
            ],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["dealstage"],
            "limit": 200,
        }
        results = search("deals", body)
        assert {r["id"] for r in results} == expected and len(results) == len(expected)
        stamps = [r["properties"]["hs_lastmodifieddate"] for r in results]
        assert stamps == sorted(stamps)
        for r in results:
            assert list(r) == ["id", "properties", "createdAt", "updatedAt", "archived"]
            assert set(r["properties"]) == ALWAYS | {"dealstage"}
    between = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "hs_lastmodifieddate",
                        "operator": "BETWEEN",
                        "value": str(since),
                        "highValue": str(company.clock_ms),
                    }
                ]
            }
        ],
        "limit": 200,
    }
    inclusive = set(company.deals.loc[company.deals["last_modified_ms"] >= since, "id"].astype(str))
    assert {r["id"] for r in search("deals", between)} == inclusive


@pytest.mark.parametrize(
    ("operator", "keep"),
    [
        ("GTE", lambda m, v: m >= v),
        ("GT", lambda m, v: m > v),
        ("LT", lambda m, v: m < v),
        ("LTE", lambda m, v: m <= v),
        ("EQ", lambda m, v: m == v),
        ("NEQ", lambda m, v: m != v),
    ],
)
def test_search_operators_and_totals(
    http: requests.Session, api: DemoApi, company: Company, operator, keep
) -> None:
    value = int(company.deals["last_modified_ms"].iloc[len(company.deals) // 2])
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "hs_lastmodifieddate",
                        "operator": operator,
                        "value": str(value),
                    }
                ]
            }
        ],
        "limit": 5,
    }
    page = _search(http, api, "deals", body).json()
    expected = company.deals[keep(company.deals["last_modified_ms"], value)]
    assert page["total"] == len(expected) > 0
    assert [r["id"] for r in page["results"]] == [str(i) for i in expected["id"].iloc[:5]]


def test_search_filter_groups_or_and_within(http, api, company: Company) -> None:
    ids = company.deals["id"].astype(str)
    owner = company.owners["id"].iloc[3]
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "hs_object_id", "operator": "IN", "values": list(ids[:3])}
                ]
            },
            {
                "filters": [
                    {"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner},
                    {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"},
                ]
            },
        ],
        "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
        "limit": 200,
    }
    page = _search(http, api, "deals", body).json()
    owner_idx = int(company.owners.index[company.owners["id"] == owner][0])
    mask = (company.deals["owner_idx"] == owner_idx) & (company.deals["stage_idx"] == 5)
    mask |= company.deals.index < 3
    expected = company.deals[mask].sort_values("created_ms", ascending=False, kind="stable")
    assert [r["id"] for r in page["results"]] == [str(i) for i in expected["id"]]


def test_search_paging_limits_and_the_10000_cap(http: requests.Session, api: DemoApi) -> None:
    page = _search(http, api, "emails", {"limit": 200}).json()
    assert page["total"] > 10_000 and len(page["results"]) == 200
    assert page["paging"]["next"]["after"] == "200"
    near_cap = _search(http, api, "emails", {"limit": 200, "after": "9900"}).json()
    assert len(near_cap["results"]) == 100 and near_cap["paging"]["next"]["after"] == "10000"
    _assert_error(_search(http, api, "emails", {"after": "10000"}), 400, "VALIDATION_ERROR")
    _assert_error(_search(http, api, "emails", {"limit": 201}), 400, "VALIDATION_ERROR")
    assert len(_search(http, api, "emails", {}).json()["results"]) == 10  # default limit


def test_incremental_search_restarts_from_the_last_timestamp_past_10000(
    http: requests.Session, api: DemoApi, company: Company
) -> None:
    """The documented way around the cap: sort by modification, restart from the last seen."""
    seen: dict[str, str] = {}
    cursor = "0"
    for _ in range(100):
        after, new = None, 0
        while True:
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": cursor}
                        ]
                    }
                ],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "limit": 200,
            } | ({"after": after} if after else {})
            page = _search(http, api, "contacts", body).json()
            for r in page["results"]:
                new += r["id"] not in seen
                seen[r["id"]] = r["properties"]["lastmodifieddate"]
            if "paging" not in page or int(page["paging"]["next"]["after"]) >= 10_000:
                break
            after = page["paging"]["next"]["after"]
        if "paging" not in page:
            break
        cursor = page["results"][-1]["properties"]["lastmodifieddate"]
        assert new > 0
    assert len(seen) == state.visible_count(company.world.c["created_ms"], company.clock_ms)


def test_search_refuses_what_hubspot_refuses(http: requests.Session, api: DemoApi) -> None:
    bad_bodies = [
        {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "LIKE", "value": "1"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "soon"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "dealname", "operator": "EQ", "value": "x"}]}]},
        {"filterGroups": [{"filters": []}] * 6},
        {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}] * 11}]},
        {"sorts": ["createdate", "hs_object_id"]},
        {"sorts": [{"propertyName": "createdate", "direction": "SIDEWAYS"}]},
        {"limit": 0},
        {"after": "x"},
        {"query": "acme"},
    ]  # fmt: skip
    for body in bad_bodies:
        _assert_error(_search(http, api, "deals", body), 400, "VALIDATION_ERROR")
    broken = http.post(f"{api.base_url}{DEALS}/search", data=b"{not json")
    _assert_error(broken, 400, "VALIDATION_ERROR")
    contacts = _search(
        http,
        api,
        "contacts",
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "0"}
                    ]
                }
            ]
        },
    )
    _assert_error(contacts, 400, "VALIDATION_ERROR")
    assert "lastmodifieddate" in contacts.json()["message"]
