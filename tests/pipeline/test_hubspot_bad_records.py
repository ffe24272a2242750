"""Records that do not fit HubSpot's contract, and records read twice in one load, from a portal
written by hand in the shape of HubSpot's CRM API v3 (tests/hubspot_portal.py), tested the way
dlt's verified sources are: load, assert the load info and the schema, query the rows, run
again and assert that nothing new loaded, then change the portal and load incrementally.

Every bad record lands in raw_hubspot.quarantine with its reason and is counted in
load_accounting, and the blocking row-accounting check agrees; a record read twice keeps its
newest version and is counted as superseded."""

import duckdb
import pytest
from hubspot_portal import TOKEN, HubSpotPortal, crm_record, owner

from ingestion.pipelines import build_pipeline, run_source
from ingestion.warehouse import build_warehouse_path
from orchestration.defs.checks.row_accounting import latest_load_verdict

pytestmark = pytest.mark.integration

T1, T2, T3 = "2026-03-01T09:00:00.000Z", "2026-03-02T09:00:00.000Z", "2026-03-03T09:00:00.000Z"
LATEST = "2026-03-05T09:00:00.000Z"  # the newest good record: every bad one is older


def deal(object_id, amount="1000", modified=T1, **changes) -> dict:
    properties = {
        "dealname": f"Deal {object_id}",
        "amount": amount,
        "deal_currency_code": "USD",
        "dealstage": "closedwon",
        "pipeline": "default",
        "createdate": "2026-02-01T09:00:00.000Z",
        "closedate": modified,
        "hubspot_owner_id": "1",
        "hs_lastmodifieddate": modified,
    }
    properties.update(changes)
    record = crm_record(
        object_id,
        properties,
        updated=modified,
        created="2026-02-01T09:00:00.000Z",
        history={"dealstage": [("closedwon", modified), ("appointmentscheduled", T1)]},
    )
    return record


def portal_deals() -> list[dict]:
    without_properties = deal("305")
    del without_properties["properties"]
    without_id = deal("x")
    del without_id["id"]
    missing_closedate = deal("203", amount="250")
    del missing_closedate["properties"]["closedate"]
    return [
        deal("201", amount="1500.50", modified=LATEST),
        deal("202", amount=2500),  # a JSON number where HubSpot sends text
        missing_closedate,  # a record missing a field loads, the field empty
        deal(None, amount="700"),  # two different deals, both without an id
        deal(None, amount="900"),
        without_id,
        deal("304", amount={"value": 100, "currency": "EUR"}),
        without_properties,
        deal("306", closedate="next tuesday"),
        deal("208", amount="100", modified=T1),  # read twice: the older version first ...
        deal("208", amount="300", modified=T2),  # ... and the newer one later
        deal("209", amount="999", modified=T3),  # read twice: the newer version first ...
        deal("209", amount="111", modified=T2),  # ... and an older one later
    ]


GOOD = {"201", "202", "203", "208", "209"}
QUARANTINED = 6
SUPERSEDED = 2


@pytest.fixture(scope="module")
def portal():
    owners = [owner("1", "Ada", "Lovelace"), {**owner("2", "No", "Id"), "id": None}]
    with HubSpotPortal({"deals": portal_deals()}, owners=owners) as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory, portal):
    path = tmp_path_factory.mktemp("hubspot-bad-records") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(path))
        patch.setenv("SOURCES__HUBSPOT__BASE_URL", portal.base_url)
        patch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        yield path


