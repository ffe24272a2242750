"""An export is a snapshot of one dataset.

- A warehouse holds one dataset: loading another mapping's dataset (the demo company's plans
  after the Maven export) is refused with a clear error and leaves the first intact, unless the
  user asks to replace it; mappings that name the same dataset load side by side.
- Records missing from a newer full export of the same dataset are kept, marked deleted
  (`_deleted_at`), never dropped; a record whose row is quarantined keeps its last good version;
  an incremental export deletes nothing.

Checked on the public Maven export and on the demo company's export files, against pandas.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dlt.pipeline.exceptions import PipelineStepFailed
from files_helpers import DATASET, find_error, load, query, scalar, table_exists

from ingestion import PROJECT_ROOT
from ingestion.pipelines import build_pipeline
from ingestion.sources.files import files_source, load_mapping
from ingestion.sources.files import snapshot as snapshot_module
from ingestion.sources.files import source as source_module
from ingestion.sources.files.errors import DatasetMismatchError
from ingestion.warehouse import build_warehouse_path

MAPPINGS = PROJECT_ROOT / "ingestion" / "mappings"
MAVEN = MAPPINGS / "maven_crm.yml"
DEMO_PLANS = MAPPINGS / "demo_plans.yml"
DEMO_EXPORT = MAPPINGS / "salespulse_export.yml"
MAVEN_DIR = load_mapping(MAVEN).base_dir

needs_maven = pytest.mark.skipif(
    not (MAVEN_DIR / "sales_pipeline.csv").exists(), reason=f"Maven export not at {MAVEN_DIR}"
)


def _simulator_export(out: Path, file_format: str) -> Path:
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", "7", "--scale", "tiny", "--as-of", "2026-06-30", "--format", file_format]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company's export files as Parquet (what `salespulse run --demo` loads)."""
    return _simulator_export(tmp_path_factory.mktemp("demo_parquet"), "parquet")


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _simulator_export(tmp_path_factory.mktemp("demo_csv"), "csv")


def _raw_tables() -> set[str]:
    return {
        row[0]
        for row in query(
            "select table_name from information_schema.tables where table_schema = ?", DATASET
        )
    }


# --- one dataset per warehouse ----------------------------------------------------------------


@needs_maven
def test_the_demo_plans_are_refused_in_a_warehouse_holding_maven(
    warehouse_home: Path, demo_parquet: Path
) -> None:
    load(MAVEN)
    before = query(f"select * from {DATASET}.load_accounting order by entity")

    with pytest.raises(PipelineStepFailed) as failure:
        load(DEMO_PLANS, base_dir=str(demo_parquet))

    error = find_error(failure.value, DatasetMismatchError)
    assert (error.held, error.dataset) == ("maven_crm", "salespulse_demo_plans")
    message = str(error)
    assert "maven_crm.yml" in message and "demo_plans.yml" in message
    assert "--replace-dataset" in message and "SALESPULSE_HOME" in message
    # Nothing of the refused load landed: Maven's tables alone, as they were.
    assert scalar(f"select count(*) from {DATASET}.deals") == 8800
    assert not table_exists("quotas") and not table_exists("fx_rates")
    assert query(f"select * from {DATASET}.load_accounting order by entity") == before


