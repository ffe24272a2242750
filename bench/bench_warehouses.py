"""The nightly job's load and build on each warehouse: DuckDB (a file) and PostgreSQL (a server).

The demo company's export (`--scale small medium ...`) is loaded through the files source by dlt
into a fresh warehouse (a new home for DuckDB; a new database for PostgreSQL), then `dbt build`
runs as the nightly job's dbt step does (models and data tests; no unit tests, no forecast).
Each step runs in a child process, as `salespulse run` would; the wall time of each is printed.
These two steps are the bulk of the nightly job; its checks, forecast and publish (which run on
both warehouses, tests/postgres) and Dagster's own overhead are not in these figures.

    DESTINATION__POSTGRES__CREDENTIALS=postgresql://user:pw@localhost:5432/postgres \\
        .venv/bin/python bench/bench_warehouses.py --scale small medium

The PostgreSQL user must be allowed to create databases (the bench drops its own after).
Without DESTINATION__POSTGRES__CREDENTIALS only DuckDB is timed. Timing is never asserted (the
machine may be shared): compare the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from salespulse.settings import POSTGRES_CREDENTIALS_ENV, PostgresConnection  # noqa: E402

AS_OF = "2026-06-30"
MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "salespulse_export.yml"
DBT_VARS = {"enabled_sources": ["files"], "as_of_date": AS_OF}
BENCH_DATABASE = "salespulse_bench"
LOAD = "from ingestion.pipelines import run_source; run_source('files')"


def export(scale: str, out: Path) -> Path:
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", "7", "--scale", scale, "--as-of", AS_OF, "--format", "csv"]
    subprocess.run([*command, "--multi-currency"], check=True, capture_output=True)
    return out


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise RuntimeError((result.stdout + result.stderr)[-4000:])
    return time.perf_counter() - started


def environment(home: Path, export_dir: Path, warehouse: str, url: str | None) -> dict[str, str]:
    from salespulse.settings import load_settings

    env = {name: value for name, value in os.environ.items() if name != POSTGRES_CREDENTIALS_ENV}
    env.update(
        SALESPULSE_HOME=str(home),
        SALESPULSE_WAREHOUSE=warehouse,
        SALESPULSE_SOURCES="files",
        SOURCES__FILES__MAPPING_PATH=str(MAPPING),
        SOURCES__FILES__BASE_DIR=str(export_dir),
    )
    if url:
        env[POSTGRES_CREDENTIALS_ENV] = url
    load_settings(env).export(env)  # what dbt's profile reads
    return env


def run_target(export_dir: Path, work: Path, warehouse: str, url: str | None) -> dict:
    env = environment(work / "warehouse", export_dir, warehouse, url)
    dbt = [str(Path(sys.executable).parent / "dbt"), "build"]
    dbt += ["--exclude-resource-type", "unit_test", "--exclude", "tag:forecast+"]
    dbt += ["--vars", json.dumps(DBT_VARS), "--project-dir", str(PROJECT_ROOT / "dbt_project")]
    dbt += ["--profiles-dir", str(PROJECT_ROOT / "dbt_project")]
    dbt += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    load = timed([sys.executable, "-c", LOAD], env)
    build = timed(dbt, env)
    return {"load": load, "build": build, "total": load + build}


def admin(server: PostgresConnection, sql: str) -> None:
    import psycopg2

    with closing(psycopg2.connect(**server.psycopg_kwargs())) as connection:
        connection.autocommit = True
        connection.cursor().execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", nargs="+", default=["small"])
    args = parser.parse_args()
    url = os.environ.get(POSTGRES_CREDENTIALS_ENV)
    server = PostgresConnection.from_url(url) if url else None
    print(f"{'scale':<8} {'warehouse':<10} {'load s':>8} {'dbt build s':>12} {'total s':>8}")
    for scale in args.scale:
        with tempfile.TemporaryDirectory(prefix="bench_warehouses_") as tmp:
            export_dir = export(scale, Path(tmp) / "export")
            targets = [("duckdb", None)]
            if server is not None:
                bench = server.model_copy(update={"database": BENCH_DATABASE})
                targets.append(("postgres", bench.url()))
            for warehouse, target_url in targets:
                if server is not None and warehouse == "postgres":
                    admin(server, f"drop database if exists {BENCH_DATABASE} with (force)")
                    admin(server, f"create database {BENCH_DATABASE}")
                try:
                    result = run_target(export_dir, Path(tmp) / warehouse, warehouse, target_url)
                finally:
                    if server is not None and warehouse == "postgres":
                        admin(server, f"drop database if exists {BENCH_DATABASE} with (force)")
                print(
                    f"{scale:<8} {warehouse:<10} {result['load']:>8.1f} {result['build']:>12.1f} "
                    f"{result['total']:>8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
