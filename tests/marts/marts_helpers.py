"""Helpers shared by the mart tests: load a files-source export into a warehouse, run dbt on it,
read the marts back.

Not a conftest: tests/marts has no package (a package here would shadow project modules), so the
test modules import these helpers by name, as tests/ingestion does with files_helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dbt_runs import run_dbt

from ingestion import PROJECT_ROOT
from salespulse.settings import load_settings

MAPPINGS = PROJECT_ROOT / "ingestion" / "mappings"
CENT = Decimal("0.01")


@contextmanager
def warehouse_env(home: Path, **settings: str) -> Iterator[None]:
    """SALESPULSE_HOME (and any other setting) for the duration of a module-scoped fixture."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(home))
        for name, value in settings.items():
            patch.setenv(name, value)
        yield


def load_files(
    home: Path, mapping: Path, base_dir: Path | None = None, export: str | None = None
) -> None:
    """Load an export through the files source into `home`, as `salespulse ingest files` does;
    `export="incremental"` for a drop of only what changed (else the mapping's, a full one)."""
    settings = {"SOURCES__FILES__MAPPING_PATH": str(mapping)}
    if base_dir is not None:
        settings["SOURCES__FILES__BASE_DIR"] = str(base_dir)
    if export is not None:
        settings["SOURCES__FILES__EXPORT"] = export
    with warehouse_env(home, **settings):
        from ingestion.pipelines import run_source

        run_source("files")


