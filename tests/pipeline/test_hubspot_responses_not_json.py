"""A HubSpot answer that is not JSON (a proxy's or gateway's HTML page, with status 200 or
502) is retried as transient; when it persists the load fails, writes nothing, and says which
base URL and path answered, never the token. An unreachable or malformed base URL is named too.
Served by tests/hubspot_portal.py, whose answers a test can replace."""

import socket

import duckdb
import pytest
from hubspot_portal import TOKEN, HubSpotPortal, crm_record

from ingestion.pipelines import run_source
from ingestion.sources.hubspot import HubSpotSourceError
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

AT = "2026-05-04T10:00:00.000Z"


def one_deal_portal() -> HubSpotPortal:
    deal = crm_record(
        "77",
        {
            "dealname": "Only",
            "amount": "10",
            "dealstage": "closedwon",
            "pipeline": "default",
            "createdate": AT,
            "closedate": AT,
            "hs_lastmodifieddate": AT,
        },
        updated=AT,
        history={"dealstage": [("closedwon", AT)]},
    )
    return HubSpotPortal({"deals": [deal]})


@pytest.fixture
def portal(warehouse_home, monkeypatch):
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0")
    with one_deal_portal() as running:
        monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", running.base_url)
        yield running


def hubspot_error(failure: pytest.ExceptionInfo) -> HubSpotSourceError:
    chain, error = [], failure.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert all(TOKEN not in str(e) and TOKEN not in repr(e) for e in chain)
    found = [e for e in chain if isinstance(e, HubSpotSourceError)]
    assert found, chain
    return found[0]


def raw_deals() -> int | None:
    if not build_warehouse_path().exists():
        return None
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw_hubspot' and table_name = 'deals'"
        ).fetchone()[0]
        return (
            con.execute("select count(*) from raw_hubspot.deals").fetchone()[0] if tables else None
        )


def test_an_html_page_with_status_200_is_retried_and_the_load_completes(portal):
    portal.answer_next(2, status=200, path_prefix="/crm/v3/objects/deals")

    run_source("hubspot")

    assert raw_deals() == 1
    deal_reads = [path for _, path in portal.requests if path == "/crm/v3/objects/deals"]
    assert len(deal_reads) == 2 + 2  # active and archived lists, two answers retried


@pytest.mark.parametrize("status", [200, 502], ids=["html-200", "html-502"])
def test_a_page_that_stays_html_fails_naming_the_base_url_and_the_path(portal, status):
    portal.answer_next(100, status=status, path_prefix="/crm/v3/objects/deals")

    with pytest.raises(Exception) as failure:
        run_source("hubspot")

    error = hubspot_error(failure)
    assert error.is_transient
    assert f"{portal.base_url}/crm/v3/objects/deals" in str(error)
    assert "not JSON" in str(error) or "HTTP 502" in str(error)
    assert "502 Bad Gateway" in str(error) or status == 502  # the page's title, when shown
    attempts = [path for _, path in portal.requests if path == "/crm/v3/objects/deals"]
    assert len(attempts) == 3  # RUNTIME__REQUEST_MAX_ATTEMPTS
    assert raw_deals() in (None, 0)


def test_a_page_that_echoes_the_token_in_its_title_never_shows_it(portal):
    page = f"<html><head><title>Denied for Bearer {TOKEN}</title></head></html>".encode()
    portal.answer_next(100, status=200, body=page, path_prefix="/crm/v3/owners")

    with pytest.raises(Exception) as failure:
        run_source("hubspot")

    assert "Denied for Bearer ***" in str(hubspot_error(failure))


def test_an_unreachable_base_url_is_named(warehouse_home, monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"  # nothing listens here
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", base_url)
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0")

    with pytest.raises(Exception) as failure:
        run_source("hubspot")

    error = hubspot_error(failure)
    assert error.is_transient
    assert f"could not be reached at {base_url}" in str(error)
    assert f"GET {base_url}/crm/v3/" in str(error)


def test_a_base_url_that_is_not_a_url_is_a_configuration_error(warehouse_home, monkeypatch):
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", "api.hubapi.com")
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)

    with pytest.raises(Exception) as failure:
        run_source("hubspot")

    error = hubspot_error(failure)
    assert not error.is_transient
    assert "'api.hubapi.com' is not an http(s) URL" in str(error)
    assert "SOURCES__HUBSPOT__BASE_URL" in str(error)
