"""The incremental models (and every mart built on them) equal a full refresh after several
simulated days of incremental loads.

The tiny demo company's export is loaded through the files source and built; then, day after day,
the company moves on one day and only what changed is loaded (as a CRM's incremental feed delivers
it), with the hard cases of an incremental build slipped into the feed: a late-arriving stage change
and amount change, a new deal without field history (its history is the deal snapshot's versions)
that changes the next day, a call logged late that is an old lead's first response, a deal and a
lead that move owner, a deal that becomes a record exception and is fixed the next day, a row
quarantined and fixed the next day, an FX rate corrected (which changes deals that were not
reloaded), a deleted deal, and a rep who moves team. After each day the project is built
incrementally as of that day. Then a `--full-refresh` of the same day must give every table of the
intermediate layer and the core and sales marts row for row, but for the lineage columns that say
when a row was computed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from marts_helpers import (
    INCREMENTAL_BUILD,
    MAPPINGS,
    assert_equal_marts,
    export_simulator,
    full_refresh_marts,
    incremental_marts,
    last_rebuild,
    load_files,
    read,
    run_dbt,
)

from simulator.exports import write_delta

pytestmark = pytest.mark.integration

MAPPING = MAPPINGS / "salespulse_export.yml"
SEED, SCALE, AS_OF, DAYS = 7, "tiny", dt.date(2026, 6, 30), 3


def _day(days: int) -> str:
    return (AS_OF + dt.timedelta(days=days)).isoformat()


def _vars(days: int) -> dict:
    return {"enabled_sources": ["files"], "as_of_date": _day(days)}


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _upsert(delta: Path, table: str, key: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Put `rows` into the delta's table, in place of the delta's rows with the same key."""
    path = delta / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        fields, existing = reader.fieldnames, list(reader)
    keys = {tuple(row[name] for name in key) for row in rows}
    kept = [row for row in existing if tuple(row[name] for name in key) not in keys]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept + rows)


def _open_deals(export_dir: Path) -> list[dict[str, str]]:
    """Open live deals created a month or more before the as-of date, in id order."""
    deals = _rows(export_dir, "deals")
    return sorted(
        (
            deal
            for deal in deals
            if deal["status"] == "open"
            and deal["is_deleted"] == "false"
            and deal["created_at"] < (AS_OF - dt.timedelta(days=30)).isoformat()
        ),
        key=lambda deal: deal["deal_id"],
    )