def query(sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def accounting(entity: str) -> tuple[int, int, int, int]:
    (row,) = query(
        "select rows_read, rows_loaded, rows_quarantined, rows_superseded "
        "from raw_hubspot.load_accounting where entity = ? order by load_id desc limit 1",
        [entity],
    )
    return row


def verdict(entity: str) -> tuple[bool, str]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        passed, why, _, _ = latest_load_verdict(con, "raw_hubspot", entity)
    return passed, why


def rows_loaded() -> dict[str, int]:
    counts = build_pipeline("hubspot").last_trace.last_normalize_info.row_counts
    return {table: n for table, n in counts.items() if not table.startswith("_dlt")}


def test_the_first_load_quarantines_bad_records_and_keeps_the_newest_of_each_record(home):
    load_info = run_source("hubspot")

    assert not load_info.has_failed_jobs
    schema = build_pipeline("hubspot").default_schema
    deals = schema.get_table_columns("deals")
    assert deals["id"]["nullable"] is False and deals["amount"]["data_type"] == "text"
    assert deals["updated_at"]["dedup_sort"] == "desc"
    assert set(schema.get_table_columns("quarantine")) >= {"entity", "record_id", "reason"}

    amounts = dict(query("select id, amount from raw_hubspot.deals"))
    assert set(amounts) == GOOD  # no row with the id "None", nothing from a bad record
    assert amounts["202"] == "2500"
    assert amounts["208"] == "300" and amounts["209"] == "999"  # the newest versions
    assert query("select closedate from raw_hubspot.deals where id = '203'") == [(None,)]
    history = query(
        "select stage_id from raw_hubspot.deals__stage_history where deal_id = '208' "
        "order by changed_at"
    )
    assert history == [("appointmentscheduled",), ("closedwon",)]  # one version's history

    reasons = query(
        "select record_id, field, reason from raw_hubspot.quarantine where entity = 'deals' "
        "order by field, record_id"
    )
    assert [(rid, field) for rid, field, _ in reasons] == [
        ("304", "amount"),
        ("306", "closedate"),
        (None, "id"),
        (None, "id"),
        (None, "id"),
        ("305", "properties"),
    ]
    assert all(reason for _, _, reason in reasons)
    kept = query("select record from raw_hubspot.quarantine where record_id = '304'")[0][0]
    assert '"currency": "EUR"' in kept  # the record as read, nothing lost

    assert accounting("deals") == (len(portal_deals()), len(GOOD), QUARANTINED, SUPERSEDED)
    assert verdict("deals") == (True, "13 rows read = 5 loaded + 6 quarantined + 2 superseded")
    assert accounting("owners") == (2, 1, 1, 0)
    assert verdict("owners")[0]


def test_an_unchanged_rerun_loads_and_quarantines_nothing_new(home):
    before = query("select id, amount, _dlt_load_id from raw_hubspot.deals order by id")
    quarantined = query("select count(*) from raw_hubspot.quarantine where entity = 'deals'")

    run_source("hubspot")

    assert rows_loaded().get("deals", 0) == 0
    assert query("select id, amount, _dlt_load_id from raw_hubspot.deals order by id") == before
    after = query("select count(*) from raw_hubspot.quarantine where entity = 'deals'")
    assert after == quarantined
    assert accounting("deals") == (0, 0, 0, 0)
    assert verdict("deals")[0]


def test_an_incremental_load_checks_what_changed_and_loads_a_fixed_record(home, portal):
    later = "2026-03-10T09:00:00.000Z"
    portal.put("deals", deal("304", amount="100", modified=later))  # fixed in HubSpot
    portal.put("deals", deal("201", amount="1750", modified=later))
    portal.put("deals", deal("310", amount={"nested": True}, modified=later))
    portal.put("deals", deal(None, amount="5", modified="2026-03-09T09:00:00.000Z"))

    run_source("hubspot")

    amounts = dict(query("select id, amount from raw_hubspot.deals"))
    assert amounts["304"] == "100" and amounts["201"] == "1750"
    assert "310" not in amounts and "None" not in amounts
    latest_load = query("select max(load_id) from raw_hubspot.load_accounting")[0][0]
    fresh = query(
        "select record_id, field from raw_hubspot.quarantine "
        "where entity = 'deals' and load_id = ? order by field",
        [latest_load],
    )
    assert fresh == [("310", "amount"), (None, "id")]
    assert accounting("deals") == (4, 2, 2, 0)
    assert verdict("deals")[0]
