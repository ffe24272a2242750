"""Where the publish step's seconds go: `publish_marts` run on a home a nightly job left, with the
wall and CPU seconds of each phase (copying the marts into the new file with their audit, the
semantic layer, the publication log, the fsync, the Parquet export, the link switch).

    cp -a "$SALESPULSE_HOME" /tmp/publish-home     # it publishes into the home it is given
    /usr/bin/time -v .venv/bin/python bench/bench_publish.py --home /tmp/publish-home

It publishes what that home's last publish published from its build (the nightly job: every mart
and the alert state, with the semantic manifest that publish stored), as the publish asset calls
it (orchestration/defs/publish/assets.py), under SALESPULSE_DUCKDB_MEMORY_LIMIT (default 1GB).
Timing is never asserted (the machine may be shared): compare the two sides of a paired run.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration.defs.publish import serving  # noqa: E402

PHASES = (
    "_copy",
    "_publish_semantic_layer",
    "_write_publication_log",
    "_fsync",
    "_export_parquet",
    "_switch_link",
)


def last_publish(serving_path: Path) -> tuple[list[tuple[str, str]], str]:
    """(schema, table) of every table the last publish copied from its build, and the semantic
    manifest it stored; the saved queries' exports (reports.*) it wrote itself."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        (run_id,) = con.execute("select run_id from salespulse.data_as_of").fetchone()
        marts = con.execute(
            "select table_schema, table_name from salespulse.publications "
            "where run_id = ? and table_schema not in ('reports', 'salespulse') "
            "order by all",
            [run_id],
        ).fetchall()
        (manifest,) = con.execute("select * from salespulse.semantic_manifest").fetchone()
    return marts, manifest


def timed_phases() -> dict[str, list[float]]:
    """Wrap each phase of the publish module so its wall and CPU seconds add up per phase."""
    spent = {phase: [0.0, 0.0] for phase in PHASES}

    def timed(phase, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[phase][0] += time.perf_counter() - wall
                spent[phase][1] += time.process_time() - cpu

        return wrapper

    for phase in PHASES:
        setattr(serving, phase, timed(phase, getattr(serving, phase)))
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a copy of a SALESPULSE_HOME")
    args = parser.parse_args()
    serving_path = args.home / "serving.duckdb"
    marts, manifest = last_publish(serving_path)
    spent = timed_phases()
    wall, cpu = time.perf_counter(), time.process_time()
    published = serving.publish_marts(
        build_path=args.home / "build.duckdb",
        serving_path=serving_path,
        marts=marts,
        run_id=f"bench-publish-{time.time():.0f}",
        parquet_link=args.home / "parquet",
        semantic_manifest_json=manifest,
        memory_limit=os.environ.get("SALESPULSE_DUCKDB_MEMORY_LIMIT", "1GB"),
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = sum(table.row_count for table in published)
    print(f"publish_marts: {len(published)} tables, {rows:,} rows: {wall:.1f} s, {cpu:.1f} CPU-s")
    for phase, (phase_wall, phase_cpu) in spent.items():
        print(f"  {phase.strip('_'):<24} {phase_wall:6.1f} s {phase_cpu:6.1f} CPU-s")
    print(
        "serving file",
        f"{serving_path.stat().st_size / 1e9:.2f} GB;",
        "load average",
        os.getloadavg(),
    )


if __name__ == "__main__":
    main()
