"""A full export's rows that did not change keep the load that last changed them.

A row of a full export whose content equals the warehouse's row of the same key is not written
again: the table keeps that row and its `_dlt_load_id`, so dbt staging's `loaded_at` (and the
incremental models reading it) see only what changed; new and changed rows are written with the
new load id; records the export no longer holds are still soft-deleted. Lineage
(`_source_file`, `_source_row_number`) is not content: an unchanged row keeps the file and line
it was last written from.

Checked on the demo company's export (tiny) and the same company one simulated day later, the
changed rows computed independently with pandas from the two exports' files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from files_helpers import DATASET, load, query, scalar

from ingestion import PROJECT_ROOT
from ingestion.sources.files import load_mapping

DEMO_EXPORT = PROJECT_ROOT / "ingestion" / "mappings" / "salespulse_export.yml"
MAPPING = load_mapping(DEMO_EXPORT)
KEYED = [entity for entity in MAPPING.entities.values() if entity.primary_key]


def _simulator_export(out: Path, advance_days: int) -> Path:
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", "7", "--scale", "tiny", "--as-of", "2026-06-30", "--format", "csv"]
    command += ["--advance-days", str(advance_days)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def today(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _simulator_export(tmp_path_factory.mktemp("today"), 0)


@pytest.fixture(scope="module")
def tomorrow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _simulator_export(tmp_path_factory.mktemp("tomorrow"), 1)


def _csv(folder: Path, file: str) -> pd.DataFrame:
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, file: str) -> None:
    # Every value quoted, as the simulator writes them; empty stays empty (NULL).
    frame.to_csv(folder / file, index=False, quoting=1)


def _rows_of_load(entity: str, load_id: str) -> set[int]:
    """The file rows (`_source_row_number`) of live records whose load id is `load_id`."""
    rows = query(
        f"select _source_row_number from {DATASET}.{entity} "
        "where _dlt_load_id = ? and _deleted_at is null",
        load_id,
    )
    return {row for (row,) in rows}


def _accounting(load_id: str) -> dict[str, tuple[int, int, int, int]]:
    rows = query(
        f"select entity, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), "
        f"sum(rows_unchanged) from {DATASET}.load_accounting where load_id = ? group by entity",
        load_id,
    )
    return {entity: tuple(int(count) for count in counts) for entity, *counts in rows}


def _assert_accounting_holds(load_id: str) -> dict[str, tuple[int, int, int, int]]:
    """rows read = loaded + quarantined; the table's rows with the load's id = loaded less
    unchanged (the check the nightly job blocks on)."""
    accounting = _accounting(load_id)
    for entity, (read, loaded, quarantined, unchanged) in accounting.items():
        assert read == loaded + quarantined, entity
        landed = scalar(f"select count(*) from {DATASET}.{entity} where _dlt_load_id = ?", load_id)
        assert landed == loaded - unchanged, entity
    return accounting


def test_a_second_load_of_the_same_export_keeps_every_load_id(
    warehouse_home: Path, today: Path
) -> None:
    first = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    again = load(DEMO_EXPORT, base_dir=str(today))
    second = again.loads_ids[0]

    written = _rows_written(again)
    for entity in KEYED:
        assert written.get(entity.entity, 0) == 0, "nothing changed: nothing written again"
    for entity in KEYED:
        load_ids = query(f"select distinct _dlt_load_id from {DATASET}.{entity.entity}")
        assert load_ids == [(first,)], entity.entity
    accounting = _assert_accounting_holds(second)
    for entity in KEYED:
        _, loaded, _, unchanged = accounting[entity.entity]
        assert loaded > 0 and unchanged == loaded, entity.entity
    # Keyless entities (a quota plan) are replaced whole: nothing to compare by key.
    assert query(f"select distinct _dlt_load_id from {DATASET}.quotas") == [(second,)]
    assert accounting["quotas"][3] == 0


def _rows_written(info) -> dict[str, int]:
    """The rows a load wrote, by table (dlt's normalize counts)."""
    return info.pipeline.last_trace.last_normalize_info.row_counts


def _changed_rows(before: Path, after: Path, entity) -> set[int]:
    """The rows (from 1) of `after`'s file whose record is new or whose columns the mapping
    reads differ from `before`'s row of the same key: computed from the files alone."""
    columns = sorted(set(entity.columns))
    source_of = {spec.name: spec.source for spec in entity.fields}
    key = [source_of[name] for name in entity.primary_key]
    old = _csv(before, entity.file)[columns].drop_duplicates(subset=key)
    new = _csv(after, entity.file)[columns].reset_index(names="row")
    merged = new.merge(old, on=key, how="left", suffixes=("", "_before"), indicator=True)
    changed = merged["_merge"] == "left_only"
    for column in set(columns) - set(key):
        changed |= merged[column] != merged[f"{column}_before"]
    return set((merged.loc[changed, "row"] + 1).tolist())


def test_a_day_later_only_the_rows_that_changed_get_the_new_load_id(
    warehouse_home: Path, today: Path, tomorrow: Path
) -> None:
    first = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    next_day = load(DEMO_EXPORT, base_dir=str(tomorrow))
    second = next_day.loads_ids[0]

    quarantined = query(
        f"select entity, row_number from {DATASET}.quarantine where load_id = ?", second
    )
    changed = {}
    for entity in KEYED:
        expected = _changed_rows(today, tomorrow, entity)
        expected -= {row for name, row in quarantined if name == entity.entity}
        assert _rows_of_load(entity.entity, second) == expected, entity.entity
        changed[entity.entity] = len(expected)
    accounting = _assert_accounting_holds(second)
    written = _rows_written(next_day)
    for name, count in changed.items():
        _, loaded, _, unchanged = accounting[name]
        assert loaded - unchanged == count, name
        # Written: the changed rows, and the records the export no longer holds (soft-deleted).
        deleted = scalar(
            f"select count(*) from {DATASET}.{name} where _deleted_at = "
            f"(select max(loaded_at) from {DATASET}.load_accounting where load_id = ?)",
            second,
        )
        assert written.get(name, 0) == count + deleted, name
    # The company moved on a day: some deals and activities changed, most did not.
    for name in ("deals", "activities"):
        _, loaded, _, unchanged = accounting[name]
        assert 0 < loaded - unchanged < loaded / 5 < unchanged, (name, accounting[name])
        assert _rows_of_load(name, first), name


def test_a_changed_value_gets_the_new_load_id_and_only_its_row(
    warehouse_home: Path, today: Path, tmp_path: Path
) -> None:
    first = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    deals = _csv(today, "deals.csv")
    edited = deals.copy()
    reason_set = deals.loc[deals["closed_lost_reason"] == "", "deal_id"].iloc[0]
    others = deals.loc[(deals["deal_id"] != reason_set) & (deals["lead_source"] != ""), "deal_id"]
    amount_changed, lead_source_emptied, unmapped_changed, moved, gone = others.iloc[1:6]

    def edit(deal_id: str, column: str, value: str) -> None:
        edited.loc[edited["deal_id"] == deal_id, column] = value

    edit(amount_changed, "amount", "1234.56")  # one column of a 22-column row
    edit(lead_source_emptied, "lead_source", "")  # a value becomes NULL
    edit(reason_set, "closed_lost_reason", "Budget")  # NULL becomes a value (the last column)
    edit(unmapped_changed, "partner_company_id", "20000000001")  # not read by the mapping
    new = edited[edited["deal_id"] == amount_changed].assign(deal_id="9999999991")
    moved_row = edited[edited["deal_id"] == moved]
    rest = edited[~edited["deal_id"].isin([moved, gone])]
    edited = pd.concat([moved_row, rest, new])  # moved to the first row, gone removed
    later = tmp_path / "later"
    shutil.copytree(today, later)
    _write(edited, later, "deals.csv")

    second = load(DEMO_EXPORT, base_dir=str(later)).loads_ids[0]
    table = query(
        f"select deal_id, _dlt_load_id, _source_row_number, _deleted_at, amount, lead_source, "
        f"closed_lost_reason from {DATASET}.deals"
    )
    by_deal = {row[0]: row[1:] for row in table}
    changed = {amount_changed, lead_source_emptied, reason_set, "9999999991"}
    assert {deal for deal, row in by_deal.items() if row[0] == second} == changed
    assert by_deal[amount_changed][3] == Decimal("1234.56")
    assert by_deal[lead_source_emptied][4] is None
    assert by_deal[reason_set][5] == "Budget"
    assert by_deal[unmapped_changed][0] == first, "a column the mapping does not read"
    moved_from = deals.index[deals["deal_id"] == moved][0] + 1
    assert by_deal[moved][:2] == (first, moved_from), "unchanged: not written again"
    second_at = scalar(
        f"select max(loaded_at) from {DATASET}.load_accounting where load_id = ?", second
    )
    assert by_deal[gone][0] == first and by_deal[gone][2] == second_at, "soft-deleted"
    assert sum(row[2] is not None for row in by_deal.values()) == 1
    read, loaded, quarantined, unchanged = _assert_accounting_holds(second)["deals"]
    assert (read, loaded, quarantined, unchanged) == (len(edited), len(edited), 0, len(edited) - 4)

    # The first export again: the edits revert (changed again), the deleted deal is back (live
    # again: changed), the new one is deleted; the rest still carry the first load's id.
    third = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    table = query(f"select deal_id, _dlt_load_id, _deleted_at from {DATASET}.deals")
    by_deal = {row[0]: row[1:] for row in table}
    reverted = {amount_changed, lead_source_emptied, reason_set, gone}
    assert {deal for deal, row in by_deal.items() if row[0] == third} == reverted
    assert by_deal["9999999991"][0] == second and by_deal["9999999991"][1] is not None
    assert {row[0] for deal, row in by_deal.items() if deal not in reverted} <= {first, second}
    assert sum(row[0] == first for row in by_deal.values()) == len(deals) - 4
    _assert_accounting_holds(third)


def test_a_row_quarantined_then_fixed_keeps_its_last_good_version_and_load_id(
    warehouse_home: Path, today: Path, tmp_path: Path
) -> None:
    """Quarantined, the record keeps the version the warehouse had (carried over); fixed back
    to that same version, it is unchanged."""
    first = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    deals = _csv(today, "deals.csv")
    bad_deal = deals["deal_id"].iloc[7]
    broken = tmp_path / "broken"
    shutil.copytree(today, broken)
    _write(deals.assign(amount=deals["amount"].mask(deals["deal_id"] == bad_deal, "twelve")),
           broken, "deals.csv")  # fmt: skip
    second = load(DEMO_EXPORT, base_dir=str(broken)).loads_ids[0]
    row = f"select _dlt_load_id, _deleted_at from {DATASET}.deals where deal_id = ?"
    assert query(row, bad_deal) == [(first, None)]
    assert _accounting(second)["deals"] == (len(deals), len(deals) - 1, 1, len(deals) - 1)
    _assert_accounting_holds(second)

    third = load(DEMO_EXPORT, base_dir=str(today)).loads_ids[0]
    assert query(row, bad_deal) == [(first, None)]
    assert query(f"select count(*) from {DATASET}.deals where _dlt_load_id = ?", third) == [(0,)]


def test_the_fingerprint_reads_content_not_lineage_or_encoding() -> None:
    """Values swapped between two columns, or a NULL for a value, change the fingerprint; the
    lineage columns and the Arrow encoding of a text column (dictionary or plain) do not."""
    from ingestion.sources.files.unchanged import RowHasher

    rows = pa.table(
        {
            "deal_id": ["1", "2", "3", "4"],
            "stage_id": ["won", "lost", None, "open"],
            "lead_source": ["lost", "won", "", "open"],
            "_source_file": ["a.csv", "a.csv", "b.csv", "b.csv"],
            "_source_row_number": [1, 2, 3, 4],
            "_dlt_load_id": ["1.0", "2.0", "3.0", "4.0"],
        }
    )
    moved = rows.set_column(3, "_source_file", pa.array(["z.csv"] * 4)).set_column(
        4, "_source_row_number", pa.array([9, 8, 7, 6])
    )
    encoded = rows.set_column(1, "stage_id", rows.column("stage_id").dictionary_encode())
    swapped = rows.set_column(1, "stage_id", rows.column("lead_source")).set_column(
        2, "lead_source", rows.column("stage_id")
    )
    hasher = RowHasher()
    try:
        fingerprints = hasher.contents(rows)
        assert len(set(fingerprints.tolist())) == 4
        assert (hasher.contents(moved) == fingerprints).all()
        assert (hasher.contents(encoded) == fingerprints).all()
        # Rows 1 and 2 swap values between columns; row 3 has NULL and "" swapped.
        assert (hasher.contents(swapped) != fingerprints)[:3].all()
        assert hasher.contents(swapped)[3] == fingerprints[3], "open/open: the same row"
    finally:
        hasher.close()


class _CollidingHasher:
    """Key hashes with only three values: nearly every record shares its key hash."""

    def keys(self, keys: pa.Array) -> np.ndarray:
        return np.array([int(key) % 3 for key in keys.to_pylist()], dtype=np.uint64)


@pytest.mark.parametrize("sorted_by_caller", [False, True], ids=["own-sort", "caller-sort"])
def test_records_sharing_a_key_hash_are_never_taken_for_unchanged_by_mistake(
    sorted_by_caller: bool,
) -> None:
    """With colliding key hashes, a row is unchanged only when the record found under its hash
    has its content; otherwise it counts as changed, and the export is not taken to hold every
    record (so the keys themselves are checked for deletions)."""
    from ingestion.sources.files.unchanged import PreviousVersions

    keys = [str(n) for n in range(12)]
    contents = np.arange(100, 112, dtype=np.int64)
    table = pa.table({"deal_id": keys, "_content_hash": pa.array(contents)})
    hasher = _CollidingHasher()
    previous = PreviousVersions.read([table], {"deal_id": pa.string()}, hasher)

    hashes = hasher.keys(pa.array(keys))
    fingerprints = contents.view(np.uint64)
    # The duplicate check hands the stamp the hashes' argsort (ties in any order).
    order = np.argsort(hashes, kind="stable")[::-1].copy() if sorted_by_caller else None
    if order is not None:
        order = order[np.argsort(hashes[order], kind="stable")]
    unchanged = previous.unchanged(hashes, fingerprints, order)
    # Each hash finds one record of its three-way group: only that record's row can match.
    assert unchanged.sum() == 3
    assert not previous.every_one_seen()
    changed_content = previous.unchanged(hashes, fingerprints + np.uint64(1), order)
    assert not changed_content.any()
