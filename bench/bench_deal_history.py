"""What the pipeline-as-it-was models cost, beside a Parquet floor.

The demo company's export (`--scale small|medium|large`, or `--export DIR`) is loaded through the
files source and its canonical model built (`dbt build` of everything the history models read,
the dbt snapshot included). Then, timed:

- ours: `dbt run --full-refresh` of core.fct_deal_versions, sales.pipeline_snapshot_daily,
  sales.pipeline_waterfall, sales.deal_slippage, sales.open_deal_aging and
  sales.forecast_category_rollup (each model's seconds from dbt's run_results.json);
- the floor: the same inputs (fct_deals and the unioned property history) written to Parquet,
  and DuckDB's own hand-written SQL (ASOF joins, DuckDB-only) computing the daily open pipeline
  per rep from them, in a fresh process. Its result is checked equal to
  pipeline_snapshot_daily's open_deals and open_pipeline, so the floor computes the same thing.

    .venv/bin/python bench/bench_deal_history.py --scale medium

Timing is never asserted (the machine may be shared): read the ratio of a paired run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.bench_files_import import EXPORT_MAPPING, time_files_step  # noqa: E402

AS_OF = "2026-06-30"
HISTORY_MODELS = (
    "fct_deal_versions",
    "pipeline_snapshot_daily",
    "pipeline_waterfall",
    "deal_slippage",
    "open_deal_aging",
    "forecast_category_rollup",
)
DBT_VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF}

# The daily open pipeline per rep, from Parquet, as directly as DuckDB allows: each open deal-day
# takes the amount and owner of its last change by the end of that day (ASOF), else the first
# recorded value, else the deal's current one.
FLOOR_SQL = """
create table result as
with deals as (
    select * from read_parquet('{dir}/deals.parquet')
    where not is_deleted and created_date is not null
),
history as (
    select deal_id, property, changed_at, amount, owner_rep_id,
        row_number() over (partition by deal_id, property order by changed_at) as n
    from read_parquet('{dir}/history.parquet')
    where property in ('amount', 'owner_rep_id')
),
days as (
    select cast(d as date) as day
    from range(date '2023-01-01', date '{as_of}' + interval 1 day, interval 1 day) as t(d)
),
open_days as (
    select deals.deal_id, days.day, days.day + interval 1 day as day_end,
        deals.amount, deals.owner_rep_id, deals.fx_rate
    from deals join days
        on deals.created_date <= days.day and (deals.closed_date is null or deals.closed_date > days.day)
),
amounts as (
    select o.*, h.amount as amount_then
    from open_days o asof left join (select * from history where property = 'amount') h
        on o.deal_id = h.deal_id and o.day_end > h.changed_at
),
owners as (
    select a.*, h.owner_rep_id as owner_then, h.changed_at as owner_changed_at
    from amounts a asof left join (select * from history where property = 'owner_rep_id') h
        on a.deal_id = h.deal_id and a.day_end > h.changed_at
),
firsts as (
    select deal_id,
        any_value(amount) filter (where property = 'amount' and n = 1) as first_amount,
        any_value(owner_rep_id) filter (where property = 'owner_rep_id' and n = 1) as first_owner,
        bool_or(property = 'amount') as has_amount,
        bool_or(property = 'owner_rep_id') as has_owner
    from history group by deal_id
)
select owners.day as snapshot_date,
    case
        when firsts.has_owner then coalesce(
            case when owner_changed_at is null then first_owner else owner_then end, 'unassigned')
        else owners.owner_rep_id
    end as rep_id,
    count(*) as open_deals,
    sum(round(cast(
        case when firsts.has_amount then coalesce(amount_then, first_amount) else owners.amount end
        as decimal(38, 4)) * fx_rate, 2)) as open_pipeline