@needs_maven
def test_replacing_the_dataset_drops_the_previous_one_first(
    warehouse_home: Path, demo_parquet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion.pipelines import run_source

    load(MAVEN)
    monkeypatch.setenv("SOURCES__FILES__MAPPING_PATH", str(DEMO_PLANS))
    monkeypatch.setenv("SOURCES__FILES__BASE_DIR", str(demo_parquet))
    run_source("files", replace_dataset=True)

    tables = _raw_tables()
    assert {"quotas", "fx_rates"} <= tables
    assert not {"deals", "reps", "accounts"} & tables, "Maven's tables are gone"
    expected_quotas = len(pd.read_parquet(demo_parquet / "quotas.parquet"))
    assert scalar(f"select count(*) from {DATASET}.quotas") == expected_quotas
    assert {row[0] for row in query(f"select distinct entity from {DATASET}.load_accounting")} == {
        "quotas",
        "fx_rates",
    }
    # The warehouse now holds the demo's plans: Maven is the one refused.
    with pytest.raises(PipelineStepFailed) as failure:
        load(MAVEN)
    assert find_error(failure.value, DatasetMismatchError).held == "salespulse_demo_plans"


@needs_maven
def test_mappings_naming_the_same_dataset_load_side_by_side(
    warehouse_home: Path, demo_parquet: Path, tmp_path: Path
) -> None:
    """A company's CRM export and its finance team's plans: two mappings, one dataset."""

    def renamed(mapping: Path, base_dir: Path) -> Path:
        document = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        document.update(dataset="acme", base_dir=str(base_dir))
        path = tmp_path / mapping.name
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    load(renamed(MAVEN, MAVEN_DIR))
    load(renamed(DEMO_PLANS, demo_parquet))

    assert scalar(f"select count(*) from {DATASET}.deals") == 8800
    assert scalar(f"select count(*) from {DATASET}.deals where _deleted_at is not null") == 0
    assert scalar(f"select count(*) from {DATASET}.quotas") > 0


def test_a_mapping_without_a_dataset_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "Pipedrive CRM-2024.yml"
    path.write_text(
        "entities:\n  teams:\n    file: teams.csv\n    fields: {team_id: id}\n", encoding="utf-8"
    )
    assert load_mapping(path).dataset == "pipedrive_crm_2024"
    assert load_mapping(MAVEN).dataset == "maven_crm"


# --- full exports are snapshots: soft delete ----------------------------------------------------


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    # Every value quoted, as the simulator writes them; empty stays empty (NULL).
    frame.to_csv(folder / f"{name}.csv", index=False, quoting=1)


def _table(name: str) -> pd.DataFrame:
    import duckdb

    from ingestion.warehouse import build_warehouse_path

    with duckdb.connect(str(build_warehouse_path()), read_only=True) as connection:
        return connection.execute(f"select * from {DATASET}.{name}").df()


def _loaded_at(load_id: str):
    return scalar(
        f"select max(loaded_at) from {DATASET}.load_accounting where load_id = ?", load_id
    )


def test_records_missing_from_a_newer_full_export_are_kept_and_marked_deleted(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path
) -> None:
    first = load(DEMO_EXPORT, base_dir=str(demo_csv)).loads_ids[0]
    first_deals = _table("deals").set_index("deal_id")

    # The next month's export: some deals, activities and a rep are gone; one deal's row has a
    # bad amount (the record is still in the export, its row is quarantined).
    later = tmp_path / "later"
    shutil.copytree(demo_csv, later)
    deals = _csv(demo_csv, "deals")
    removed_deals = set(deals["deal_id"].iloc[10:40]) | {deals["deal_id"].iloc[-1]}
    bad_deal = deals["deal_id"].iloc[5]
    kept = deals[~deals["deal_id"].isin(removed_deals)].copy()
    kept.loc[kept["deal_id"] == bad_deal, "amount"] = "twelve"
    _write(kept, later, "deals")
    activities = _csv(demo_csv, "activities")
    removed_activities = set(activities["activity_id"].sample(200, random_state=1))
    _write(activities[~activities["activity_id"].isin(removed_activities)], later, "activities")
    reps = _csv(demo_csv, "reps")
    removed_rep = reps["rep_id"].iloc[3]
    _write(reps[reps["rep_id"] != removed_rep], later, "reps")

    second = load(DEMO_EXPORT, base_dir=str(later)).loads_ids[0]
    second_at = _loaded_at(second)

    table = _table("deals").set_index("deal_id")
    assert len(table) == len(deals), "nothing dropped"
    gone = table.loc[sorted(removed_deals)]
    assert (gone["_deleted_at"] == second_at).all()
    assert (gone["_dlt_load_id"] == first).all(), "kept as the first export delivered them"
    for column in ("status", "amount", "owner_rep_id", "closed_at", "_source_row_number"):
        pd.testing.assert_series_equal(
            gone[column], first_deals.loc[gone.index, column], check_names=False
        )
    quarantined = table.loc[bad_deal]
    assert pd.isna(quarantined["_deleted_at"]) and quarantined["_dlt_load_id"] == first
    assert quarantined["amount"] == first_deals.loc[bad_deal, "amount"]
    # The other deals did not change: they keep the load that last changed them.
    rest = table.drop(index=sorted(removed_deals | {bad_deal}))
    assert rest["_deleted_at"].isna().all() and (rest["_dlt_load_id"] == first).all()
    assert (
        scalar(
            f"select count(distinct row_number) from {DATASET}.quarantine "
            "where load_id = ? and entity = 'deals'",
            second,
        )
        == 1
    )

    acts = _table("activities").set_index("activity_id")
    assert len(acts) == len(activities)
    assert set(acts.index[acts["_deleted_at"].notna()]) == removed_activities
    assert (acts.loc[sorted(removed_activities), "_deleted_at"] == second_at).all()
    rep_rows = _table("reps").set_index("rep_id")
    assert set(rep_rows.index[rep_rows["_deleted_at"].notna()]) == {removed_rep}

    # Row accounting still holds for the second load: the carried rows are not its rows, and
    # its unchanged rows are not written again (they keep their earlier load id).
    accounting = query(
        f"select entity, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), "
        f"sum(rows_unchanged) from {DATASET}.load_accounting where load_id = ? group by entity",
        second,
    )
    for entity, read, loaded, quarantined_rows, unchanged in accounting:
        assert read == loaded + quarantined_rows, entity
        landed = scalar(f"select count(*) from {DATASET}.{entity} where _dlt_load_id = ?", second)
        assert landed == loaded - unchanged, entity
    assert dict((row[0], row[2]) for row in accounting)["deals"] == len(kept) - 1

    # A third export restores everything: nothing is deleted any more; the deals that come
    # back are live again (changed), the others are as the first load wrote them.
    third = load(DEMO_EXPORT, base_dir=str(demo_csv)).loads_ids[0]
    table = _table("deals").set_index("deal_id")
    assert len(table) == len(deals)
    assert table["_deleted_at"].isna().all()
    assert set(table.index[table["_dlt_load_id"] == third]) == removed_deals
    assert (table.drop(index=sorted(removed_deals))["_dlt_load_id"] == first).all()
    assert _table("activities")["_deleted_at"].isna().all()


@pytest.mark.parametrize("release_after_rows", [None, 1], ids=["one-client", "client-per-read"])
def test_a_record_stays_deleted_since_the_load_that_first_missed_it(
    warehouse_home: Path,
    demo_csv: Path,
    tmp_path: Path,
    release_after_rows: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Also when every read-back releases its connection and the next one opens another (as
    the large reads of a big table do)."""
    if release_after_rows is not None:
        for module in (snapshot_module, source_module):
            monkeypatch.setattr(module, "RELEASE_AFTER_ROWS", release_after_rows)
    first = load(DEMO_EXPORT, base_dir=str(demo_csv)).loads_ids[0]
    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    deals = _csv(demo_csv, "deals")
    gone = deals["deal_id"].iloc[0]
    _write(deals.iloc[1:], smaller, "deals")
    second = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]
    third = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]

    table = _table("deals").set_index("deal_id")
    assert table.loc[gone, "_deleted_at"] == _loaded_at(second)
    assert table.loc[gone, "_dlt_load_id"] == first
    assert _loaded_at(third) > _loaded_at(second)
    assert (table.drop(index=gone)["_dlt_load_id"] == first).all(), "unchanged since the first"


def test_deleted_records_and_newly_missing_ones_are_carried_in_one_load(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path
) -> None:
    """A load that misses a record deleted before and one deleted now keeps both (the first
    with its first deletion time); a load that misses nothing new reads no live row back."""
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    deals = _csv(demo_csv, "deals")
    before, now = deals["deal_id"].iloc[0], deals["deal_id"].iloc[1]
    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    _write(deals.iloc[1:], smaller, "deals")
    second = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]
    _write(deals.iloc[2:], smaller, "deals")
    third = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]

    table = _table("deals").set_index("deal_id")
    assert len(table) == len(deals)
    assert table.loc[before, "_deleted_at"] == _loaded_at(second)
    assert table.loc[now, "_deleted_at"] == _loaded_at(third)
    assert table.drop(index=[before, now])["_deleted_at"].isna().all()

    fourth = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]
    table = _table("deals").set_index("deal_id")
    assert len(table) == len(deals)
    assert table.loc[before, "_deleted_at"] == _loaded_at(second)
    assert table.loc[now, "_deleted_at"] == _loaded_at(third)
    assert _loaded_at(fourth) > _loaded_at(third)


@pytest.fixture
def live_key_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables whose live keys a load read back to look for records the export lacks."""
    checked: list[str] = []

    def counting(original):
        def reader(warehouse, table_name, *args, every_live_loaded=False, **kwargs):
            if not every_live_loaded:
                checked.append(table_name)
            return original(
                warehouse, table_name, *args, every_live_loaded=every_live_loaded, **kwargs
            )

        return reader

    # A table replaced by the export (carried_rows) or merged into (deleted_records).
    for name in ("carried_rows", "deleted_records"):
        monkeypatch.setattr(source_module, name, counting(getattr(snapshot_module, name)))
    return checked


def test_an_export_holding_every_record_reads_no_live_key_back(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path, live_key_checks: list[str]
) -> None:
    """The content stamp saw every live record's key: nothing to look for. A record missing
    from the export is still found and marked deleted."""
    first = load(DEMO_EXPORT, base_dir=str(demo_csv)).loads_ids[0]
    live_key_checks.clear()
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    assert live_key_checks == []
    table = _table("deals")
    assert table["_deleted_at"].isna().all() and (table["_dlt_load_id"] == first).all()

    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    deals = _csv(demo_csv, "deals")
    _write(deals.iloc[1:], smaller, "deals")
    third = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]
    assert live_key_checks == ["deals"]
    table = _table("deals").set_index("deal_id")
    assert table.loc[deals["deal_id"].iloc[0], "_deleted_at"] == _loaded_at(third)
    assert table.drop(index=deals["deal_id"].iloc[0])["_deleted_at"].isna().all()


def test_a_missing_record_loaded_before_fingerprints_existed_is_still_marked_deleted(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path, live_key_checks: list[str]
) -> None:
    """A live record without a fingerprint is not among the records the stamp can see: the
    keys are checked, and the one the export lacks is marked deleted."""
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    deals = _csv(demo_csv, "deals")
    gone = deals["deal_id"].iloc[0]
    with duckdb.connect(str(build_warehouse_path())) as connection:
        connection.execute(
            f"update {DATASET}.deals set _content_hash = null where deal_id = ?", [gone]
        )
    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    _write(deals.iloc[1:], smaller, "deals")
    live_key_checks.clear()
    second = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]
    assert "deals" in live_key_checks
    table = _table("deals").set_index("deal_id")
    assert table.loc[gone, "_deleted_at"] == _loaded_at(second)
    assert table.drop(index=gone)["_deleted_at"].isna().all()


