"""A record read again replaces its child rows: property history and associations, written as
Arrow tables beside the record's row (ingestion/sources/hubspot/record_tables.py), from a portal
written by hand in the shape of HubSpot's CRM API v3 (tests/hubspot_portal.py).

A full load, then the portal changes: a deal moves stage (its stage history grows, its amount
is revised), a call's associations change (a contact replaced, a deal added), another call is
deleted (archived), a deal nothing happened to stays as it was. After the incremental load, the
child rows staging reads (each record's current rows: `_dlt_root_id` = its row's `_dlt_id`)
are exactly what the portal's records say, computed here from the records themselves; the
changed records' old rows are gone from the raw tables, not only out of staging's sight."""

import datetime as dt
import logging

import duckdb
import pytest
from dbt_runs import run_dbt
from hubspot_portal import TOKEN, HubSpotPortal, crm_record

from ingestion.pipelines import run_source
from ingestion.sources.hubspot.records import HISTORY_CHILD
from ingestion.warehouse import build_warehouse_path

HUBSPOT_ONLY = {"enabled_sources": ["hubspot"]}

pytestmark = pytest.mark.integration

T0, T1, T2 = "2026-05-01T09:00:00.000Z", "2026-05-02T09:00:00.000Z", "2026-05-03T09:00:00.000Z"
LATER = "2026-05-10T09:00:00.000Z"
ENGAGEMENT_LINKS = ("contacts", "companies", "deals")


def deal(object_id: str, stages: list[tuple[str, str]], amounts: list[tuple[str, str]]) -> dict:
    """A deal whose stage and amount histories are [(value, timestamp)], newest first."""
    modified = max(at for _, at in stages + amounts)
    properties = {
        "dealname": f"Deal {object_id}",
        "amount": amounts[0][0],
        "deal_currency_code": "USD",
        "dealstage": stages[0][0],
        "pipeline": "default",
        "createdate": T0,
        "closedate": LATER,
        "hubspot_owner_id": "1",
        "hs_lastmodifieddate": modified,
    }
    history = {"dealstage": stages, "amount": amounts, "hubspot_owner_id": [("1", T0)]}
    return crm_record(object_id, properties, updated=modified, created=T0, history=history)


def call(object_id: str, modified: str, links: dict[str, list[str]], archived_at=None) -> dict:
    properties = {
        "hs_timestamp": T0,
        "hubspot_owner_id": "1",
        "hs_createdate": T0,
        "hs_lastmodifieddate": modified,
        "hs_call_direction": "OUTBOUND",
    }
    return crm_record(
        object_id, properties, updated=modified, archived_at=archived_at, associations=links
    )


FIRST_DEALS = [
    deal("501", [("appointmentscheduled", T0)], [("1000", T0)]),
    deal("502", [("qualifiedtobuy", T1), ("appointmentscheduled", T0)], [("2000", T0)]),
]
FIRST_CALLS = [
    call("601", T0, {"contacts": ["701", "702"], "companies": ["801"], "deals": ["501"]}),
    call("602", T0, {"contacts": ["703"], "deals": ["502"]}),
    call("603", T0, {"contacts": ["704"]}),
]
# What changes before the incremental load.
DEAL_MOVED = deal(
    "501",
    [("qualifiedtobuy", T2), ("appointmentscheduled", T0)],
    [("1200", T2), ("1000", T0)],
)
CALL_RELINKED = call(
    "601", T2, {"contacts": ["702", "705"], "companies": ["801"], "deals": ["502"]}
)
CALL_DELETED = call("603", T2, {}, archived_at=T2)


@pytest.fixture(scope="module")
def portal():
    with HubSpotPortal({"deals": FIRST_DEALS, "calls": FIRST_CALLS}) as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory, portal):
    path = tmp_path_factory.mktemp("hubspot-child-rows") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(path))
        patch.setenv("SOURCES__HUBSPOT__BASE_URL", portal.base_url)
        patch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        yield path


def query(sql: str) -> list[tuple]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(sql).fetchall()


def current_history(table: str, value_column: str) -> list[tuple]:
    """The history rows staging reads: those of each deal's current row."""
    return sorted(
        query(
            f"select h.deal_id, h.{value_column}, epoch_ms(h.changed_at)"
            f" from raw_hubspot.{table} h join raw_hubspot.deals d on h._dlt_root_id = d._dlt_id"
        )
    )


def current_links() -> list[tuple]:
    return sorted(
        query(
            "select a.from_id, a.to_object_type, a.to_id from raw_hubspot.calls__associations a "
            "join raw_hubspot.calls c on a._dlt_root_id = c._dlt_id"
        )
    )