from owners left join firsts using (deal_id)
group by all
"""


def _run(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:3])} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
        )
    return time.perf_counter() - start


def _dbt(home: Path, work: Path, *args: str) -> float:
    dbt = Path(sys.executable).parent / "dbt"
    project = PROJECT_ROOT / "dbt_project"
    command = [str(dbt), *args, "--vars", json.dumps(DBT_VARS), "--project-dir", str(project)]
    command += ["--profiles-dir", str(project), "--target-path", str(work / "target")]
    command += ["--log-path", str(work / "logs")]
    return _run(command, {"SALESPULSE_HOME": str(home)})


def bench(export: Path, work: Path) -> None:
    home = work / "home"
    loaded = time_files_step(EXPORT_MAPPING, export, home)
    print(f"files step: {loaded['wall']:.1f} s")
    parents = " ".join(f"+{model}" for model in HISTORY_MODELS)
    seconds = _dbt(
        home, work, "build", "--select", *parents.split(), "--exclude", *HISTORY_MODELS,
        "--exclude-resource-type", "unit_test", "test",
    )  # fmt: skip
    print(f"canonical model and snapshot (not measured): {seconds:.1f} s")

    wall = _dbt(home, work, "run", "--full-refresh", "--select", *HISTORY_MODELS)
    results = json.loads((work / "target" / "run_results.json").read_text())
    per_model = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        rows = {
            model: con.execute(f"select count(*) from {schema}.{model}").fetchone()[0]
            for schema, model in [("core" if name.startswith("fct_") else "sales", name)
                                  for name in HISTORY_MODELS]
        }  # fmt: skip
        history_rows = con.execute(
            "select count(*) from intermediate.int_deal_property_history_unioned"
        ).fetchone()[0]
        floor_dir = work / "parquet"
        floor_dir.mkdir(exist_ok=True)
        con.execute(f"copy core.fct_deals to '{floor_dir}/deals.parquet' (format parquet)")
        con.execute(
            "copy intermediate.int_deal_property_history_unioned"
            f" to '{floor_dir}/history.parquet' (format parquet)"
        )
    print(f"property history: {history_rows:,} changes")
    for model in HISTORY_MODELS:
        print(f"  {model:<26} {per_model.get(model, float('nan')):>7.1f} s {rows[model]:>12,} rows")
    ours = sum(per_model.get(model, 0.0) for model in HISTORY_MODELS)
    print(f"  dbt run of the history models: {wall:.1f} s wall (models {ours:.1f} s)")

    floor_db = work / "floor.duckdb"
    floor = _run(
        [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.argv[2])",
         str(floor_db), FLOOR_SQL.format(dir=floor_dir, as_of=AS_OF)]
    )  # fmt: skip
    with duckdb.connect(str(floor_db), read_only=True) as con:
        con.execute(f"attach '{home / 'build.duckdb'}' as build (read_only)")
        differ = con.execute(
            "select count(*) from result full join build.sales.pipeline_snapshot_daily s"
            " using (snapshot_date, rep_id)"
            " where coalesce(result.open_deals, 0) != coalesce(s.open_deals, 0)"
            " or coalesce(result.open_pipeline, 0) != coalesce(s.open_pipeline, 0)"
        ).fetchone()[0]
    snapshot = per_model.get("pipeline_snapshot_daily", float("nan"))
    print(
        f"Parquet floor (DuckDB ASOF SQL, daily open pipeline per rep): {floor:.1f} s wall "
        f"(process included); rows differing from pipeline_snapshot_daily: {differ}"
    )
    print(
        f"ratio: pipeline_snapshot_daily with fct_deal_versions "
        f"{snapshot + per_model.get('fct_deal_versions', 0.0):.1f} s vs floor {floor:.1f} s = "
        f"{(snapshot + per_model.get('fct_deal_versions', 0.0)) / floor:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--export", type=Path, help="an existing export folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_history_") as tmp:
        work = Path(tmp)
        export = args.export
        if export is None:
            export = work / "export"
            start = time.perf_counter()
            _run(
                [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(export),
                 "--seed", "7", "--scale", args.scale, "--as-of", AS_OF, "--format", "csv",
                 "--multi-currency"]
            )  # fmt: skip
            print(f"export ({args.scale}): {time.perf_counter() - start:.1f} s")
        bench(export, work)


if __name__ == "__main__":
    main()
