"""Files-source import speed and memory, beside DuckDB reading the same files.

Two workloads:

- the demo company's export files (`--scale tiny|small|medium|large`, written by the simulator
  into a temporary folder, or an existing export with `--export DIR`), loaded through
  `ingestion/mappings/salespulse_export.yml`: every entity, as the nightly job loads them;
- `--rows N …`: a synthetic deals export (CSV and Parquet), one entity alone.

Each measured step runs in a fresh child process, so its peak memory (max RSS) is its own. The
floor is DuckDB's own reader: `create table … as select * from read_csv(file)` (types sniffed;
`read_parquet` for Parquet) for every file, into a fresh database file, in one process.

    .venv/bin/python bench/bench_files_import.py --scale medium
    .venv/bin/python bench/bench_files_import.py --export /data/medium_export --reload
    .venv/bin/python bench/bench_files_import.py --export /data/large_export --dbt
    .venv/bin/python bench/bench_files_import.py --rows 1000000 5000000

Prints, per workload, wall and CPU seconds of the files step (extract / normalize / load) and of
DuckDB, their ratios, and peak RSS. `--reload` (an export) also times the files step a second
time into the warehouse the first one loaded: the nightly case, a full export replacing the
previous one (its keys, fingerprints and load ids read back, the records it lost carried). `--dbt` also builds the marts on the loaded warehouse
(`dbt build`, as the nightly job's dbt step) and runs the equivalent core KPI SQL in DuckDB on
the floor's tables, and prints the ratio of the two paths (files + dbt vs DuckDB + SQL). Timing
is never asserted: the machine may be shared, so read the ratios of paired runs.

`time_files_step()` and `time_duckdb_floor()` are the hooks for other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

EXPORT_MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "salespulse_export.yml"
AS_OF = "2026-06-30"

# --- the measured steps, each in a child process --------------------------------------------------

_FILES_STEP = """
import json, os, resource, sys, time
from dlt.common.runtime.collector import NULL_COLLECTOR
from ingestion.pipelines import build_pipeline
from ingestion.sources.files import files_source

mapping, base_dir = sys.argv[1], sys.argv[2] or None
pipeline = build_pipeline("files")
pipeline.collector = NULL_COLLECTOR  # no progress log inside the timing
source = files_source(mapping_path=mapping, base_dir=base_dir)
steps = {}
for step in ("extract", "normalize", "load"):
    wall, cpu = time.perf_counter(), time.process_time()
    if step == "extract":
        pipeline.extract(source, loader_file_format="parquet")
    elif step == "normalize":
        pipeline.normalize()
    else:
        pipeline.load().raise_on_failed_jobs()
    steps[step] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"steps": steps, "peak_mb": usage.ru_maxrss / 1024}))
"""

_DUCKDB_FLOOR = """
import json, resource, sys, time
from pathlib import Path
import duckdb

database, files = sys.argv[1], sys.argv[2:]
wall, cpu = time.perf_counter(), time.process_time()
rows = 0
with duckdb.connect(database) as connection:
    for path in files:
        reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
        table = Path(path).stem
        connection.execute(f"create table {table} as select * from {reader}(?)", [path])
        rows += connection.execute(f"select count(*) from {table}").fetchone()[0]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "rows": rows, "peak_mb": usage.ru_maxrss / 1024}))
"""

# The core KPIs of the marts, straight on DuckDB's tables of the export (types as sniffed): rep-
# month bookings, won and lost deals, win rate and median sales cycle; activities per rep and
# day; the open pipeline per rep at the end of every day of the last 180 (USD only: the floor
# skips currency conversion, so it is if anything cheaper than the marts).
_CORE_KPI_SQL = [
    """create table kpi_rep_month as
    select owner_id, date_trunc('month', closed_at) as month,
        sum(case when status = 'won' then amount end) as bookings,
        count(*) filter (where status = 'won') as won_deals,
        count(*) filter (where status = 'lost') as lost_deals,
        count(*) filter (where status = 'won') / nullif(count(*), 0) as win_rate,
        median(date_diff('day', created_at, closed_at)) filter (where status = 'won') as cycle
    from deals where not is_deleted and status in ('won', 'lost') group by all""",
    """create table kpi_activity_day as
    select owner_id, cast(occurred_at as date) as day, type, count(*) as activities
    from activities group by all""",
    """create table kpi_open_pipeline as
    with days as (
        select cast(d as date) as day from range(
            cast(? as date) - interval 180 day, cast(? as date) + interval 1 day, interval 1 day
        ) as t(d)
    )
    select deals.owner_id, days.day, count(*) as open_deals, sum(amount) as open_pipeline
    from days join deals on cast(deals.created_at as date) <= days.day
        and (deals.closed_at is null or cast(deals.closed_at as date) > days.day)
    where not deals.is_deleted group by all""",
]

_DUCKDB_KPIS = """
import json, resource, sys, time
import duckdb
database, as_of, statements = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
wall, cpu = time.perf_counter(), time.process_time()
with duckdb.connect(database) as connection:
    for sql in statements:
        connection.execute(sql, [as_of, as_of] if "?" in sql else [])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "peak_mb": usage.ru_maxrss / 1024}))
