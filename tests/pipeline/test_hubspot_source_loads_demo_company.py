"""The hubspot dlt source: reruns merge, rejected tokens fail cleanly, and faults of the API
(rate limits, server errors, dropped connections) are retried or fail with nothing written."""

import datetime as dt

import duckdb
import pytest

from ingestion.pipelines import run_source
from ingestion.sources.hubspot import HubSpotSourceError
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

TOKEN = "fault-test-token"


def _count(table: str) -> int:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(f"select count(*) from raw_hubspot.{table}").fetchone()[0]


def _error_chain(error: BaseException) -> list[BaseException]:
    chain = []
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def test_rerun_merges_on_id_instead_of_duplicating(warehouse_home, sources_on_demo_api):
    _load_deals_only()
    first = _count("deals")
    _load_deals_only()

    assert _count("deals") == first
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        duplicates = con.execute(
            "select count(*) from (select id from raw_hubspot.deals group by id having count(*) > 1)"
        ).fetchone()[0]
    assert duplicates == 0


def test_a_rejected_token_fails_with_the_cause_and_without_the_token(
    warehouse_home, sources_on_demo_api, monkeypatch
):
    secret = "pat-na1-0123456789-very-secret"
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", secret)

    with pytest.raises(Exception) as failure:
        run_source("hubspot")

    chain = _error_chain(failure.value)
    assert any(isinstance(e, HubSpotSourceError) and "HTTP 401" in str(e) for e in chain)
    assert all(secret not in str(e) for e in chain)
    assert not build_warehouse_path().exists() or not _raw_table_exists("deals")


def _raw_table_exists(table: str) -> bool:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return bool(
            con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'raw_hubspot' and table_name = ?",
                [table],
            ).fetchone()[0]
        )


@pytest.fixture
def faulty_api(request, warehouse_home, monkeypatch):
    """A demo company served with the faults the test asks for, and quick retries."""
    from simulator import generate_company
    from simulator.faults import Faults
    from simulator.server import DemoApi

    company = generate_company(seed=3, scale="small", as_of=dt.date(2026, 1, 31))
    with DemoApi(company, token=TOKEN, faults=Faults(**request.param)) as api:
        monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", api.base_url)
        monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
        monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
        monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "0.05")
        yield api


def _load_deals_only() -> None:
    """The deals resource alone: enough requests to meet every fault, a fraction of the load."""
    from ingestion.pipelines import build_pipeline
    from ingestion.sources.hubspot import hubspot_source

    build_pipeline("hubspot").run(
        hubspot_source().with_resources("deals"), loader_file_format="parquet"
    ).raise_on_failed_jobs()


@pytest.mark.parametrize(
    "faulty_api",
    [
        {"rate_limit_every": 4, "retry_after_seconds": 0},
        {"server_error_every": 5},
        {"drop_every": 6},
        {"html_every": 5},
    ],
    indirect=True,
    ids=["429-with-retry-after", "503", "dropped-connection", "html-page-with-status-200"],
)
def test_transient_faults_are_retried_and_the_load_is_complete(faulty_api):
    from simulator.faults import Faults
    from simulator.server import DemoApi

    _load_deals_only()

    with DemoApi(faulty_api.company, token=TOKEN, faults=Faults()) as clean:
        clean_count = _count_via(clean)
    assert _count("deals") == clean_count
    assert faulty_api.request_count > 0


def _count_via(api) -> int:
    import requests

    total = 0
    for archived in ("false", "true"):
        params = {"limit": 100, "archived": archived}
        while True:
            body = requests.get(
                f"{api.base_url}/crm/v3/objects/deals",
                params=params,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ).json()
            total += len(body["results"])
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
            params["after"] = after
    return total


@pytest.mark.parametrize(
    "faulty_api", [{"server_error_every": 1}], indirect=True, ids=["always-503"]
)
def test_exhausted_retries_fail_cleanly_with_nothing_half_written(faulty_api):
    with pytest.raises(Exception) as failure:
        _load_deals_only()

    chain = _error_chain(failure.value)
    assert any(isinstance(e, HubSpotSourceError) and e.is_transient for e in chain)
    assert any("kept failing with HTTP 503" in str(e) for e in chain)
    assert not build_warehouse_path().exists() or not _raw_table_exists("deals")