def _edit_day(days: int, export_dir: Path, delta: Path, cases: dict[str, dict]) -> None:
    """Slip the hard cases of day `days` into its delta (the export of that day beside it)."""
    deals = {deal["deal_id"]: deal for deal in _rows(export_dir, "deals")}
    stamp = f"{_day(days)}T09:00:00.000Z"
    if days == 1:
        # Deals with two stage entries or more, the last one three days old or more.
        entries = {}
        for row in _rows(export_dir, "deal_stage_history"):
            entries.setdefault(row["deal_id"], []).append(row["entered_at"])
        settled = {
            deal_id
            for deal_id, entered in entries.items()
            if len(entered) >= 2 and max(entered) < (AS_OF - dt.timedelta(days=3)).isoformat()
        }
        usd = [
            deal
            for deal in _open_deals(export_dir)
            if deal["currency"] == "USD" and deal["deal_id"] in settled
        ]
        foreign = [deal for deal in _open_deals(export_dir) if deal["currency"] != "USD"]
        late, moved, negative, quarantined = (deal.copy() for deal in usd[:4])
        reps = sorted(
            {row["rep_id"] for row in _rows(export_dir, "reps") if row["role"] == "rep"}
            - {moved["owner_id"]}
        )
        # A stage change that arrives only now (the deal itself not reloaded), between the
        # deal's last two stage entries: its current stage stays the one the deal has.
        history = sorted(
            (row["entered_at"], row["stage_id"])
            for row in _rows(export_dir, "deal_stage_history")
            if row["deal_id"] == late["deal_id"]
        )
        (earlier, earlier_stage), (later, later_stage) = history[-2:]
        earlier, later = dt.datetime.fromisoformat(earlier), dt.datetime.fromisoformat(later)
        late_entered = (earlier + (later - earlier) / 2).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        stage = next(
            stage
            for stage in ("presentationscheduled", "decisionmakerboughtin", "contractsent")
            if stage not in (earlier_stage, later_stage)
        )
        _upsert(
            delta,
            "deal_stage_history",
            ("deal_id", "stage_id", "entered_at"),
            [
                {
                    "deal_id": late["deal_id"],
                    "stage_id": stage,
                    "entered_at": late_entered,
                    "exited_at": "",
                }
            ],
        )
        # A change of the same deal's amount that arrives only now too, at the same time (its
        # field history rows are loaded no earlier than its deal, which is not reloaded).
        _upsert(
            delta,
            "deal_property_history",
            ("deal_id", "property", "changed_at"),
            [
                {
                    "deal_id": late["deal_id"],
                    "property": "amount",
                    "value": "12345.67",
                    "changed_at": late_entered,
                }
            ],
        )
        # A deal new today without field history: its history is the versions successive
        # loads find (the deal snapshot); its amount changes tomorrow.
        unrecorded = usd[4] | {
            "deal_id": "9999999999",
            "created_at": stamp,
            "last_modified_at": stamp,
        }
        _upsert(delta, "deals", ("deal_id",), [unrecorded])
        # A deal handed to another rep today.
        moved |= {"owner_id": reps[0], "last_modified_at": stamp}
        _upsert(delta, "deals", ("deal_id",), [moved])
        _upsert(
            delta,
            "deal_property_history",
            ("deal_id", "property", "changed_at"),
            [
                {
                    "deal_id": moved["deal_id"],
                    "property": "owner_id",
                    "value": reps[0],
                    "changed_at": stamp,
                }
            ],
        )
        # A record exception (a negative amount), fixed tomorrow.
        _upsert(
            delta,
            "deals",
            ("deal_id",),
            [negative | {"amount": "-100.00", "last_modified_at": stamp}],
        )
        # A row the files source quarantines (a creation time that is no time), fixed tomorrow.
        _upsert(delta, "deals", ("deal_id",), [quarantined | {"created_at": "not a time"}])
        # A call logged late: an old lead's first response, a minute after the lead came in,
        # arrives only now (the lead itself not reloaded).
        activities = _rows(export_dir, "activities")
        contacts = {row["contact_id"]: row for row in _rows(export_dir, "contacts")}
        answered = sorted(
            {
                row["contact_id"]
                for row in activities
                if row["type"] in ("call", "email")
                and row["direction"] == "outbound"
                and row["contact_id"] in contacts
                and row["occurred_at"] > contacts[row["contact_id"]]["created_at"]
            }
        )
        old_lead = next(
            contacts[contact_id]
            for contact_id in answered
            if contacts[contact_id]["created_at"] < (AS_OF - dt.timedelta(days=180)).isoformat()
            and contacts[contact_id]["owner_id"]
        )
        called = dt.datetime.fromisoformat(old_lead["created_at"]) + dt.timedelta(minutes=1)
        called_at = called.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        late_call = activities[0] | {
            "activity_id": "49999999999",
            "type": "call",
            "direction": "outbound",
            "occurred_at": called_at,
            "created_at": stamp,
            "meeting_source": "",
            "last_modified_at": stamp,
            "owner_id": old_lead["owner_id"],
            "contact_id": old_lead["contact_id"],
            "deal_id": "",
            "company_id": old_lead["company_id"],
        }
        _upsert(delta, "activities", ("activity_id",), [late_call])
        # A lead that moves owner.
        lead = next(
            row
            for row in sorted(_rows(export_dir, "contacts"), key=lambda row: row["contact_id"])
            if row["contact_id"] != old_lead["contact_id"]
        )
        new_owner = next(rep for rep in reps if rep != lead["owner_id"])
        _upsert(
            delta,
            "contacts",
            ("contact_id",),
            [lead | {"owner_id": new_owner, "last_modified_at": stamp}],
        )
        # An FX rate corrected: the deals converted at it change, though none was reloaded.
        rate_day = foreign[0]["created_at"][:10]
        rate = next(
            row
            for row in _rows(export_dir, "fx_rates")
            if row["currency"] == foreign[0]["currency"] and row["rate_date"] == rate_day
        )
        corrected = f"{float(rate['rate_to_reporting']) * 1.1:.6f}"
        _upsert(
            delta, "fx_rates", ("currency", "rate_date"), [rate | {"rate_to_reporting": corrected}]
        )
        cases |= {
            "late": {"deal_id": late["deal_id"], "stage_id": stage, "entered": late_entered},
            "moved": {"deal_id": moved["deal_id"], "owner": reps[0]},
            "negative": {"deal_id": negative["deal_id"]},
            "quarantined": {"deal_id": quarantined["deal_id"]},
            "fx": {"deal_id": foreign[0]["deal_id"]},
            "late_call": {"lead_id": old_lead["contact_id"], "at": called_at},
            "unrecorded": unrecorded,
        }
    elif days == 2:
        # Yesterday's record exception and quarantined row come back fixed, as the CRM has them.
        fixed = [deals[cases[case]["deal_id"]] for case in ("negative", "quarantined")]
        _upsert(delta, "deals", ("deal_id",), fixed)
        # A deal deleted in the CRM.
        taken = {case["deal_id"] for case in cases.values() if "deal_id" in case}
        deleted = next(deal for deal in _open_deals(export_dir) if deal["deal_id"] not in taken)
        _upsert(
            delta,
            "deals",
            ("deal_id",),
            [deleted | {"is_deleted": "true", "deleted_at": stamp, "last_modified_at": stamp}],
        )
        cases["deleted"] = {"deal_id": deleted["deal_id"]}
        # A rep with open deals moves to another team.
        owners = {deal["owner_id"] for deal in _open_deals(export_dir)}
        rep = next(
            row
            for row in sorted(_rows(export_dir, "reps"), key=lambda r: r["rep_id"])
            if row["rep_id"] in owners
        )
        team = next(
            row["team_id"] for row in _rows(export_dir, "teams") if row["team_id"] != rep["team_id"]
        )
        _upsert(delta, "reps", ("rep_id",), [rep | {"team_id": team, "updated_at": stamp}])
        cases["team"] = {"rep_id": f"files:{rep['rep_id']}", "team_id": f"files:{team}"}
        # Yesterday's new deal without field history changes its amount: a second version.
        unrecorded = cases["unrecorded"] | {"amount": "4321.00", "last_modified_at": stamp}
        _upsert(delta, "deals", ("deal_id",), [unrecorded])
    # The last day brings only the company's own changes.


