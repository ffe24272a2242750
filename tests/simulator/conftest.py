"""Shared fixtures: one small demo company served over HTTP for the whole session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import requests

from simulator import Company, generate_company
from simulator.server import DemoApi

AS_OF = dt.date(2025, 6, 30)
TOKEN = "test-token"

Walk = Callable[..., list[requests.Response]]


@pytest.fixture(scope="session")
def company() -> Company:
    return generate_company(seed=7, scale="small", as_of=AS_OF)


@pytest.fixture(scope="session")
def api(company: Company) -> Iterator[DemoApi]:
    with DemoApi(company, token=TOKEN) as running:
        yield running


@pytest.fixture(scope="session")
def http(api: DemoApi) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def walk_pages(
    session: requests.Session, base_url: str, path: str, params: dict[str, str]
) -> list[requests.Response]:
    """Follow paging.next.after until the last page; return every raw response."""
    pages, after = [], None
    while True:
        query = dict(params) | ({"after": after} if after is not None else {})
        response = session.get(f"{base_url}{path}", params=query, timeout=10)
        assert response.status_code == 200, response.text
        pages.append(response)
        paging = response.json().get("paging")
        if paging is None:
            return pages
        after = paging["next"]["after"]
        assert isinstance(after, str)


def search_all(
    session: requests.Session, base_url: str, object_type: str, body: dict
) -> list[dict]:
    """Every result of a search, following `after` (must stay under the 10,000 cap)."""
    results, after = [], None
    while True:
        request = dict(body) | ({"after": after} if after is not None else {})
        response = session.post(
            f"{base_url}/crm/v3/objects/{object_type}/search", json=request, timeout=10
        )
        assert response.status_code == 200, response.text
        page = response.json()
        results += page["results"]
        if "paging" not in page:
            assert len(results) == page["total"]
            return results
        after = page["paging"]["next"]["after"]


@pytest.fixture(scope="session")
def token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def page_walker() -> Callable[..., list[requests.Response]]:
    return walk_pages


@pytest.fixture(scope="session")
def walk(http: requests.Session, api: DemoApi) -> Walk:
    return lambda path, **params: walk_pages(http, api.base_url, path, params)


def records(pages: list[requests.Response]) -> list[dict]:
    return [record for page in pages for record in page.json()["results"]]


@pytest.fixture(scope="session")
def search(http: requests.Session, api: DemoApi) -> Callable[[str, dict], list[dict]]:
    return lambda object_type, body: search_all(http, api.base_url, object_type, body)


@pytest.fixture(scope="session")
def everything(walk: Walk) -> Callable[..., list[dict]]:
    """Every record of a list endpoint, all pages."""
    return lambda path, **params: records(walk(path, **params))


@pytest.fixture(scope="session")
def searcher() -> Callable[..., list[dict]]:
    """search_all(session, base_url, object_type, body), for servers other than `api`."""
    return search_all
