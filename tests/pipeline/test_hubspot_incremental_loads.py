"""The hubspot source the way dlt's verified sources are tested: load the demo company, check
every table against an independent walk of the API, advance the clock, reload incrementally,
and check merged updates, soft deletes, what the reload cost, and that an unchanged rerun
loads nothing new."""

import datetime as dt

import duckdb
import pytest
import requests

from ingestion.pipelines import build_pipeline, run_source
from ingestion.sources.hubspot.settings import CRM_OBJECTS
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

TOKEN = "incremental-test-token"
OBJECTS = [crm.name for crm in CRM_OBJECTS]


@pytest.fixture(scope="module")
def api():
    """A demo company of its own: these tests move its clock."""
    from simulator import generate_company
    from simulator.server import DemoApi

    company = generate_company(seed=11, scale="small", as_of=dt.date(2026, 3, 31))
    with DemoApi(company, token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory, api):
    """One warehouse for the module's sequence of loads."""
    path = tmp_path_factory.mktemp("hubspot-incremental") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(path))
        patch.setenv("SOURCES__HUBSPOT__BASE_URL", api.base_url)
        patch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
        yield path


def api_records(api, name: str, **extra: str) -> dict[str, dict]:
    """Every record of a type as the API lists it now (active and archived), by id."""
    found = {}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        for archived in ("false", "true"):
            params = {"limit": 100, "archived": archived, **extra}
            while True:
                body = http.get(f"{api.base_url}/crm/v3/objects/{name}", params=params).json()
                for record in body["results"]:
                    found[record["id"]] = record
                after = body.get("paging", {}).get("next", {}).get("after")
                if not after:
                    break
                params["after"] = after
    return found


def raw_rows(name: str) -> dict[str, tuple]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        rows = con.execute(f"select id, archived, updated_at from raw_hubspot.{name}").fetchall()
    return {row[0]: row[1:] for row in rows}


def rows_loaded(load_info) -> dict[str, int]:
    counts = build_pipeline("hubspot").last_trace.last_normalize_info.row_counts
    return {table: n for table, n in counts.items() if not table.startswith("_dlt")}


def test_first_load_has_every_record_of_every_object(home, api):
    run_source("hubspot")

    for name in OBJECTS:
        expected = api_records(api, name)
        loaded = raw_rows(name)
        assert set(loaded) == set(expected), name
        archived = {i for i, record in expected.items() if record.get("archived")}
        assert {i for i, (is_archived, _) in loaded.items() if is_archived} == archived, name
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        history = con.execute("select count(*) from raw_hubspot.deals__stage_history").fetchone()[0]
        links = con.execute("select count(*) from raw_hubspot.calls__associations").fetchone()[0]
    assert history > len(raw_rows("deals"))
    assert links > 0


def test_an_unchanged_rerun_loads_nothing_new(home, api):
    before = {name: raw_rows(name) for name in OBJECTS}

    run_source("hubspot")

    loaded = rows_loaded(None)
    assert all(loaded.get(name, 0) == 0 for name in OBJECTS), loaded
    assert {name: raw_rows(name) for name in OBJECTS} == before


def test_after_a_day_the_reload_merges_changes_and_soft_deletes_at_the_cost_of_the_changes(
    home, api
):
    before = {name: raw_rows(name) for name in OBJECTS}
    api.advance(1)
    requests_before = api.request_count

    run_source("hubspot")

    reload_requests = api.request_count - requests_before
    changed_total = 0
    for name in OBJECTS:
        expected = api_records(api, name)
        loaded = raw_rows(name)
        assert set(loaded) == set(expected), name
        archived_now = {i for i, record in expected.items() if record.get("archived")}
        assert {i for i, (is_archived, _) in loaded.items() if is_archived} == archived_now, name
        changed_total += sum(
            1 for i in loaded if i not in before[name] or loaded[i] != before[name][i]
        )
    assert changed_total > 0, "a day of the demo company changes something"
    # A full reload walks every page of every object; the incremental one asks for the changes.
    full_pages = sum(len(api_records(api, name)) for name in OBJECTS) / 100
    assert reload_requests < full_pages / 3, (reload_requests, full_pages)


def test_the_reload_keeps_which_company_is_a_deals_primary(home, api):
    """The incremental reload reads associations through the v4 batch endpoint: every type of
    every link is kept, so a deal's primary company (typeId 5) stays known beside its unlabeled
    links (341), as the v3 list shape (deal_to_company) says it."""
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        rows = con.execute(
            "select d.id, a.to_id, a.association_type_id, a.association_category "
            "from raw_hubspot.deals d join raw_hubspot.deals__associations a "
            "on a._dlt_parent_id = d._dlt_id "
            "where a.to_object_type = 'companies' and a.association_type_id is not null"
        ).fetchall()
    assert rows, "the reload wrote v4 association types"
    loaded: dict[tuple[str, str], set[int]] = {}
    for deal_id, company_id, type_id, category in rows:
        assert category == "HUBSPOT_DEFINED"
        loaded.setdefault((deal_id, company_id), set()).add(type_id)
    listed = api_records(api, "deals", associations="companies")
    for (deal_id, company_id), types in loaded.items():
        names = {
            link["type"]
            for link in listed[deal_id]["associations"]["companies"]["results"]
            if link["id"] == company_id
        }
        expected = {5, 341} if "deal_to_company" in names else {341}
        assert types == expected, (deal_id, company_id, names)
    assert any(types == {5, 341} for types in loaded.values())


HISTORIES = {
    "amount": "deals__amount_history",
    "closedate": "deals__closedate_history",
    "hubspot_owner_id": "deals__owner_history",
    "hs_forecast_category": "deals__forecast_category_history",
}


def test_the_reload_keeps_every_change_of_each_deal_property_with_history(home, api):
    """After the first load and an incremental reload, each deal's history of amount, close
    date, owner and forecast category in raw_hubspot is exactly what the API's
    propertiesWithHistory lists now: every value with when it was set, nothing duplicated."""
    listed = api_records(api, "deals", propertiesWithHistory=",".join(HISTORIES))
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        for prop, table in HISTORIES.items():
            loaded = con.execute(
                f"select deal_id, value, epoch_ms(changed_at) from raw_hubspot.{table}"
            ).fetchall()
            expected = [
                (
                    deal_id,
                    change["value"],
                    int(dt.datetime.fromisoformat(change["timestamp"]).timestamp() * 1000),
                )
                for deal_id, record in listed.items()
                for change in record["propertiesWithHistory"][prop]
            ]
            assert len(expected) > len(listed), prop  # deals change these, some many times
            assert sorted(loaded, key=str) == sorted(expected, key=str), prop
