"""The hubspot dlt source against the demo company: what it loads, and that a rerun merges."""

import duckdb
import pytest

from ingestion.pipelines import run_source
from ingestion.sources.hubspot import HubSpotSourceError
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration


def _count(table: str) -> int:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(f"select count(*) from raw_hubspot.{table}").fetchone()[0]


def test_loads_every_owner_deal_and_stage_change(warehouse_home, sources_on_demo_api, demo_company):
    load_info = run_source("hubspot")

    assert not load_info.has_failed_jobs
    assert _count("owners") == len(demo_company.owners)
    assert _count("deals") == len(demo_company.deals)
    # Every deal entered appointmentscheduled at creation; each later stage entered is one row.
    stage_changes = (demo_company.stage_entered_ms >= 0).sum() + (
        demo_company.deals["closed_ms"] >= 0
    ).sum()
    assert _count("deals__stage_history") == stage_changes
    assert _count("deal_pipelines__stages") == 7
    assert _count("owners__teams") == len(demo_company.owners)


def test_rerun_merges_on_id_instead_of_duplicating(
    warehouse_home, sources_on_demo_api, demo_company
):
    run_source("hubspot")
    run_source("hubspot")

    assert _count("deals") == len(demo_company.deals)
    assert _count("deals__stage_history") > len(demo_company.deals)
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

    chain = []
    error = failure.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, HubSpotSourceError) and "HTTP 401" in str(e) for e in chain)
    assert all(secret not in str(e) for e in chain)
    assert not build_warehouse_path().exists() or _raw_deals_absent()


def _raw_deals_absent() -> bool:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return not con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw_hubspot' and table_name = 'deals'"
        ).fetchone()[0]