"""


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run `code` in a fresh interpreter; its last stdout line is a JSON result."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,  # dlt reads .dlt/config.toml from here
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-4000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_files_step(mapping: Path, base_dir: Path | None, home: Path) -> dict:
    """The files step (extract, normalize, load) into a fresh warehouse at `home`, in a child
    process: {"steps": {step: {"wall", "cpu"}}, "wall", "cpu", "peak_mb"}."""
    shutil.rmtree(home, ignore_errors=True)
    env = {"SALESPULSE_HOME": str(home)}
    result = _child(_FILES_STEP, str(mapping), str(base_dir or ""), env=env)
    result["wall"] = sum(step["wall"] for step in result["steps"].values())
    result["cpu"] = sum(step["cpu"] for step in result["steps"].values())
    return result


def time_files_reload(mapping: Path, base_dir: Path | None, home: Path) -> dict:
    """The files step again into the warehouse at `home` that a first one loaded: the nightly
    case, where a full export replaces tables that hold the previous one (the source reads their
    keys, fingerprints and load ids back, and carries the records the export no longer holds)."""
    env = {"SALESPULSE_HOME": str(home)}
    result = _child(_FILES_STEP, str(mapping), str(base_dir or ""), env=env)
    result["wall"] = sum(step["wall"] for step in result["steps"].values())
    result["cpu"] = sum(step["cpu"] for step in result["steps"].values())
    return result


def time_duckdb_floor(files: list[Path], database: Path) -> dict:
    """DuckDB reading `files` into tables of a fresh database file, in a child process:
    {"wall", "cpu", "rows", "peak_mb"}."""
    database.unlink(missing_ok=True)
    return _child(_DUCKDB_FLOOR, str(database), *map(str, files))


def time_dbt_build(home: Path, work: Path) -> dict:
    """`dbt build` of the marts on the files source (no unit tests, no forecast), as the
    nightly job's dbt step: {"wall", "cpu"} of the dbt process."""
    dbt = Path(sys.executable).parent / "dbt"
    project = PROJECT_ROOT / "dbt_project"
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": AS_OF}
    command = [str(dbt), "build", "--exclude-resource-type", "unit_test"]
    command += ["--exclude", "tag:forecast+", "--vars", json.dumps(dbt_vars)]
    command += ["--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    result = subprocess.run(
        command, env={**os.environ, "SALESPULSE_HOME": str(home)}, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-4000:])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall": time.perf_counter() - wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024}


def time_core_kpis(database: Path) -> dict:
    return _child(_DUCKDB_KPIS, str(database), AS_OF, json.dumps(_CORE_KPI_SQL))


# --- workloads ----------------------------------------------------------------------------------


def simulator_export(scale: str, out: Path) -> Path:
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", "42", "--scale", scale, "--as-of", AS_OF, "--format", "csv"]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return out


def export_files(folder: Path) -> list[Path]:
    """The files of an export that the mapping loads."""
    mapping = yaml.safe_load(EXPORT_MAPPING.read_text(encoding="utf-8"))
    return [folder / entity["file"] for entity in mapping["entities"].values()]


def _row(label: str, files: dict, floor: dict, size_mb: float) -> str:
    steps = "/".join(f"{files['steps'][s]['wall']:.1f}" for s in ("extract", "normalize", "load"))
    return (
        f"{label:<22} {size_mb:>8,.0f} {floor['rows']:>12,} "
        f"{files['wall']:>8.1f} {files['cpu']:>7.1f} {steps:>18} {files['peak_mb']:>7,.0f} "
        f"{floor['wall']:>8.1f} {floor['cpu']:>7.1f} {floor['peak_mb']:>7,.0f} "
        f"{files['wall'] / floor['wall']:>6.2f}x {files['cpu'] / floor['cpu']:>6.2f}x"
    )