def expected_history(deals: list[dict], prop: str) -> list[tuple]:
    """Every change the portal's deals list for a property, with when it was made (epoch ms)."""
    return sorted(
        (record["id"], change["value"], epoch_ms(change["timestamp"]))
        for record in deals
        for change in record["propertiesWithHistory"][prop]
    )


def epoch_ms(text: str) -> int:
    return round(dt.datetime.fromisoformat(text).timestamp() * 1000)


def expected_links(calls: list[dict]) -> list[tuple]:
    """Every link of the portal's active calls (an archived record's links are not read)."""
    return sorted(
        (record["id"], to_type, link["id"])
        for record in calls
        if not record["archived"]
        for to_type, block in record["associations"].items()
        for link in block["results"]
    )


def assert_child_rows_match(deals: list[dict], calls: list[dict]) -> None:
    for prop in ("dealstage", "amount", "hubspot_owner_id"):
        child, _, value_column = HISTORY_CHILD[prop]
        loaded = current_history(f"deals__{child}", value_column)
        assert loaded == expected_history(deals, prop), prop
    assert current_links() == expected_links(calls)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_source_collecting_dlt_warnings(name: str) -> list[str]:
    """dlt's logger does not propagate to the root logger (pytest's caplog): listen on it."""
    handler, dlt_logger = _Warnings(), logging.getLogger("dlt")
    dlt_logger.addHandler(handler)
    try:
        run_source(name)
    finally:
        dlt_logger.removeHandler(handler)
    return handler.messages


def test_the_first_load_writes_each_records_child_rows(home):
    # dlt warned on every load that each child table had a parent_key without a parent table,
    # eleven lines on the console of the README's first command.
    assert not [m for m in run_source_collecting_dlt_warnings("hubspot") if "parent_key" in m]

    assert_child_rows_match(FIRST_DEALS, FIRST_CALLS)
    # Nothing but current rows yet: every child row belongs to its record's row.
    orphans = query(
        "select count(*) from raw_hubspot.deals__stage_history h "
        "where h._dlt_root_id not in (select _dlt_id from raw_hubspot.deals)"
    )
    assert orphans == [(0,)]


def test_a_record_read_again_replaces_its_child_rows(home, portal):
    untouched_before = query(
        "select _dlt_id, stage_id from raw_hubspot.deals__stage_history where deal_id = '502'"
    )
    portal.put("deals", DEAL_MOVED)
    for record in (CALL_RELINKED, CALL_DELETED):
        portal.put("calls", record)

    run_source("hubspot")

    deals = [DEAL_MOVED, FIRST_DEALS[1]]
    calls = [CALL_RELINKED, FIRST_CALLS[1], CALL_DELETED]
    assert_child_rows_match(deals, calls)
    # The moved deal's old rows are replaced in the raw table (merged on deal_id), not only
    # out of staging's sight; the deal nothing happened to keeps its rows as they were.
    assert sorted(
        query("select stage_id from raw_hubspot.deals__stage_history where deal_id = '501'")
    ) == [
        ("appointmentscheduled",),
        ("qualifiedtobuy",),
    ]
    assert sorted(
        query("select to_id from raw_hubspot.calls__associations where from_id = '601'")
    ) == [
        ("502",),
        ("702",),
        ("705",),
        ("801",),
    ]
    assert (
        query(
            "select _dlt_id, stage_id from raw_hubspot.deals__stage_history where deal_id = '502'"
        )
        == untouched_before
    )
    assert query("select archived from raw_hubspot.calls where id = '603'") == [(True,)]


def test_staging_reads_the_current_child_rows(home, tmp_path):
    """dbt's staging of associations and stage history, built on the reloaded warehouse."""
    selected = "stg_hubspot__associations stg_hubspot__deal_stage_history"
    run_dbt(home, "run", "--select", *selected.split(), dbt_vars=HUBSPOT_ONLY, work_dir=tmp_path)
    (schema,) = query(
        "select schema_name from duckdb_views() where view_name = 'stg_hubspot__associations'"
    )[0]

    staged_links = sorted(
        query(
            f"select from_id, to_object_type, to_id from {schema}.stg_hubspot__associations "
            "where from_object_type = 'calls'"
        )
    )
    assert staged_links == expected_links([CALL_RELINKED, FIRST_CALLS[1], CALL_DELETED])
    staged_stages = sorted(
        query(
            f"select deal_id, stage_id, epoch_ms(entered_at) "
            f"from {schema}.stg_hubspot__deal_stage_history"
        )
    )
    assert staged_stages == expected_history([DEAL_MOVED, FIRST_DEALS[1]], "dealstage")
