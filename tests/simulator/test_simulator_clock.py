"""Advancing the clock: new records appear, existing ones change with modification times after
the old clock, and a search on the modification time finds exactly those."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
import requests

from simulator import Company, generate_company
from simulator.hubspot_objects import OBJECT_TYPES
from simulator.server import DemoApi
from simulator.timeutil import MS_PER_DAY, iso_ms

AS_OF = dt.date(2025, 6, 30)  # as in conftest
TOKEN = "clock-token"


ADVANCE_DAYS = 10


def test_company_at_and_advance(company: Company) -> None:
    assert company.advance(0).clock_ms == company.clock_ms
    later = company.advance(ADVANCE_DAYS)
    assert later.clock_ms == company.clock_ms + ADVANCE_DAYS * MS_PER_DAY
    assert later.world is company.world  # a view, not a copy
    assert company.at(later.clock).clock_ms == later.clock_ms
    assert company.at(AS_OF).clock_ms == company.clock_ms
    assert company.at(company.horizon_end_ms).clock_ms == company.horizon_end_ms
    with pytest.raises(ValueError, match="outside the generated timeline"):
        company.at(company.horizon_end_ms + 1)
    with pytest.raises(ValueError, match="outside the generated timeline"):
        company.at(company.world.window_start_ms - 1)
    with pytest.raises(ValueError, match="only moves forward"):
        company.advance(-1)
    assert len(later.deals) + len(later.archived_deals) > len(company.deals) + len(
        company.archived_deals
    )
    assert len(later.owners) >= len(company.owners)
    # the earlier view is untouched, and advancing is deterministic
    assert company.clock_ms == company.as_of_end_ms
    twin = generate_company(seed=7, scale="small", as_of=AS_OF).advance(ADVANCE_DAYS)
    pd.testing.assert_frame_equal(twin.deals, later.deals)


def test_a_later_clock_never_rewrites_the_past(company: Company) -> None:
    later = company.advance(60)
    old, new = company.deals.set_index("id"), later.deals.set_index("id")
    closed_before = old[old["closed_ms"] >= 0].index
    # closed deals stay closed with the same outcome, close time and amount
    both = closed_before.intersection(new.index)
    assert len(both) == len(closed_before)
    for column in ("stage_idx", "closed_ms", "amount_cents", "close_date_ms"):
        assert (old.loc[both, column] == new.loc[both, column]).all()
    assert (
        new.loc[old.index.intersection(new.index), "last_modified_ms"]
        >= old.loc[old.index.intersection(new.index), "last_modified_ms"]
    ).all()
    # so the bookings of months before the old clock do not move
    first_open_month = pd.Timestamp(company.clock_ms, unit="ms").to_period("M").start_time.date()
    truth_old = company.truth_rep_monthly()
    truth_new = later.truth_rep_monthly()
    past = lambda t: t[t["month_start"] < first_open_month].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(past(truth_old), past(truth_new))
    assert len(truth_new) > len(truth_old)


@pytest.fixture(scope="module")
def moving_api() -> Iterator[DemoApi]:
    """A server of its own, since these tests move its clock."""
    with DemoApi(generate_company(seed=7, scale="small", as_of=AS_OF), token=TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def session(moving_api: DemoApi) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {TOKEN}"
        yield s


def _snapshot(walker, session, api: DemoApi, object_type: str) -> dict[str, dict]:
    props = ",".join(OBJECT_TYPES[object_type].properties)  # type: ignore[attr-defined]
    path = f"/crm/v3/objects/{object_type}"
    pages = walker(session, api.base_url, path, {"limit": "100", "properties": props})
    return {r["id"]: r for page in pages for r in page.json()["results"]}


@pytest.fixture(scope="module")
def before_and_after(session, moving_api: DemoApi, page_walker):
    types = ("deals", "contacts", "companies", "meetings", "tasks", "calls")
    old_clock = moving_api.clock_ms
    before = {t: _snapshot(page_walker, session, moving_api, t) for t in types}
    archived_before = _snapshot_archived(page_walker, session, moving_api)
    moving_api.advance(ADVANCE_DAYS)
    after = {t: _snapshot(page_walker, session, moving_api, t) for t in types}
    archived_after = _snapshot_archived(page_walker, session, moving_api)
    return old_clock, before, after, archived_before, archived_after


def _snapshot_archived(walker, session, api) -> dict[str, dict]:
    pages = walker(
        session, api.base_url, "/crm/v3/objects/deals", {"limit": "100", "archived": "true"}
    )
    return {r["id"]: r for page in pages for r in page.json()["results"]}


@pytest.mark.parametrize(
    "object_type", ["deals", "contacts", "companies", "meetings", "tasks", "calls"]
)
def test_advance_reveals_new_and_changed_records_and_search_finds_exactly_them(
    session, moving_api: DemoApi, before_and_after, searcher, object_type: str
) -> None:
    old_clock, before, after, _, _ = before_and_after
    old, new = before[object_type], after[object_type]
    old_iso = iso_ms(old_clock)
    modified = OBJECT_TYPES[object_type].modified_prop  # type: ignore[attr-defined]
    created = OBJECT_TYPES[object_type].created_prop  # type: ignore[attr-defined]

    added = set(new) - set(old)
    assert added, "ten days bring new records"
    assert min(int(i) for i in added) > max(int(i) for i in old)  # ids grow with creation
    for record_id in added:
        assert new[record_id]["properties"][created] > old_iso
    changed = {i for i in set(old) & set(new) if old[i] != new[i]}
    for record_id in set(old) & set(new):
        if record_id in changed:
            assert new[record_id]["updatedAt"] > old_iso >= old[record_id]["updatedAt"]
        else:
            assert new[record_id]["updatedAt"] <= old_iso
    if object_type in ("deals", "contacts", "companies", "meetings", "tasks"):
        assert changed, f"existing {object_type} change over ten days"

    body = {
        "filterGroups": [
            {"filters": [{"propertyName": modified, "operator": "GT", "value": str(old_clock)}]}
        ],
        "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
        "limit": 200,
    }
    found = searcher(session, moving_api.base_url, object_type, body)
    assert {r["id"] for r in found} == added | changed
    assert all(r["updatedAt"] > old_iso for r in found)


def test_deletions_and_merges_show_only_after_they_happen(before_and_after) -> None:
    old_clock, before, after, archived_before, archived_after = before_and_after
    old_iso = iso_ms(old_clock)
    newly_archived = set(archived_after) - set(archived_before)
    assert newly_archived
    for deal_id in newly_archived:
        record = archived_after[deal_id]
        assert record["archivedAt"] > old_iso and record["archived"] is True
        assert deal_id not in after["deals"]
        if record["createdAt"] <= old_iso:  # it existed and was live at the old clock
            assert deal_id in before["deals"]
    merged_now = {
        i
        for i, r in after["deals"].items()
        if r["properties"]["hs_merged_object_ids"]
        != (before["deals"].get(i) or {"properties": {}})["properties"].get("hs_merged_object_ids")
    }
    assert merged_now
    for deal_id in merged_now:
        ids = after["deals"][deal_id]["properties"]["hs_merged_object_ids"].split(";")
        assert set(ids) <= set(archived_after)


def test_slips_revisions_and_stage_moves_are_changes(before_and_after) -> None:
    _, before, after, _, _ = before_and_after
    old, new = before["deals"], after["deals"]
    both = set(old) & set(new)

    def differs(prop: str) -> set[str]:
        return {i for i in both if old[i]["properties"][prop] != new[i]["properties"][prop]}

    slipped = {
        i
        for i in differs("closedate")
        if new[i]["properties"]["dealstage"] == old[i]["properties"]["dealstage"]
    }
    assert slipped and all(
        new[i]["properties"]["closedate"] > old[i]["properties"]["closedate"] for i in slipped
    )
    assert differs("dealstage") and differs("amount")
    moved_contacts = {
        i
        for i in set(before["contacts"]) & set(after["contacts"])
        if before["contacts"][i]["properties"]["hs_lead_status"]
        != after["contacts"][i]["properties"]["hs_lead_status"]
    }
    assert moved_contacts
    outcomes = {
        (
            before["meetings"][i]["properties"]["hs_meeting_outcome"],
            r["properties"]["hs_meeting_outcome"],
        )
        for i, r in after["meetings"].items()
        if i in before["meetings"]
    }
    assert ("SCHEDULED", "COMPLETED") in outcomes


def test_surveys_follow_the_clock(session, moving_api: DemoApi, before_and_after) -> None:
    url = f"{moving_api.base_url}/forms/SPpulse1/responses"
    old_clock = before_and_after[0]
    newest = session.get(url, params={"page_size": "1"}).json()["items"][0]
    since = session.get(url, params={"since": str(old_clock // 1000 + 1), "page_size": "1000"})
    assert newest["submitted_at"] > iso_ms(old_clock)[:19]
    assert since.json()["total_items"] > 0


def test_the_clock_can_be_moved_over_http(session, moving_api: DemoApi, before_and_after) -> None:
    base = moving_api.base_url
    before = session.get(f"{base}/_simulator/clock").json()
    assert before["clock_ms"] == moving_api.clock_ms and before["as_of"] == AS_OF.isoformat()
    moved = session.post(f"{base}/_simulator/advance", params={"days": "0.5"}).json()
    assert moved["clock_ms"] == before["clock_ms"] + MS_PER_DAY // 2 == moving_api.clock_ms
    assert session.post(f"{base}/_simulator/advance", params={"days": "-1"}).status_code == 400
    assert session.post(f"{base}/_simulator/advance", params={"days": "9999"}).status_code == 400
    assert requests.post(f"{base}/_simulator/advance", timeout=5).status_code == 401
    assert moving_api.clock_ms == moved["clock_ms"]


def test_demo_api_set_clock_only_moves_forward(company: Company) -> None:
    api = DemoApi(company)
    later = api.set_clock(company.clock_ms + 5)
    assert api.clock_ms == later.clock_ms
    with pytest.raises(ValueError):
        api.set_clock(company.clock_ms)
    assert api.company is later
