"""Fault injection: off by default, deterministic, and each fault shaped like the real thing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from simulator import Company
from simulator.faults import Faults
from simulator.server import DemoApi

DEALS = "/crm/v3/objects/deals"


@contextmanager
def serving(
    company: Company, token: str, faults: Faults
) -> Iterator[tuple[DemoApi, requests.Session]]:
    with DemoApi(company, token=token, faults=faults) as api, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        yield api, session


def _statuses(session: requests.Session, api: DemoApi, n: int, path: str = DEALS) -> list[int]:
    return [session.get(f"{api.base_url}{path}", timeout=10).status_code for _ in range(n)]


def test_faults_are_off_by_default(company: Company, token: str) -> None:
    assert not Faults().active
    with serving(company, token, Faults()) as (api, session):
        assert _statuses(session, api, 30) == [200] * 30


def test_rate_limit_every_nth_request_like_hubspot(company: Company, token: str) -> None:
    with serving(company, token, Faults(rate_limit_every=3, retry_after_seconds=2)) as (api, s):
        responses = [s.get(f"{api.base_url}{DEALS}", timeout=10) for _ in range(7)]
        assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429, 200]
        limited = responses[2]
        assert limited.headers["Retry-After"] == "2"
        assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"
        for name in ("Daily", "Daily-Remaining", "Interval-Milliseconds", "Max"):
            assert limited.headers[f"X-HubSpot-RateLimit-{name}"].isdigit()
        body = limited.json()
        assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
        assert body["policyName"] and body["correlationId"]
        assert int(responses[0].headers["X-HubSpot-RateLimit-Remaining"]) > 0
        typeform = s.get(f"{api.base_url}/forms/SPpulse1/responses", timeout=10)  # 8th: ok
        assert typeform.status_code == 200 and "X-HubSpot-RateLimit-Max" not in typeform.headers
        limited_form = s.get(f"{api.base_url}/forms/SPpulse1", timeout=10)  # 9th
        assert limited_form.status_code == 429 and limited_form.headers["Retry-After"] == "2"
        assert limited_form.json()["code"] == "RATE_LIMIT_EXCEEDED"


def test_server_errors_every_nth_request(company: Company, token: str) -> None:
    faults = Faults(server_error_every=2, server_error_status=502)
    with serving(company, token, faults) as (api, session):
        assert _statuses(session, api, 4) == [200, 502, 200, 502]
        response = session.get(f"{api.base_url}/forms", timeout=10)  # 5th
        assert response.status_code == 200
        response = session.get(f"{api.base_url}/forms", timeout=10)  # 6th
        assert response.status_code == 502 and response.json()["code"]


def test_slow_responses(company: Company, token: str) -> None:
    with serving(company, token, Faults(slow_every=2, slow_seconds=0.4)) as (api, session):
        started = time.monotonic()
        session.get(f"{api.base_url}{DEALS}", timeout=10)
        first = time.monotonic() - started
        started = time.monotonic()
        assert session.get(f"{api.base_url}{DEALS}", timeout=10).status_code == 200
        assert time.monotonic() - started >= 0.4 > first


def test_connection_dropped_mid_page(company: Company, token: str) -> None:
    with serving(company, token, Faults(drop_every=2)) as (api, session):
        assert session.get(f"{api.base_url}{DEALS}", timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.RequestException):
            session.get(f"{api.base_url}{DEALS}", params={"limit": "100"}, timeout=10).json()
        assert session.get(f"{api.base_url}{DEALS}", timeout=10).status_code == 200


def test_a_proxy_page_instead_of_json(company: Company, token: str) -> None:
    with serving(company, token, Faults(html_every=2, html_status=200)) as (api, session):
        assert session.get(f"{api.base_url}{DEALS}", timeout=10).json()["results"]
        page = session.get(f"{api.base_url}{DEALS}", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert page.text.lstrip().startswith("<!DOCTYPE html>")
        with pytest.raises(ValueError):
            page.json()
        assert session.get(f"{api.base_url}/forms/SPpulse1", timeout=10).json()["id"]


def test_the_same_faults_give_the_same_sequence(company: Company, token: str) -> None:
    faults = Faults(rate_limit_every=4, server_error_every=3)
    runs = []
    for _ in range(2):
        with serving(company, token, faults) as (api, session):
            runs.append(_statuses(session, api, 13))
    assert runs[0] == runs[1] == [200, 200, 503, 429, 200, 503, 200, 429, 503, 200, 200, 429, 200]


def test_a_retrying_client_still_reads_everything(company: Company, token: str) -> None:
    faults = Faults(rate_limit_every=5, retry_after_seconds=0, server_error_every=7)
    retry = Retry(
        total=10,
        status_forcelist=[429, 503],
        respect_retry_after_header=True,
        backoff_factor=0,
        allowed_methods=None,
    )
    with serving(company, token, faults) as (api, session):
        session.mount("http://", HTTPAdapter(max_retries=retry))
        ids, after = [], None
        while True:
            params = {"limit": "100"} | ({"after": after} if after else {})
            page = session.get(f"{api.base_url}{DEALS}", params=params, timeout=10).json()
            ids += [r["id"] for r in page["results"]]
            if "paging" not in page:
                break
            after = page["paging"]["next"]["after"]
        assert ids == [str(i) for i in company.deals["id"]]
        assert api.request_count > len(ids) // 100 + 10  # the faults really fired


def test_bad_fault_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Faults(rate_limit_every=-1)
    with pytest.raises(ValueError):
        Faults(server_error_status=404)
    with pytest.raises(ValueError):
        Faults(slow_seconds=-1)
