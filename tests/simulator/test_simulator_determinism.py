"""Same (seed, scale, as_of) -> byte-identical API; another seed -> another API."""

from __future__ import annotations

import requests

from simulator import generate_company
from simulator.hubspot_api import HubSpotApi
from simulator.server import DemoApi

GETS = [
    ("/crm/v3/owners", {"limit": "7"}),
    ("/crm/v3/owners", {"archived": "true"}),
    ("/crm/v3/pipelines/deals", {}),
    (
        "/crm/v3/objects/deals",
        {
            "limit": "50",
            "properties": "amount,dealstage,closedate,hubspot_owner_id,dealname",
            "propertiesWithHistory": "dealstage,closedate,amount",
            "associations": "contacts,companies",
        },
    ),
    ("/crm/v3/objects/deals", {"archived": "true", "limit": "100"}),
]
FIRST_PAGES = [
    ("/crm/v3/objects/contacts", {"limit": "100", "associations": "deals,companies"}),
    ("/crm/v3/objects/companies", {"limit": "100", "propertiesWithHistory": "lifecyclestage"}),
    ("/crm/v3/objects/calls", {"limit": "100", "associations": "contacts,deals,companies"}),
    ("/crm/v3/objects/emails", {"limit": "100"}),
    ("/crm/v3/objects/meetings", {"limit": "100", "propertiesWithHistory": "hs_meeting_outcome"}),
    ("/crm/v3/objects/tasks", {"limit": "100"}),
    ("/forms", {}),
    ("/forms/SPpulse1", {}),
    ("/forms/SPpulse1/responses", {"page_size": "1000"}),
    ("/forms/SPenps01/responses", {"page_size": "1000"}),
]
SEARCH = {
    "filterGroups": [
        {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "0"}]}
    ],
    "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}],
    "limit": 200,
    "after": "400",
}


def _serialise_walk(seed: int, as_of, token: str, page_walker) -> bytes:
    company = generate_company(seed=seed, scale="small", as_of=as_of)
    chunks = []
    with DemoApi(company, token=token) as api, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        responses = [
            page
            for path, params in GETS
            for page in page_walker(session, api.base_url, path, params)
        ]
        responses += [session.get(f"{api.base_url}{p}", params=q) for p, q in FIRST_PAGES]
        responses.append(session.post(f"{api.base_url}/crm/v3/objects/tasks/search", json=SEARCH))
        api.advance(3.5)
        responses += [session.get(f"{api.base_url}{p}", params=q) for p, q in FIRST_PAGES[:3]]
        for response in responses:
            assert response.status_code == 200, response.text
            # the port differs between servers; everything else must not
            chunks.append(response.content.replace(api.base_url.encode(), b"BASE"))
    return b"\n".join(chunks)


def test_same_seed_serves_byte_identical_responses(company, token, page_walker) -> None:
    first = _serialise_walk(7, company.as_of, token, page_walker)
    assert first == _serialise_walk(7, company.as_of, token, page_walker)
    assert first != _serialise_walk(8, company.as_of, token, page_walker)


def test_handler_is_deterministic_including_links(company, token) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    target = "/crm/v3/objects/deals?limit=100&propertiesWithHistory=dealstage"
    twin = generate_company(seed=company.seed, scale="small", as_of=company.as_of)
    one = HubSpotApi(company, token).handle("GET", target, headers, "http://x")
    two = HubSpotApi(twin, token).handle("GET", target, headers, "http://x")
    assert one == two and one[0] == 200
