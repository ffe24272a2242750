"""Semantic-layer query speed: a metric query through MetricFlow's Python API (the SemanticLayer
that `salespulse metrics query` and the dashboard use: SQL generation + DuckDB) against the same
query's SQL run straight in DuckDB, and the one-off cost of building the engine.

    .venv/bin/python bench/bench_semantic_layer.py --warehouse warehouse/serving.duckdb
    .venv/bin/python bench/bench_semantic_layer.py            # builds the demo company first

Without --warehouse, the demo company's export (seed 7, scale small, as of 2026-06-30) is loaded
through the files source, built with dbt and published with the semantic layer into a temporary
folder (a few minutes), which is removed afterwards. Prints one table: per query, the median of
--repeat runs of explain (SQL generation), explain + run, and the SQL alone in DuckDB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "bookings by rep x month": (["bookings"], ["rep", "metric_time__month"]),
    "win rate by lead source x fiscal quarter": (
        ["win_rate", "won_deals", "lost_deals"],
        ["deal__lead_source", "metric_time__fiscal_quarter"],
    ),
    "median cycle by industry x team": (
        ["sales_cycle_days_median"],
        ["account__industry", "team__team_name"],
    ),
    "quota attainment by team x fiscal quarter": (
        ["bookings", "quota", "quota_attainment"],
        ["team", "metric_time__fiscal_quarter"],
    ),
    "month to date bookings by rep x day": (
        ["bookings_month_to_date"],
        ["rep", "metric_time__day"],
    ),
    "eNPS by team x wave": (["enps", "enps_responses"], ["team", "survey_answer_count__wave"]),
    "rep scorecard (13 metrics) by rep x month": (
        [
            "bookings",
            "won_deals",
            "lost_deals",
            "win_rate",
            "average_deal_size",
            "sales_cycle_days_median",
            "leads_created",
            "lead_response_minutes_median",
            "lead_response_sla_share",
            "lead_conversion_rate",
            "activities",
            "quota",
            "quota_attainment",
        ],
        ["rep", "metric_time__month"],
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a serving warehouse published with it")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.warehouse:
        return _bench(args.warehouse.resolve(), args.repeat)
    work = Path(tempfile.mkdtemp(prefix="salespulse-bench-semantic-"))
    try:
        return _bench(_publish_demo_company(work), args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(warehouse: Path, repeat: int) -> int:
    started = time.perf_counter()
    from semantic.layer import SemanticLayer

    imported = time.perf_counter()
    layer = SemanticLayer(warehouse)
    built = time.perf_counter()
    print(f"warehouse: {warehouse} ({warehouse.stat().st_size / 2**20:.0f} MiB)")
    print(f"import semantic.layer (MetricFlow): {imported - started:.2f} s")
    print(f"SemanticLayer(...) (manifest, engine): {built - imported:.2f} s (once per process)")
    print()
    header = (
        f"{'query':<44} {'rows':>6} {'explain ms':>11} {'API ms':>9} {'cached ms':>10} "
        f"{'DuckDB ms':>10} {'API/DuckDB':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, (metrics, group_by) in QUERIES.items():
        layer.query(metrics, group_by)  # warm: file cache, MetricFlow's plan caches
        explain = _median(lambda m=metrics, g=group_by: _compile(layer, m, g), repeat)
        api = _median(lambda m=metrics, g=group_by: _compile_and_run(layer, m, g), repeat)
        cached = _median(lambda m=metrics, g=group_by: layer.query(m, g), repeat)
        sql = layer.explain(metrics, group_by)
        direct = _median(lambda s=sql: _run_in_duckdb(warehouse, s), repeat)
        rows = len(layer.query(metrics, group_by).frame)
        print(
            f"{name:<44} {rows:>6} {explain * 1e3:>11.1f} {api * 1e3:>9.1f} {cached * 1e3:>10.1f} "
            f"{direct * 1e3:>10.1f} {api / direct:>10.1f}x"
        )
    print(
        "\nexplain = MetricFlow compiling the request to SQL; API = SemanticLayer.query with that "
        "compilation (DuckDB opened read-only per query, Arrow to pandas); cached = the same "
        "query again (the layer keeps compiled plans); DuckDB = the same SQL alone on a fresh "
        f"read-only connection, to pandas. Medians of {repeat} runs."
    )
    return 0


def _compile(layer, metrics: list[str], group_by: list[str]) -> None:
    layer.clear_plan_cache()
    layer.explain(metrics, group_by)


def _compile_and_run(layer, metrics: list[str], group_by: list[str]) -> None:
    layer.clear_plan_cache()
    layer.query(metrics, group_by)


def _run_in_duckdb(warehouse: Path, sql: str) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.sql(sql).to_arrow_table().to_pandas()


def _median(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _publish_demo_company(work: Path) -> Path:
    """The demo company's export, loaded, built and published with the semantic layer."""
    sys.path.insert(0, str(ROOT / "tests" / "marts"))
    from marts_helpers import MAPPINGS, WITHOUT_FORECAST, export_simulator, load_files, run_dbt

    from orchestration.defs.publish.serving import publish_marts

    home = work / "warehouse"
    print(
        "Building the demo company's warehouse (export, load, dbt build, publish) ...", flush=True
    )
    export = export_simulator(work / "export", 7, "small", "2026-06-30")
    load_files(home, MAPPINGS / "salespulse_export.yml", base_dir=export)
    dbt_vars = {"enabled_sources": ["files"], "as_of_date": "2026-06-30"}
    run_dbt(home, "seed", dbt_vars=dbt_vars, work_dir=work)
    run_dbt(home, "run", *WITHOUT_FORECAST, dbt_vars=dbt_vars, work_dir=work)
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    marts = sorted(
        (node["schema"], node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["fqn"][1:2] == ["marts"]
        and node["config"].get("enabled", True)
        and "forecast" not in node["fqn"]
    )
    serving = home / "serving.duckdb"
    publish_marts(
        build_path=home / "build.duckdb",
        serving_path=serving,
        marts=marts,
        run_id="bench",
        semantic_manifest_json=(work / "target" / "semantic_manifest.json").read_text(),
    )
    return serving


if __name__ == "__main__":
    sys.exit(main())
