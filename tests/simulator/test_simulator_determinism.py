"""Same (seed, scale, as_of) -> byte-identical API; another seed -> another API."""

from __future__ import annotations

import requests

from simulator import generate_company
from simulator.hubspot_api import HubSpotApi
from simulator.server import DemoApi


def _serialise_walk(seed: int, as_of, token: str, page_walker) -> bytes:
    company = generate_company(seed=seed, scale="small", as_of=as_of)
    chunks = []
    with DemoApi(company, token=token) as api, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        walks = [
            ("/crm/v3/owners", {"limit": "7"}),
            ("/crm/v3/owners", {"archived": "true"}),
            ("/crm/v3/pipelines/deals", {}),
            (
                "/crm/v3/objects/deals",
                {
                    "limit": "50",
                    "properties": "amount,dealstage,closedate,hubspot_owner_id,dealname",
                    "propertiesWithHistory": "dealstage",
                },
            ),
        ]
        for path, params in walks:
            for page in page_walker(session, api.base_url, path, params):
                # the port differs between servers; everything else must not
                chunks.append(page.content.replace(api.base_url.encode(), b"BASE"))
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