def test_an_incremental_export_deletes_nothing(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path
) -> None:
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    delta = tmp_path / "delta"
    shutil.copytree(demo_csv, delta)
    deals = _csv(demo_csv, "deals")
    changed = deals.iloc[:3].copy()
    changed["amount"] = "1.00"
    _write(changed, delta, "deals")

    pipeline = build_pipeline("files")
    source = files_source(mapping_path=str(DEMO_EXPORT), base_dir=str(delta), export="incremental")
    pipeline.run(source.with_resources("deals"), loader_file_format="parquet")

    table = _table("deals").set_index("deal_id")
    assert len(table) == len(deals)
    assert table["_deleted_at"].isna().all()
    assert (table.loc[changed["deal_id"], "amount"].astype(float) == 1.0).all()


def test_a_full_refresh_starts_the_table_over_from_the_export(
    warehouse_home: Path, demo_csv: Path, tmp_path: Path
) -> None:
    """`salespulse run --full-refresh` drops the raw tables first (dlt's drop_resources): the
    rows of the export are all there is afterwards, nothing is carried as deleted."""
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    deals = _csv(demo_csv, "deals")
    _write(deals.iloc[5:], smaller, "deals")

    pipeline = build_pipeline("files")
    source = files_source(mapping_path=str(DEMO_EXPORT), base_dir=str(smaller))
    pipeline.run(
        source.with_resources("deals"), loader_file_format="parquet", refresh="drop_resources"
    )

    table = _table("deals")
    assert len(table) == len(deals) - 5
    assert table["_deleted_at"].isna().all()


