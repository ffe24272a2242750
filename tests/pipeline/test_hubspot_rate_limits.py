"""The hubspot source against a demo API that enforces HubSpot's burst limit: the object types
load concurrently, the client adopts the limit the responses report, and the load is complete,
the few requests refused at a window's edge retried after Retry-After. The burst limit is small
here (40 requests in any 2 s) so that the load meets it many times over."""

import datetime as dt

import duckdb
import pytest
import requests

from ingestion.pipelines import run_source
from ingestion.sources.hubspot.settings import CRM_OBJECTS
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

TOKEN = "rate-limit-test-token"


def api_ids(base_url: str, name: str) -> set[str]:
    found: set[str] = set()
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        for archived in ("false", "true"):
            params = {"limit": 100, "archived": archived}
            while True:
                body = http.get(f"{base_url}/crm/v3/objects/{name}", params=params).json()
                found |= {record["id"] for record in body["results"]}
                after = body.get("paging", {}).get("next", {}).get("after")
                if not after:
                    break
                params["after"] = after
    return found


def test_a_load_at_an_enforced_rate_limit_is_complete_and_rarely_refused(
    warehouse_home, monkeypatch
):
    from ingestion.sources.hubspot.client import HubSpotClient
    from simulator import generate_company
    from simulator.rate_limits import EnforcedRateLimit
    from simulator.server import DemoApi

    clients = []
    real_init = HubSpotClient.__init__

    def keep(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        clients.append(self)

    monkeypatch.setattr(HubSpotClient, "__init__", keep)
    company = generate_company(seed=5, scale="tiny", as_of=dt.date(2026, 3, 31))
    limit = EnforcedRateLimit(max_requests=40, interval_ms=2_000)
    with DemoApi(company, token=TOKEN, rate_limit=limit) as api:
        monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", api.base_url)
        monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("EXTRACT__WORKERS", "7")

        run_source("hubspot")

        served = api.request_count
        with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
            loaded = {
                crm.name: {
                    i for (i,) in con.execute(f"select id from raw_hubspot.{crm.name}").fetchall()
                }
                for crm in CRM_OBJECTS
            }
        limit_off = EnforcedRateLimit(max_requests=10**9)
        api.rate_limit = limit_off
        expected = {crm.name: api_ids(api.base_url, crm.name) for crm in CRM_OBJECTS}

    assert loaded == expected
    assert served > 3 * limit.max_requests  # the limit was met many times over
    (client,) = clients
    assert (client.limiter.limit, client.limiter.interval) == (40, 2.0)  # adopted from headers
    # Refused: requests sent before the first answer reported the limit, and a few at a
    # window's edge (the server counts them on arrival); a client that ignored the limit
    # would see most of its requests refused.
    assert limit.limited < served / 4, (limit.limited, served)