@pytest.fixture(scope="module")
def days_later(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """The warehouse after the first load and DAYS incremental ones, each built incrementally;
    the marts then, and the hard cases slipped in with what they became day by day."""
    work = tmp_path_factory.mktemp("incremental")
    home = work / "warehouse"
    exports = [
        export_simulator(
            work / f"export_{days}", SEED, SCALE, AS_OF.isoformat(), "--advance-days", str(days)
        )
        for days in range(DAYS + 1)
    ]
    load_files(home, MAPPING, base_dir=exports[0])
    run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(0), work_dir=work)
    cases: dict[str, dict] = {}
    seen: dict[int, pd.DataFrame] = {}
    rebuilt: dict[int, pd.Series] = {}
    for days in range(1, DAYS + 1):
        delta = work / f"delta_{days}"
        changed = write_delta(exports[days - 1], exports[days], delta)
        assert 0 < changed["deals"] < 200 and 0 < changed["activities"] < 2_000, changed
        _edit_day(days, exports[days], delta, cases)
        load_files(home, MAPPING, base_dir=delta, export="incremental")
        run_dbt(home, *INCREMENTAL_BUILD, dbt_vars=_vars(days), work_dir=work)
        rebuilt[days] = last_rebuild(home)
        seen[days] = read(
            home,
            "select deal_id, amount, is_deleted, owner_rep_id, stage_id, valid_from_date "
            "from core.fct_deal_versions",
        )
    state = {"cases": cases, "seen": seen, "rebuilt": rebuilt, "work": work}
    return home, incremental_marts(home), state


def test_a_day_of_changes_rebuilds_only_the_deals_and_days_that_changed(days_later) -> None:
    """The last day brings only the company's own changes (deals created, moved on, closed):
    its run rewrites the versions of those deals only, and the pipeline snapshot of the days
    from the first one whose state changed (a foreign-currency deal that closes changes every
    day since its creation: it is converted at its close date's rate now), not every day."""
    _, _, state = days_later
    last = state["rebuilt"][DAYS]
    assert 0 < last["deals"] < last["all_deals"] / 10, last
    assert 0 < last["days"] < last["all_days"] / 10, last


def test_the_hard_cases_reached_the_incremental_models(days_later) -> None:
    """Each case did what it should in the incremental build: otherwise the equality below
    proves less than it says."""
    home, _, state = days_later
    cases, seen = state["cases"], state["seen"]

    def versions(days: int, case: str) -> pd.DataFrame:
        frame = seen[days]
        return frame[frame["deal_id"] == "files:" + cases[case]["deal_id"]]

    assert versions(1, "negative").empty, "a record exception has no versions"
    assert not versions(2, "negative").empty, "fixed the next day, it has them again"
    assert not versions(1, "quarantined").empty, "a quarantined row: the last good version stays"
    quarantine = read(home, "select value from raw_files.quarantine")
    assert (quarantine["value"] == "not a time").any()
    late = versions(1, "late")
    late_day = cases["late"]["entered"][:10]
    assert (late["valid_from_date"].astype(str).str[:10] == late_day).any(), "the late stage change"
    assert (late["amount"] == 12345.67).any(), "the late amount change"
    unrecorded = read(
        home,
        "select amount from intermediate.int_deal_property_history_unioned "
        "where deal_id = 'files:9999999999' and property = 'amount' order by changed_at",
    )
    assert len(unrecorded) == 2, unrecorded
    assert unrecorded["amount"].iloc[-1] == 4321, "the snapshot's second version"
    assert (versions(1, "moved")["owner_rep_id"] == "files:" + cases["moved"]["owner"]).any()
    lead = read(
        home,
        "select first_response_activity_id from core.fct_leads "
        f"where lead_id = 'files:{cases['late_call']['lead_id']}'",
    )
    assert list(lead["first_response_activity_id"]) == ["files:49999999999"], "the late call"
    assert (
        versions(2, "deleted")["is_deleted"].all()
        and not versions(1, "deleted")["is_deleted"].any()
    )


def test_incremental_models_and_their_marts_equal_a_full_refresh(days_later) -> None:
    home, incremental, state = days_later
    team = state["cases"]["team"]
    snapshot = incremental["sales.pipeline_snapshot_daily"]
    assert (snapshot.loc[snapshot["rep_id"] == team["rep_id"], "team_id"] == team["team_id"]).all()
    assert_equal_marts(incremental, full_refresh_marts(home, state["work"], _vars(DAYS)))