@pytest.fixture
def rows_read_back(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool | None, int]]:
    """Each read of whole rows (every column) a load made: table, whether by key, rows read."""
    reads: list[tuple[str, bool | None, int]] = []
    original = snapshot_module.WarehouseReader.rows

    def rows(self, table_name, columns=None, deleted=None, where_in=None):
        count = 0
        for batch in original(self, table_name, columns, deleted, where_in):
            count += batch.num_rows
            yield batch
        if columns is None:
            reads.append((table_name, where_in is not None, count))

    monkeypatch.setattr(snapshot_module.WarehouseReader, "rows", rows)
    return reads


@pytest.mark.parametrize("by_key", [True, False])
def test_records_a_full_export_no_longer_holds_are_read_back_by_key(
    warehouse_home: Path,
    demo_csv: Path,
    tmp_path: Path,
    rows_read_back: list,
    monkeypatch: pytest.MonkeyPatch,
    by_key: bool,
) -> None:
    """A few deleted records: only their rows are read back (by their first key value), not
    every live row; beyond READ_BY_KEY_UP_TO values, every live row is, with the same result."""
    if not by_key:
        monkeypatch.setattr(snapshot_module, "READ_BY_KEY_UP_TO", 0)
    load(DEMO_EXPORT, base_dir=str(demo_csv))
    deals = _csv(demo_csv, "deals")
    history = _csv(demo_csv, "deal_stage_history")
    smaller = tmp_path / "smaller"
    shutil.copytree(demo_csv, smaller)
    gone_deals = list(deals["deal_id"].iloc[:2])
    _write(deals.iloc[2:], smaller, "deals")
    # One stage entry of a deal that keeps its others (a composite key: read by its deal).
    _write(history.iloc[1:], smaller, "deal_stage_history")
    rows_read_back.clear()
    second = load(DEMO_EXPORT, base_dir=str(smaller)).loads_ids[0]

    reads = {table: (keyed, count) for table, keyed, count in rows_read_back}
    deal_id = history["deal_id"].iloc[0]
    if by_key:
        assert reads["deals"] == (True, 2)
        entries_of_deal = int((history["deal_id"] == deal_id).sum())
        assert reads["deal_stage_history"] == (True, entries_of_deal)
    else:
        assert reads["deals"] == (False, len(deals))
        assert reads["deal_stage_history"] == (False, len(history))
    table = _table("deals").set_index("deal_id")
    assert (table.loc[gone_deals, "_deleted_at"] == _loaded_at(second)).all()
    assert table.drop(index=gone_deals)["_deleted_at"].isna().all()
    entries = _table("deal_stage_history")
    assert int(entries["_deleted_at"].notna().sum()) == 1
    assert entries.loc[entries["_deleted_at"].notna(), "deal_id"].tolist() == [deal_id]