def export_simulator(out: Path, seed: int, scale: str, as_of: str, *extra: str) -> Path:
    """The demo company's export files (CSV, several currencies), as `salespulse simulate
    export` writes them."""
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", str(seed), "--scale", scale, "--as-of", as_of, "--format", "csv"]
    command += ["--multi-currency", *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def read_csv(export_dir: Path, table: str) -> pd.DataFrame:
    """An export table as text, empty cells as empty strings."""
    return pd.read_csv(export_dir / f"{table}.csv", dtype=str, keep_default_na=False)


def write_csv(frame: pd.DataFrame, export_dir: Path, table: str) -> None:
    """An export table written back as the simulator writes it: every value quoted."""
    frame.to_csv(export_dir / f"{table}.csv", index=False, quoting=1)


def utc(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.replace("", None), utc=True, format="ISO8601")


def deals_in_usd(export_dir: Path) -> pd.DataFrame:
    """Live deals of an export with their amount in USD: amount x the FX rate of the close date
    (creation date while open), rounded to cents half away from zero, deal by deal; `rep_id` as
    the marts name it. A deal without an amount, or whose currency has no rate, has none."""
    frame = read_csv(export_dir, "deals")
    frame = frame[frame["is_deleted"] == "false"].copy()
    for column in ("created_at", "closed_at"):
        frame[column] = utc(frame[column])
    rates = read_csv(export_dir, "fx_rates")
    rate_of = {
        (row.currency, row.rate_date): Decimal(row.rate_to_reporting) for row in rates.itertuples()
    }
    closed = frame["status"].isin(["won", "lost"])
    frame["rate_day"] = (
        frame["closed_at"].where(closed, frame["created_at"]).dt.strftime("%Y-%m-%d")
    )

    def usd(amount: str, currency: str, day: str) -> Decimal | None:
        rate = Decimal(1) if currency == "USD" else rate_of.get((currency, day))
        return None if amount == "" or rate is None else cents(Decimal(amount) * rate)

    frame["amount_usd"] = [
        usd(amount, currency, day)
        for amount, currency, day in zip(
            frame["amount"], frame["currency"], frame["rate_day"], strict=True
        )
    ]
    frame["rep_id"] = rep_ids(attributed_owner_ids(export_dir, frame))
    return frame


def attributed_owner_ids(export_dir: Path, deals: pd.DataFrame) -> pd.Series:
    """Who each deal counts for (docs/metrics.md, Attribution): an open deal its owner now, a
    closed one the owner when it closed - the last owner_id change of the export's field history
    at or before closed_at (the first recorded one when all came later; the current owner
    without history). `deals` as read from deals.csv with closed_at parsed; owner ids as the
    export's."""
    path = export_dir / "deal_property_history.csv"
    if not path.exists():
        return deals["owner_id"]
    history = read_csv(export_dir, "deal_property_history")
    history = history[history["property"] == "owner_id"].copy()
    history["changed_at"] = utc(history["changed_at"])
    history = history.sort_values(["deal_id", "changed_at"], kind="stable")
    closes = deals[["deal_id", "closed_at"]].dropna(subset=["closed_at"])
    merged = history.merge(closes, on="deal_id")
    before = merged[merged["changed_at"] <= merged["closed_at"]]
    at_close = before.groupby("deal_id")["value"].last()
    first = merged.groupby("deal_id")["value"].first()
    at_close = at_close.reindex(first.index).fillna(first)
    owners = deals["deal_id"].map(at_close)
    return owners.where(deals["closed_at"].notna() & owners.notna(), deals["owner_id"])


def rep_ids(owner_ids: pd.Series) -> pd.Series:
    """The marts' rep id of an export's owner id: files:<id>, or 'unassigned' for none."""
    return ("files:" + owner_ids).where(owner_ids != "", "unassigned")


# The statistical forecast's models read raw_forecast, which only the forecast step writes (after
# the marts are built); these tests build the marts without it.
WITHOUT_FORECAST = ("--exclude", "tag:forecast+")


def read(home: Path, sql: str) -> pd.DataFrame:
    """A query against the build warehouse of `home` (its build.duckdb, or the PostgreSQL
    database its settings name), on a connection closed right after."""
    settings = load_settings({**os.environ, "SALESPULSE_HOME": str(home)})
    if settings.warehouse == "postgres":
        import psycopg2

        with closing(psycopg2.connect(**settings.postgres().psycopg_kwargs())) as connection:
            cursor = connection.cursor()
            cursor.execute(sql)
            columns = [column.name for column in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as connection:
        return connection.execute(sql).df()


def cents(value: Any) -> Decimal:
    """A money value as Decimal cents (half away from zero, the marts' rounding)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def assert_close(
    actual: pd.Series, expected: pd.Series, what: str, tolerance: float = 1e-9
) -> None:
    """Element-wise equality of two float series, NULL where the other is NULL."""
    actual = actual.astype("float64").reset_index(drop=True)
    expected = expected.astype("float64").reset_index(drop=True)
    assert (actual.isna() == expected.isna()).all(), f"{what}: NULLs differ"
    both = actual.notna()
    worst = (actual[both] - expected[both]).abs().max() if both.any() else 0.0
    assert worst <= tolerance, f"{what}: differs by up to {worst}"


def mart_tables(
    home: Path, schemas: tuple[str, ...], lineage: dict[str, list[str]]
) -> dict[str, pd.DataFrame]:
    """Every table of `schemas`, `lineage` columns (per table: when a row was computed) left out,
    rows in a stable order: for comparing an incremental build with a full refresh."""
    tables = read(
        home,
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in {schemas} and table_type = 'BASE TABLE'",
    )
    marts = {}
    for schema, name in zip(tables["table_schema"], tables["table_name"], strict=True):
        frame = read(home, f"select * from {schema}.{name}").drop(columns=lineage.get(name, []))
        order = frame.astype(str).sort_values(list(frame.columns)).index
        marts[f"{schema}.{name}"] = frame.loc[order].reset_index(drop=True)
    return marts


# --- incremental builds against a full refresh ---------------------------------------------------

INCREMENTAL_MODELS = (
    "intermediate.int_activities_unioned",
    "intermediate.int_deal_property_history_unioned",
    "core.fct_deal_versions",
    "sales.pipeline_snapshot_daily",
    "core.fct_leads",
    "core.fct_activities",
    "core.fct_deal_stage_history",
    "sales.lead_response_by_hour_weekday",
    "sales.pipeline_waterfall",
)
# The intermediate schema too: its incremental models, and the tables built on them.
INCREMENTAL_SCHEMAS = ("intermediate", "core", "sales")
# When a row was computed (and from which load): differs from a full refresh by design.
INCREMENTAL_LINEAGE = {
    "fct_deal_versions": ["rebuilt_at", "previous_rebuilt_at", "changed_from_date"],
    "pipeline_snapshot_daily": ["source_loaded_at", "rebuilt_at"],
    "fct_leads": ["changed_at"],
    "lead_response_by_hour_weekday": ["rebuilt_at"],
    "pipeline_waterfall": ["rebuilt_at"],
}
# The nightly's dbt build (the files deals' dbt snapshot included), without its tests.
INCREMENTAL_BUILD = (
    "build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    *WITHOUT_FORECAST,
)  # fmt: skip


def incremental_marts(home: Path) -> dict[str, pd.DataFrame]:
    """Every table of the intermediate layer and the core and sales marts, lineage columns left
    out, in a stable order."""
    return mart_tables(home, INCREMENTAL_SCHEMAS, INCREMENTAL_LINEAGE)


def last_rebuild(home: Path) -> pd.Series:
    """How many deals the last build rewrote the versions of, and how many snapshot days, each
    beside its total."""
    return read(
        home,
        "select (select count(distinct deal_id) from core.fct_deal_versions where rebuilt_at = "
        "(select max(rebuilt_at) from core.fct_deal_versions)) as deals, "
        "(select count(distinct deal_id) from core.fct_deal_versions) as all_deals, "
        "(select count(distinct snapshot_date) from sales.pipeline_snapshot_daily where rebuilt_at = "
        "(select max(rebuilt_at) from sales.pipeline_snapshot_daily)) as days, "
        "(select count(distinct snapshot_date) from sales.pipeline_snapshot_daily) as all_days",
    ).iloc[0]


def full_refresh_marts(home: Path, work: Path, dbt_vars: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The marts of a `--full-refresh` of a copy of `home`'s warehouse, built with `dbt_vars`."""
    full_home = work / "full_refresh"
    shutil.copytree(home, full_home, symlinks=True)
    run_dbt(full_home, *INCREMENTAL_BUILD, "--full-refresh", dbt_vars=dbt_vars, work_dir=work)
    return incremental_marts(full_home)


def assert_equal_marts(incremental: dict[str, pd.DataFrame], full: dict[str, pd.DataFrame]) -> None:
    """The same tables, none of the incremental models empty, every table equal row for row:
    the incremental models first, then every mart (built on them or not)."""
    assert set(incremental) == set(full)
    for name in INCREMENTAL_MODELS:
        assert len(incremental[name]) > 0, name
    for name in [*INCREMENTAL_MODELS, *sorted(set(full) - set(INCREMENTAL_MODELS))]:
        pd.testing.assert_frame_equal(incremental[name], full[name], obj=name)
