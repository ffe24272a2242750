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


@pytest.fixture(scope="session")
def token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def page_walker() -> Callable[..., list[requests.Response]]:
    return walk_pages


@pytest.fixture(scope="session")
def walk(http: requests.Session, api: DemoApi) -> Walk:
    return lambda path, **params: walk_pages(http, api.base_url, path, params)
