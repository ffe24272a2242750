"""What the hubspot source costs against the demo company: requests and seconds for a full
load, and for an incremental load after the company moved one day forward.

    python bench/bench_hubspot_api.py [--scales small medium] [--days 1]

An incremental load should cost requests in proportion to what changed, not to what exists:
the last columns print both and their ratio.
"""

import argparse
import datetime as dt
import os
import tempfile
import time

import duckdb

TOKEN = "bench-token"


def _load(pipeline_name: str = "hubspot") -> tuple[float, dict[str, int]]:
    from ingestion.pipelines import build_pipeline, run_source

    started = time.perf_counter()
    run_source(pipeline_name)
    seconds = time.perf_counter() - started
    counts = build_pipeline(pipeline_name).last_trace.last_normalize_info.row_counts
    return seconds, {t: n for t, n in counts.items() if not t.startswith("_dlt")}


def _records(home: str) -> int:
    with duckdb.connect(os.path.join(home, "build.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_hubspot' "
            "and table_name not like '%\\_\\_%' escape '\\' and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        return sum(
            con.execute(f"select count(*) from raw_hubspot.{name}").fetchone()[0]
            for (name,) in tables
        )


def bench(scale: str, days: float) -> dict:
    from simulator import generate_company
    from simulator.server import DemoApi

    company = generate_company(seed=42, scale=scale, as_of=dt.date(2026, 6, 30))
    with tempfile.TemporaryDirectory() as home, DemoApi(company, token=TOKEN) as api:
        os.environ.update(
            SALESPULSE_HOME=home,
            SOURCES__HUBSPOT__BASE_URL=api.base_url,
            SOURCES__HUBSPOT__ACCESS_TOKEN=TOKEN,
        )
        full_seconds, full_rows = _load()
        full_requests = api.request_count
        records = _records(home)
        api.advance(days)
        before = api.request_count
        incremental_seconds, incremental_rows = _load()
        incremental_requests = api.request_count - before
    return {
        "scale": scale,
        "records": records,
        "full_s": full_seconds,
        "full_requests": full_requests,
        "full_rows": sum(full_rows.values()),
        "incr_s": incremental_seconds,
        "incr_requests": incremental_requests,
        "incr_rows": sum(incremental_rows.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["small"])
    parser.add_argument("--days", type=float, default=1.0)
    args = parser.parse_args()
    header = (
        f"{'scale':<8}{'records':>10}{'full s':>9}{'full req':>10}{'rows/s':>9}"
        f"{'incr s':>9}{'incr req':>10}{'incr rows':>11}{'req ratio':>11}{'req/changed row':>17}"
    )
    print(header)
    for scale in args.scales:
        r = bench(scale, args.days)
        print(
            f"{r['scale']:<8}{r['records']:>10,}{r['full_s']:>9.1f}{r['full_requests']:>10,}"
            f"{r['full_rows'] / r['full_s']:>9,.0f}{r['incr_s']:>9.1f}{r['incr_requests']:>10,}"
            f"{r['incr_rows']:>11,}{r['full_requests'] / max(r['incr_requests'], 1):>10.1f}x"
            f"{r['incr_requests'] / max(r['incr_rows'], 1):>17.3f}"
        )


if __name__ == "__main__":
    main()
