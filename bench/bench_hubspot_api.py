"""What the hubspot source costs against the demo company: records/s, requests/s and peak
memory of a full load, and the requests of an incremental load after the company moved a day.

    .venv/bin/python bench/bench_hubspot_api.py                              # small, no limit
    .venv/bin/python bench/bench_hubspot_api.py --scales small medium --rate-limit 190
    .venv/bin/python bench/bench_hubspot_api.py --scales large --rate-limit 0 --workers 8

The demo API runs in its own process (`python -m simulator demo-api`), enforcing HubSpot's
burst limit when `--rate-limit N` is given (N requests in any 10 seconds, 429 beyond; the
search endpoints `--search-rate-limit` a second), so the figures are the loader's alone: each
scale loads in a fresh process, whose peak resident memory is reported. records/s is over the
whole load (extract, normalize, load); req/s over the extract step, when requests are made;
"limit use" is that rate over the limit's: 100 % means the client kept the API at its limit,
the most any client can do. An incremental load should cost requests in proportion to
what changed, not to what exists.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "bench-token"
AS_OF = "2026-06-30"


def _serve(scale: str, rate_limit: int, search_rate_limit: int) -> tuple[subprocess.Popen, str]:
    """The demo company in its own process; returns it and its base URL once it listens."""
    command = [sys.executable, "-m", "simulator", "demo-api", "--scale", scale, "--seed", "42",
               "--as-of", AS_OF, "--token", TOKEN, "--rate-limit", str(rate_limit),
               "--search-rate-limit", str(search_rate_limit)]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline() if server.stdout else ""
    if "listening on" not in line:
        server.kill()
        raise RuntimeError(f"the demo API did not start: {line!r}")
    return server, line.rsplit(" ", 1)[-1].strip()


def _counted_requests() -> list[int]:
    """Counts every request the hubspot client makes (retries inside dlt's session aside)."""
    from ingestion.sources.hubspot import client

    count = [0]
    request = client.HubSpotClient._request

    def counting(self, *args, **kwargs):
        count[0] += 1
        return request(self, *args, **kwargs)

    client.HubSpotClient._request = counting
    return count


def _load() -> tuple[float, int, dict[str, float]]:
    """(seconds, records loaded into the object, owner and pipeline tables, seconds of each
    dlt step) of one load."""
    from ingestion.pipelines import build_pipeline, run_source

    started = time.perf_counter()
    run_source("hubspot")
    seconds = time.perf_counter() - started
    trace = build_pipeline("hubspot").last_trace
    counts = trace.last_normalize_info.row_counts
    side = ("_dlt", "load_accounting", "quarantine")
    records = sum(n for t, n in counts.items() if "__" not in t and not t.startswith(side))
    steps = {
        step.step: (step.finished_at - step.started_at).total_seconds()
        for step in trace.steps
        if step.step in ("extract", "normalize", "load")
    }
    return seconds, records, steps


def one_scale(scale: str, rate_limit: int, search_rate_limit: int, workers: int) -> dict:
    """Runs in a fresh process: a full load, a day passes, an incremental load."""
    server, base_url = _serve(scale, rate_limit, search_rate_limit)
    try:
        with tempfile.TemporaryDirectory() as home:
            os.environ.update(
                SALESPULSE_HOME=home,
                SOURCES__HUBSPOT__BASE_URL=base_url,
                SOURCES__HUBSPOT__ACCESS_TOKEN=TOKEN,
                EXTRACT__WORKERS=str(workers),
            )
            count = _counted_requests()
            full_s, full_records, steps = _load()
            full_requests = count[0]
            headers = {"Authorization": f"Bearer {TOKEN}"}
            requests.post(f"{base_url}/_simulator/advance?days=1", headers=headers, timeout=600)
            incr_s, incr_records, _ = _load()
            incr_requests = count[0] - full_requests
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {
        "scale": scale,
        "rate_limit_per_10s": rate_limit,
        "workers": workers,
        "full_s": round(full_s, 1),
        "records": full_records,
        "requests": full_requests,
        "records_per_s": round(full_records / full_s),
        # Requests are made while extracting: their rate is over the extract step.
        "requests_per_s": round(full_requests / steps["extract"], 1),
        **{f"{step}_s": round(seconds, 1) for step, seconds in steps.items()},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "incr_s": round(incr_s, 1),
        "incr_records": incr_records,
        "incr_requests": incr_requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["small"])
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per 10 s; 0: none")
    parser.add_argument("--search-rate-limit", type=int, default=0, help="search requests/s")
    parser.add_argument("--workers", type=int, default=5, help="dlt extract workers")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = one_scale(args.one, args.rate_limit, args.search_rate_limit, args.workers)
        print(json.dumps(result))
        return
    print(
        f"{'scale':<8}{'records':>11}{'requests':>10}{'full s':>9}{'records/s':>11}"
        f"{'req/s':>8}{'limit use':>11}{'extract':>9}{'normal.':>9}{'load':>7}{'peak MiB':>10}"
        f"{'incr s':>8}{'incr req':>10}{'incr records':>14}"
    )
    results = []
    for scale in args.scales:
        command = [sys.executable, __file__, "--one", scale, "--rate-limit", str(args.rate_limit),
                   "--search-rate-limit", str(args.search_rate_limit),
                   "--workers", str(args.workers)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(r)
        limit_use = (
            f"{r['requests_per_s'] / (args.rate_limit / 10):>10.0%}" if args.rate_limit else "-"
        )
        print(
            f"{r['scale']:<8}{r['records']:>11,}{r['requests']:>10,}{r['full_s']:>9.1f}"
            f"{r['records_per_s']:>11,}{r['requests_per_s']:>8.1f}{limit_use:>11}"
            f"{r['extract_s']:>9.1f}{r['normalize_s']:>9.1f}{r['load_s']:>7.1f}"
            f"{r['peak_rss_mib']:>10,}{r['incr_s']:>8.1f}{r['incr_requests']:>10,}"
            f"{r['incr_records']:>14,}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
