"""Files-source import speed: a synthetic deals export (CSV and Parquet) loaded through the
`files` source and dlt's Arrow path, beside DuckDB reading the same files directly.

    .venv/bin/python bench/bench_files_import.py                 # 1M rows
    .venv/bin/python bench/bench_files_import.py --rows 1000000 5000000

Everything is written under a temporary directory that is removed afterwards. Prints one table:
rows per second for each path, the dlt steps' split, and the ratio of the two (files source
seconds over DuckDB seconds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml
from dlt.common.runtime.collector import NULL_COLLECTOR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAGES = np.array(["Prospecting", "Engaging", "Won", "Lost"])
STATUS = {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}


def synthetic_deals(rows: int, seed: int = 42) -> pa.Table:
    """Deals shaped like a CRM export: ids, owner, account, stage, dates, amount (typed)."""
    rng = np.random.default_rng(seed)
    ids = pc.binary_join_element_wise("D", pa.array(np.arange(rows)).cast(pa.string()), "")
    stage = STAGES[rng.integers(0, 4, rows)]
    closed = np.isin(stage, ["Won", "Lost"])
    start = np.datetime64("2022-01-01")
    created = start + rng.integers(0, 3 * 365, rows).astype("timedelta64[D]")
    closed_on = created + rng.integers(1, 180, rows).astype("timedelta64[D]")
    amount = np.round(rng.lognormal(8, 1, rows), 2)
    amount = np.where(stage == "Lost", 0.0, amount)
    return pa.table(
        {
            "opportunity_id": ids,
            "sales_agent": pa.array(np.char.add("Rep ", rng.integers(0, 200, rows).astype(str))),
            "account": pa.array(np.char.add("Account ", rng.integers(0, 5000, rows).astype(str))),
            "deal_stage": pa.array(stage),
            "engage_date": pa.array(created, pa.date32()),
            "close_date": pa.array(closed_on, pa.date32(), mask=~closed),
            "close_value": pa.array(amount, pa.float64(), mask=~closed),
        }
    )


def write_exports(table: pa.Table, folder: Path) -> dict[str, Path]:
    """The same rows as a CSV export (text, dates as YYYY-MM-DD) and a typed Parquet export."""
    csv_path, parquet_path = folder / "deals.csv", folder / "deals.parquet"
    as_text = pa.table({name: table[name].cast(pa.string()) for name in table.column_names})
    pacsv.write_csv(as_text, csv_path)
    pq.write_table(table, parquet_path)
    return {"csv": csv_path, "parquet": parquet_path}


def write_mapping(folder: Path, file: str) -> Path:
    fields = {
        "deal_id": "opportunity_id",
        "owner_rep_id": "sales_agent",
        "account_id": "account",
        "stage_id": "deal_stage",
        "status": {"column": "deal_stage", "values": STATUS},
        "created_at": {"column": "engage_date", "format": "%Y-%m-%d"},
        "closed_at": {"column": "close_date", "format": "%Y-%m-%d"},
        "amount": "close_value",
        "currency": {"constant": "USD"},
    }
    path = folder / f"mapping_{Path(file).suffix[1:]}.yml"
    document = {
        "version": 1,
        "base_dir": ".",
        "entities": {"deals": {"file": file, "fields": fields}},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def time_files_source(mapping: Path, home: Path) -> tuple[float, dict[str, float], int]:
    """Seconds for a full `files` load into a fresh build warehouse, the step split, rows."""
    os.environ["SALESPULSE_HOME"] = str(home)
    from ingestion.pipelines import build_pipeline
    from ingestion.sources.files import files_source

    pipeline = build_pipeline("files")
    pipeline.collector = NULL_COLLECTOR  # no progress log inside the timing
    source = files_source(mapping_path=str(mapping))
    start = time.perf_counter()
    pipeline.extract(source, loader_file_format="parquet")
    extracted = time.perf_counter()
    pipeline.normalize()
    normalized = time.perf_counter()
    pipeline.load().raise_on_failed_jobs()
    loaded = time.perf_counter()
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as connection:
        rows = connection.execute("select count(*) from raw_files.deals").fetchone()[0]
    steps = {
        "extract": extracted - start,
        "normalize": normalized - extracted,
        "load": loaded - normalized,
    }
    return loaded - start, steps, rows


def time_duckdb(path: Path, database: Path) -> tuple[float, int]:
    """Seconds for DuckDB to read the same file into a table of a fresh database file."""
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    start = time.perf_counter()
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"create table deals as select * from {reader}(?)", [str(path)])
        rows = connection.execute("select count(*) from deals").fetchone()[0]
    return time.perf_counter() - start, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    args = parser.parse_args(argv)

    header = (
        f"{'rows':>10} {'format':<8} {'file MB':>8} {'files src s':>11} {'rows/s':>11} "
        f"{'(extract/normalize/load s)':>27} {'duckdb s':>9} {'rows/s':>12} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for rows in args.rows:
        work = Path(tempfile.mkdtemp(prefix="bench_files_"))
        try:
            exports = write_exports(synthetic_deals(rows), work)
            for kind, path in exports.items():
                mapping = write_mapping(work, path.name)
                seconds, steps, loaded = time_files_source(mapping, work / f"home_{kind}")
                direct, direct_rows = time_duckdb(path, work / f"direct_{kind}.duckdb")
                assert loaded == rows == direct_rows, (loaded, rows, direct_rows)
                split = "/".join(f"{steps[s]:.2f}" for s in ("extract", "normalize", "load"))
                print(
                    f"{rows:>10,} {kind:<8} {path.stat().st_size / 1e6:>8.1f} "
                    f"{seconds:>11.2f} {rows / seconds:>11,.0f} {split:>27} "
                    f"{direct:>9.2f} {rows / direct:>12,.0f} {seconds / direct:>6.1f}x"
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
