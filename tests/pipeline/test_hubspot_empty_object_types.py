"""A portal with no record of some object types (no companies, calls or meetings; no team, no
association) loads, and so do its later incremental loads, the way dlt's verified sources are
tested: load, assert the load info and the schema, query the rows, run again and assert that
nothing new loaded, then add the first company and call and load again.

Every object table exists after every load with all its columns, so dbt staging, the checks
and the next load find it; dbt's HubSpot staging builds on it (tested here with `dbt build`,
and in the nightly job by tests/orchestration/test_nightly_refresh_on_a_sparse_portal.py)."""

import duckdb
import pytest
from dbt_runs import run_dbt
from hubspot_portal import TOKEN, HubSpotPortal, crm_record, owner

from ingestion.pipelines import build_pipeline, run_source
from ingestion.sources.hubspot.settings import CRM_OBJECTS
from ingestion.warehouse import build_warehouse_path
from orchestration.defs.checks.row_accounting import latest_load_verdict

HUBSPOT_ONLY = {"enabled_sources": ["hubspot"]}

pytestmark = pytest.mark.integration

AT = "2026-04-01T08:00:00.000Z"
LATER = "2026-04-02T08:00:00.000Z"
EMPTY = ("companies", "calls", "meetings")
OBJECTS = [crm.name for crm in CRM_OBJECTS]


def engagement(object_id: str, kind: str, at: str = AT) -> dict:
    properties = {
        "hs_timestamp": at,
        "hubspot_owner_id": "1",
        "hs_createdate": at,
        "hs_lastmodifieddate": at,
        f"hs_{kind}_direction": "EMAIL" if kind == "email" else "OUTBOUND",
    }
    if kind == "task":
        properties = {**properties, "hs_task_status": "COMPLETED", "hs_task_type": "TODO"}
    return crm_record(object_id, properties, updated=at)


def sparse_portal() -> HubSpotPortal:
    contacts = [
        crm_record(
            str(i),
            {
                "firstname": f"Lead {i}",
                "lifecyclestage": "lead",
                "hubspot_owner_id": "1",
                "createdate": AT,
                "lastmodifieddate": AT,
            },
            updated=AT,
        )
        for i in (11, 12)
    ]
    deals = [
        crm_record(
            "21",
            {
                "dealname": "First",
                "amount": "5000",
                "dealstage": "appointmentscheduled",
                "pipeline": "default",
                "createdate": AT,
                "closedate": LATER,
                "hubspot_owner_id": "1",
                "hs_lastmodifieddate": AT,
            },
            updated=AT,
            history={"dealstage": [("appointmentscheduled", AT)]},
        )
    ]
    records = {
        "contacts": contacts,
        "deals": deals,
        "emails": [engagement("31", "email")],
        "tasks": [engagement("41", "task")],
    }
    teamless = {**owner("1", "Ada", "Lovelace"), "teams": []}
    return HubSpotPortal(records, owners=[teamless])


@pytest.fixture(scope="module")
def portal():
    with sparse_portal() as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory, portal):
    path = tmp_path_factory.mktemp("hubspot-sparse") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(path))
        patch.setenv("SOURCES__HUBSPOT__BASE_URL", portal.base_url)
        patch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        yield path


def query(sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def count(table: str) -> int:
    return query(f"select count(*) from raw_hubspot.{table}")[0][0]


def columns(table: str) -> set[str]:
    rows = query(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw_hubspot' and table_name = ?",
        [table],
    )
    return {name for (name,) in rows}


def all_accounting_checks_pass() -> list[str]:
    failures = []
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        for entity in [*OBJECTS, "owners", "deal_pipelines"]:
            passed, why, _, _ = latest_load_verdict(con, "raw_hubspot", entity)
            if not passed:
                failures.append(f"{entity}: {why}")
    return failures


def test_the_first_load_creates_every_object_table_even_without_records(home):
    load_info = run_source("hubspot")

    assert not load_info.has_failed_jobs
    schema = build_pipeline("hubspot").default_schema
    for crm in CRM_OBJECTS:
        assert columns(crm.name) >= {"id", *crm.properties, "updated_at", "archived"}, crm.name
        assert set(schema.get_table_columns(crm.name)) >= set(crm.properties)
    assert {name: count(name) for name in EMPTY} == dict.fromkeys(EMPTY, 0)
    assert count("contacts") == 2 and count("deals") == 1 and count("emails") == 1
    assert all_accounting_checks_pass() == []


def test_hubspot_staging_builds_without_companies_calls_teams_or_associations(home, tmp_path):
    run_dbt(home, "build", "--select", "staging.hubspot", dbt_vars=HUBSPOT_ONLY, work_dir=tmp_path)

    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        views = con.execute(
            "select view_name, schema_name from duckdb_views() "
            "where view_name like 'stg_hubspot__%'"
        ).fetchall()
        staged = {
            view: con.execute(f'select count(*) from "{schema}"."{view}"').fetchone()[0]
            for view, schema in views
        }
    assert staged["stg_hubspot__companies"] == 0
    assert staged["stg_hubspot__associations"] == 0
    assert staged["stg_hubspot__owner_teams"] == 0
    assert staged["stg_hubspot__engagements"] == 2  # one email, one task
    assert staged["stg_hubspot__deal_stage_history"] == 1


def test_an_unchanged_incremental_load_succeeds_and_loads_nothing_new(home):
    before = {name: count(name) for name in OBJECTS}

    load_info = run_source("hubspot")

    assert not load_info.has_failed_jobs
    loaded = build_pipeline("hubspot").last_trace.last_normalize_info.row_counts
    assert all(loaded.get(name, 0) == 0 for name in OBJECTS), loaded
    assert {name: count(name) for name in OBJECTS} == before
    assert all_accounting_checks_pass() == []


def test_the_first_company_and_call_load_incrementally(home, portal):
    portal.put(
        "companies",
        crm_record(
            "51", {"name": "Acme", "createdate": LATER, "hs_lastmodifieddate": LATER}, updated=LATER
        ),
    )
    portal.put("calls", engagement("61", "call", at=LATER))
    portal.put(
        "contacts",
        crm_record(
            "11",
            {
                "firstname": "Lead 11",
                "lifecyclestage": "salesqualifiedlead",
                "createdate": AT,
                "lastmodifieddate": LATER,
            },
            updated=LATER,
        ),
    )

    run_source("hubspot")

    assert query("select id, name from raw_hubspot.companies") == [("51", "Acme")]
    assert query("select id from raw_hubspot.calls") == [("61",)]
    assert query("select lifecyclestage from raw_hubspot.contacts where id = '11'") == [
        ("salesqualifiedlead",)
    ]
    assert count("meetings") == 0
    assert all_accounting_checks_pass() == []
