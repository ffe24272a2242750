"""The nightly dbt step one simulated day later (incremental) beside a full build, per model.

The demo company at `--size` is exported as of AS_OF and one day later (or `--export DIR
--export-next DIR`), loaded through the files source (`salespulse ingest files`), and built with
the nightly's dbt step (`dbt build`, no unit tests, no forecast): once from scratch
(`--full-refresh`), then, after the next day is loaded, incrementally as of the next day. Then
the same `dbt build --full-refresh` of that next day, for the paired figure. Prints the wall
time of each dbt invocation, the share the incremental one takes of the full one, and the models
that take the most time (dbt's run_results.json).

The next day is loaded as a CRM's incremental feed delivers it: only the rows of the next day's
export that are new or changed (SOURCES__FILES__EXPORT=incremental). `--full-export` loads the
whole next-day export instead: the files source then stamps every row with the new load, so
every record counts as reloaded and the incremental models rebuild nearly everything.

    .venv/bin/python bench/bench_incremental_dbt.py --size medium
    .venv/bin/python bench/bench_incremental_dbt.py --size medium --project-dir /tmp/old/dbt_project

`--project-dir` builds another copy of the dbt project (say, main's) on the same data, to
compare before and after a change. Timing is never asserted (the machine may be shared): read
the ratio of one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from bench_files_import import AS_OF, EXPORT_MAPPING  # noqa: E402
from bench_scale import export  # noqa: E402

from orchestration.defs.transformation.threads import dbt_threads  # noqa: E402
from simulator.exports import write_delta  # noqa: E402

BIN = Path(sys.executable).parent
NEXT_DAY = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=1)).isoformat()


def _environment(home: Path, export_dir: Path, kind: str = "full") -> dict[str, str]:
    env = {**os.environ}
    env.pop("DAGSTER_HOME", None)
    return env | {
        "SALESPULSE_HOME": str(home),
        "SALESPULSE_SOURCES": "files",
        "SOURCES__FILES__MAPPING_PATH": str(EXPORT_MAPPING),
        "SOURCES__FILES__BASE_DIR": str(export_dir),
        "SOURCES__FILES__EXPORT": kind,
    }


def ingest(home: Path, export_dir: Path, kind: str = "full") -> None:
    command = [str(BIN / "salespulse"), "ingest", "files"]
    env = _environment(home, export_dir, kind)
    subprocess.run(command, env=env, check=True, capture_output=True)


def dbt_build(home: Path, project: Path, as_of: str, work: Path, *extra: str) -> dict:
    """One `dbt build` as the nightly's dbt step: its wall seconds and each model's seconds."""
    from salespulse.settings import load_settings

    dbt_vars = {"enabled_sources": ["files"], "as_of_date": as_of}
    command = [str(BIN / "dbt"), "build", "--exclude-resource-type", "unit_test"]
    command += ["--exclude", "tag:forecast+", "--vars", json.dumps(dbt_vars), *extra]
    command += ["--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    env = _environment(home, home)
    settings = load_settings(env)
    settings.export(env)
    # The nightly's dbt step builds a warehouse larger than DuckDB's memory limit one model at a
    # time (four threads ran out of memory at the large size): choose as it does.
    threads = dbt_threads(settings)
    if threads is not None:
        command += ["--threads", str(threads)]
    wall = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-4000:])
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    models = {
        row["unique_id"].split(".")[-1]: row["execution_time"]
        for row in results
        if row["unique_id"].startswith("model.")
    }
    tests = sum(row["execution_time"] for row in results if row["unique_id"].startswith("test."))
    return {"wall": wall, "models": models, "model_seconds": sum(models.values()), "tests": tests}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--export", type=Path, help="an export as of AS_OF (else made)")
    parser.add_argument("--export-next", type=Path, help="the same company a day later")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT / "dbt_project")
    parser.add_argument("--full-export", action="store_true", help="load the next day whole")
    parser.add_argument("--top", type=int, default=8, help="how many models to list")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix=f"bench_incremental_{args.size}_"))
    try:
        today = args.export or export(args.size, work / "export")
        tomorrow = args.export_next or export(args.size, work / "export_next", advance_days=1)
        home = work / "home"
        ingest(home, today)
        full = dbt_build(home, args.project_dir, AS_OF, work / "full", "--full-refresh")
        if args.full_export:
            ingest(home, tomorrow)
        else:
            changed = write_delta(today, tomorrow, work / "delta")
            print(f"next day's changes: {sum(changed.values()):,} rows", flush=True)
            ingest(home, work / "delta", "incremental")
        later = dbt_build(home, args.project_dir, NEXT_DAY, work / "later")
        full_later = dbt_build(
            home, args.project_dir, NEXT_DAY, work / "full_later", "--full-refresh"
        )
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    loaded = "whole next-day export" if args.full_export else "next day's changes only"
    print(f"\nbench_incremental_dbt --size {args.size}: {loaded}; {args.project_dir}")
    print(f"  {os.cpu_count()} cores")
    for label, run in (
        ("full build, as of " + AS_OF, full),
        ("one day later, incremental", later),
        ("one day later, --full-refresh", full_later),
    ):
        print(
            f"  {label:<34} dbt build {run['wall']:6.1f} s wall; "
            f"models {run['model_seconds']:6.1f} s, tests {run['tests']:5.1f} s"
        )
    share = later["wall"] / full_later["wall"]
    model_share = later["model_seconds"] / full_later["model_seconds"]
    print(f"  incremental / full refresh, same day: {share:.0%} wall, {model_share:.0%} model time")
    print("  slowest models (full refresh -> incremental, seconds):")
    slowest = sorted(full_later["models"], key=full_later["models"].get, reverse=True)
    for model in slowest[: args.top]:
        print(
            f"    {model:<34} {full_later['models'][model]:6.2f} -> {later['models'][model]:6.2f}"
        )
    print("  slowest one day later (incremental, seconds):")
    for model in sorted(later["models"], key=later["models"].get, reverse=True)[: args.top]:
        print(f"    {model:<34} {later['models'][model]:6.2f}")
    if args.json:
        figures = {"size": args.size, "full": full, "later": later, "full_later": full_later}
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