HEADER = (
    f"{'workload':<22} {'MB':>8} {'rows':>12} "
    f"{'files s':>8} {'cpu s':>7} {'extr/norm/load s':>18} {'peak MB':>7} "
    f"{'duckdb s':>8} {'cpu s':>7} {'peak MB':>7} {'wall':>7} {'cpu':>7}"
)


def bench_export(
    folder: Path, work: Path, label: str, with_dbt: bool, reload: bool = False
) -> dict:
    files = export_files(folder)
    size_mb = sum(path.stat().st_size for path in files) / 1e6
    home, floor_db = work / "home", work / "floor.duckdb"
    measured = time_files_step(EXPORT_MAPPING, folder, home)
    floor = time_duckdb_floor(files, floor_db)
    print(_row(label, measured, floor, size_mb), flush=True)
    result = {"files_step": measured, "duckdb_floor": floor, "export_mb": size_mb}
    if reload:
        again = time_files_reload(EXPORT_MAPPING, folder, home)
        print(_row(f"{label} reload", again, floor, size_mb), flush=True)
        result["files_step_reload"] = again
    if with_dbt:
        dbt = time_dbt_build(home, work)
        kpis = time_core_kpis(floor_db)
        ours = {"wall": measured["wall"] + dbt["wall"], "cpu": measured["cpu"] + dbt["cpu"]}
        theirs = {"wall": floor["wall"] + kpis["wall"], "cpu": floor["cpu"] + kpis["cpu"]}
        print(
            f"  nightly path: files {measured['wall']:.1f} s + dbt build {dbt['wall']:.1f} s "
            f"(cpu {ours['cpu']:.1f} s, dbt peak {dbt['peak_mb']:,.0f} MB) vs DuckDB "
            f"{floor['wall']:.1f} s + core KPI SQL {kpis['wall']:.1f} s (cpu {theirs['cpu']:.1f} "
            f"s): {ours['wall'] / theirs['wall']:.2f}x wall, {ours['cpu'] / theirs['cpu']:.2f}x cpu"
        )
        result |= {"dbt_build": dbt, "core_kpi_sql": kpis}
    return result


# --- the synthetic deals export ----------------------------------------------------------------

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


def synthetic_exports(table: pa.Table, folder: Path) -> dict[str, Path]:
    """The same rows as a CSV export (text, dates as YYYY-MM-DD) and a typed Parquet export."""
    csv_path, parquet_path = folder / "deals.csv", folder / "deals.parquet"
    as_text = pa.table({name: table[name].cast(pa.string()) for name in table.column_names})
    pacsv.write_csv(as_text, csv_path)
    pq.write_table(table, parquet_path)
    return {"csv": csv_path, "parquet": parquet_path}


def synthetic_mapping(folder: Path, file: str) -> Path:
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
        "dataset": "synthetic_deals",
        "base_dir": ".",
        "entities": {"deals": {"file": file, "fields": fields}},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    workload = parser.add_mutually_exclusive_group()
    workload.add_argument("--scale", choices=["tiny", "small", "medium", "large"])
    workload.add_argument("--export", type=Path, help="an existing simulator export (CSV)")
    workload.add_argument("--rows", type=int, nargs="+", help="synthetic deals exports")
    parser.add_argument("--dbt", action="store_true", help="also dbt build vs core KPI SQL")
    parser.add_argument(
        "--reload",
        action="store_true",
        help="also the files step again into the loaded warehouse (the nightly case)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    if not (args.scale or args.export or args.rows):
        args.scale = "small"

    print(HEADER)
    print("-" * len(HEADER))
    results: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix="bench_files_"))
    try:
        if args.rows:
            for rows in args.rows:
                exports = synthetic_exports(synthetic_deals(rows), work)
                for kind, path in exports.items():
                    mapping = synthetic_mapping(work, path.name)
                    measured = time_files_step(mapping, None, work / f"home_{kind}")
                    floor = time_duckdb_floor([path], work / f"floor_{kind}.duckdb")
                    assert floor["rows"] == rows, floor
                    label = f"deals {rows:,} {kind}"
                    print(_row(label, measured, floor, path.stat().st_size / 1e6), flush=True)
                    results[label] = {"files_step": measured, "duckdb_floor": floor}
        else:
            folder = args.export or simulator_export(args.scale, work / "export")
            label = f"export {args.scale or folder.name}"
            results[label] = bench_export(folder, work, label, args.dbt, args.reload)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
