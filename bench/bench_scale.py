"""The nightly job at a company's size, beside DuckDB alone on the same data: the ratios of
issue 17 in one run.

    .venv/bin/python bench/bench_scale.py --size medium
    .venv/bin/python bench/bench_scale.py --size large --json bench_scale_large.json
    .venv/bin/python bench/bench_scale.py --size small --no-hubspot   # files path only
    .venv/bin/python bench/bench_scale.py --size large --no-hubspot --exports ~/bench_exports
    .venv/bin/python bench/bench_scale.py --size large --only-hubspot   # step 5 only

`--exports DIR` keeps the two exports in DIR/<size>/export and DIR/<size>/export_next and reuses
them on the next run (the large pair takes about 15 minutes to write on a 2-core machine); a
reused export is checked against its manifest (seed, size, as-of date, days advanced).

Steps, each in its own child process (its peak memory is its own; the machine may be shared, so
read the ratios of one run, never the seconds across runs):

1. the demo company at `--size` exported as CSV as of AS_OF, and again one day later;
2. the files step alone (extract, normalize, load) vs DuckDB reading the same files (the floor);
3. the nightly job through the files source (`salespulse run`, every step: load, dbt build and
   tests, forecast, checks, publish) vs the floor plus the equivalent core KPI SQL;
4. the nightly job one simulated day later on the same warehouse, vs the full run;
5. unless `--no-hubspot`: the nightly job through the demo HubSpot API (every record through
   the API client), then the intraday job an hour later, vs that nightly job, and the nightly
   job one simulated day later (the next day's nightly hour) on the same warehouse, vs the full
   HubSpot nightly: the product's incremental path, where only the changes are extracted.

Prints each step's wall and CPU seconds, peak memory and the ratios against issue 17's targets
(files step ≤ 2x the floor, nightly ≤ 3x, peak ≤ 2 GiB, intraday ≤ 10 % of nightly, one day
later ≤ 20 % of full), and under each job its Dagster steps' seconds (from the run's event
log: where a job's time went), and writes them as JSON with `--json`.
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
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from bench_files_import import (  # noqa: E402  (the script's folder is not a package)
    AS_OF,
    EXPORT_MAPPING,
    export_files,
    time_core_kpis,
    time_duckdb_floor,
    time_files_step,
)

SALESPULSE = str(Path(sys.executable).parent / "salespulse")
SEED = 42
TOKEN = "bench-scale-token"
GIB = 1024.0  # MB
TARGETS = {
    "files_step_vs_floor": 2.0,
    "nightly_vs_floor_and_kpis": 3.0,
    "intraday_share_of_nightly": 0.10,
    "one_day_later_share_of_full": 0.20,
}


def export(size: str, out: Path, advance_days: float = 0.0) -> Path:
    """The demo company at `size` as CSV files in `out`, as of AS_OF plus `advance_days`."""
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", str(SEED), "--scale", size, "--as-of", AS_OF, "--format", "csv"]
    command += ["--advance-days", str(advance_days)]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return out


def reused_or_exported(size: str, out: Path, advance_days: float = 0.0) -> Path:
    """The export in `out` if it is the one `export` would write (its manifest says so), else a
    fresh one there. A half-written export has no manifest yet (the simulator writes it last)."""
    manifest = out / "manifest.json"
    if manifest.exists():
        written = json.loads(manifest.read_text())
        expected_clock = dt.datetime.combine(
            dt.date.fromisoformat(AS_OF), dt.time.max, tzinfo=dt.UTC
        ) + dt.timedelta(days=advance_days)
        found = (written.get("seed"), written.get("scale"), written.get("clock"))
        wanted = (
            SEED,
            size,
            expected_clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        )
        if found == wanted:
            print(f"reusing the export in {out}", flush=True)
            return out
        print(f"{out} holds another export {found}, not {wanted}: exporting again", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    print(f"exporting the {size} demo company (+{advance_days:g} days) into {out} …", flush=True)
    return export(size, out, advance_days)


# Runs a command and reports the usage of its process tree: a fresh process per measurement, so
# the peak is this command's own (RUSAGE_CHILDREN's maxrss is the largest process it waited for,
# dbt and the forecast included).
_MEASURE = """
import json, resource, subprocess, sys, time
wall = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": time.perf_counter() - wall,
                  "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))
"""


def measured(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run a command to its end (its output in `log`): wall and CPU seconds of its whole
    process tree, and the peak RSS of its largest process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(log), *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.pop("code") != 0:
        raise RuntimeError(f"{' '.join(command)} failed; its output: {log}")
    return result


def dagster_step_seconds(dagster_home: Path) -> dict[str, float]:
    """Each step's seconds in the newest run of the Dagster instance at `dagster_home` (the
    `salespulse` command's instance: $SALESPULSE_HOME/dagster), from its event log."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from orchestration.progress import RunSummary

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        newest = instance.get_runs(limit=1)
        if not newest:
            return {}
        return RunSummary.from_event_log(instance, newest[0].run_id).step_seconds


def measured_run(env: dict[str, str], log: Path, *run_args: str) -> dict:
    """`salespulse run [run_args]` in the home of `env`, measured, with its Dagster steps'
    seconds."""
    result = measured([SALESPULSE, "run", *run_args], env, log)
    result["dagster_steps"] = dagster_step_seconds(Path(env["SALESPULSE_HOME"]) / "dagster")
    return result


def files_environment(home: Path, export_dir: Path, as_of: str) -> dict[str, str]:
    env = {**os.environ}
    env.pop("DAGSTER_HOME", None)
    return env | {
        "SALESPULSE_HOME": str(home),
        "SALESPULSE_SOURCES": "files",
        "SALESPULSE_AS_OF_DATE": as_of,
        "SOURCES__FILES__MAPPING_PATH": str(EXPORT_MAPPING),
        "SOURCES__FILES__BASE_DIR": str(export_dir),
    }


# The intraday job in an ephemeral instance; its steps' seconds go to the file argv[1] names.
_INTRADAY = """
import json, sys
from salespulse.settings import load_settings
load_settings().export()
from dagster import DagsterInstance
from orchestration.definitions import defs
from orchestration.defs.transformation.project import prepare_manifest
from orchestration.progress import RunSummary
prepare_manifest()
instance = DagsterInstance.ephemeral()
result = defs.resolve_job_def("intraday_refresh").execute_in_process(
    instance=instance, raise_on_error=False
)
steps = RunSummary.from_event_log(instance, result.run_id).step_seconds
open(sys.argv[1], "w").write(json.dumps(steps))
raise SystemExit(0 if result.success else 1)
"""


# The HubSpot runs happen during the as-of day, as scheduled runs do (the as-of date is today):
# the nightly job's data as of this hour, then an hourly intraday run, then the next day's nightly
# run at the same hour.
HUBSPOT_NIGHTLY_HOUR = 9


def hubspot_runs(size: str, work: Path) -> dict:
    """The nightly job through the demo HubSpot API, then the intraday job an hour later, both
    within the as-of day (data past the as-of day is not what either job ever sees), then the
    nightly job at the same hour of the next day, as of that day."""
    from simulator import generate_company
    from simulator.server import DemoApi

    as_of = dt.date.fromisoformat(AS_OF)
    company = generate_company(seed=SEED, scale=size, as_of=as_of).at(
        dt.datetime.combine(as_of, dt.time(HUBSPOT_NIGHTLY_HOUR), tzinfo=dt.UTC)
    )
    home = work / "hubspot_home"
    with DemoApi(company, token=TOKEN) as api:
        env = {**os.environ}
        env.pop("DAGSTER_HOME", None)
        env |= {
            "SALESPULSE_HOME": str(home),
            "SALESPULSE_SOURCES": "hubspot",
            "SALESPULSE_AS_OF_DATE": AS_OF,
            "SOURCES__HUBSPOT__BASE_URL": api.base_url,
            "SOURCES__HUBSPOT__ACCESS_TOKEN": TOKEN,
        }
        nightly = measured_run(env, work / "hubspot_nightly.log")
        api.advance(1 / 24)
        intraday_steps = work / "hubspot_intraday_steps.json"
        intraday = measured(
            [sys.executable, "-c", _INTRADAY, str(intraday_steps)],
            env,
            work / "hubspot_intraday.log",
        )
        intraday["dagster_steps"] = json.loads(intraday_steps.read_text())
        api.advance(23 / 24)
        env["SALESPULSE_AS_OF_DATE"] = (as_of + dt.timedelta(days=1)).isoformat()
        one_day_later = measured_run(env, work / "hubspot_one_day_later.log")
    return {
        "hubspot_nightly": nightly,
        "intraday": intraday,
        "hubspot_one_day_later": one_day_later,
    }


# Dagster steps shorter than this are left out of the printed breakdown (they stay in the JSON).
SHORTEST_STEP_SHOWN = 1.0  # seconds


def _line(label: str, step: dict) -> str:
    line = f"  {label:<44} {step['wall']:>8.1f} s  cpu {step['cpu']:>8.1f} s  peak {step['peak_mb']:>7,.0f} MB"
    shown = [
        f"{name} {seconds:.1f} s"
        for name, seconds in step.get("dagster_steps", {}).items()
        if seconds >= SHORTEST_STEP_SHOWN
    ]
    return line + ("\n    " + ", ".join(shown) if shown else "")


def _ratio(label: str, value: float, target_key: str, share: bool = False) -> str:
    target = TARGETS[target_key]
    shown = f"{value:.0%}" if share else f"{value:.2f}x"
    limit = f"{target:.0%}" if share else f"{target:.0f}x"
    verdict = "meets" if value <= target else "MISSES"
    return f"  {label:<44} {shown:>9}   target <= {limit}: {verdict}"


def files_runs(size: str, exports_dir: Path | None, work: Path, results: dict) -> dict:
    """Steps 1-4: the exports, the files step beside the floor, the nightly job and the nightly
    job one day later through the files source."""
    next_day = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=1)).isoformat()
    exports = exports_dir / size if exports_dir else work
    today = reused_or_exported(size, exports / "export")
    tomorrow = reused_or_exported(size, exports / "export_next", advance_days=1)
    files = export_files(today)
    results["export_mb"] = sum(path.stat().st_size for path in files) / 1e6
    steps = {}
    steps["files_step"] = time_files_step(EXPORT_MAPPING, today, work / "files_home")
    steps["duckdb_floor"] = time_duckdb_floor(files, work / "floor.duckdb")
    steps["core_kpi_sql"] = time_core_kpis(work / "floor.duckdb")
    home = work / "home"
    steps["nightly"] = measured_run(files_environment(home, today, AS_OF), work / "nightly.log")
    steps["one_day_later"] = measured_run(
        files_environment(home, tomorrow, next_day), work / "one_day_later.log"
    )
    return steps


def ratios_of(steps: dict) -> dict:
    ratios = {}
    if "files_step" in steps:
        floor = steps["duckdb_floor"]
        floor_and_kpis = {key: floor[key] + steps["core_kpi_sql"][key] for key in ("wall", "cpu")}
        ratios = {
            "files_step_vs_floor": steps["files_step"]["wall"] / floor["wall"],
            "files_step_vs_floor_cpu": steps["files_step"]["cpu"] / floor["cpu"],
            "nightly_vs_floor_and_kpis": steps["nightly"]["wall"] / floor_and_kpis["wall"],
            "nightly_vs_floor_and_kpis_cpu": steps["nightly"]["cpu"] / floor_and_kpis["cpu"],
            "one_day_later_share_of_full": steps["one_day_later"]["wall"]
            / steps["nightly"]["wall"],
        }
        dagster_steps = steps["one_day_later"].get("dagster_steps", {})
        if {"files", "serving__warehouse"} <= dagster_steps.keys():
            # Two steps whose work does not shrink with the day's changes: a full export is
            # read whole, and the publish writes every mart into a new serving file and Parquet.
            ratios["one_day_later_files_and_publish_share_of_full"] = (
                dagster_steps["files"] + dagster_steps["serving__warehouse"]
            ) / steps["nightly"]["wall"]
    if "intraday" in steps:
        ratios["intraday_share_of_nightly"] = (
            steps["intraday"]["wall"] / steps["hubspot_nightly"]["wall"]
        )
        ratios["hubspot_one_day_later_share_of_full"] = (
            steps["hubspot_one_day_later"]["wall"] / steps["hubspot_nightly"]["wall"]
        )
    return ratios


def report(size: str, results: dict) -> None:
    steps, ratios, peak = results["steps"], results["ratios"], results["peak_mb"]
    if "files_step" in steps:
        floor = steps["duckdb_floor"]
        print(
            f"\nbench_scale --size {size}: {floor['rows']:,} rows, "
            f"{results['export_mb']:,.0f} MB of CSV, {results['machine']}"
        )
        print(_line("files step (extract+normalize+load)", steps["files_step"]))
        print(_line("DuckDB reading the same files (floor)", floor))
        print(_line("core KPI SQL on the floor's tables", steps["core_kpi_sql"]))
        print(_line("nightly job, files source", steps["nightly"]))
        print(_line("nightly job, one simulated day later", steps["one_day_later"]))
    else:
        print(f"\nbench_scale --size {size} --only-hubspot: {results['machine']}")
    if "intraday" in steps:
        print(_line("nightly job, HubSpot API", steps["hubspot_nightly"]))
        print(_line("intraday job, an hour later", steps["intraday"]))
        print(_line("nightly job, HubSpot, one day later", steps["hubspot_one_day_later"]))
    print("ratios:")
    if "files_step_vs_floor" in ratios:
        print(
            _ratio(
                "files step / floor (wall)", ratios["files_step_vs_floor"], "files_step_vs_floor"
            )
        )
        print(
            _ratio(
                "nightly / (floor + KPI SQL) (wall)",
                ratios["nightly_vs_floor_and_kpis"],
                "nightly_vs_floor_and_kpis",
            )
        )
        print(
            f"  {'nightly / (floor + KPI SQL) (cpu)':<44} {ratios['nightly_vs_floor_and_kpis_cpu']:>8.2f}x"
        )
        print(
            _ratio(
                "one day later / full nightly",
                ratios["one_day_later_share_of_full"],
                "one_day_later_share_of_full",
                share=True,
            )
        )
    if "one_day_later_files_and_publish_share_of_full" in ratios:
        share = ratios["one_day_later_files_and_publish_share_of_full"]
        print(f"  {'  of which the files step and the publish':<44} {share:>9.0%}")
    if "intraday_share_of_nightly" in ratios:
        print(
            _ratio(
                "intraday / HubSpot nightly",
                ratios["intraday_share_of_nightly"],
                "intraday_share_of_nightly",
                share=True,
            )
        )
        print(
            _ratio(
                "HubSpot one day later / HubSpot nightly",
                ratios["hubspot_one_day_later_share_of_full"],
                "one_day_later_share_of_full",
                share=True,
            )
        )
    verdict = "meets" if peak <= 2 * GIB else "MISSES"
    print(f"  {'peak memory of any process':<44} {peak:>7,.0f} MB   target <= 2,048 MB: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "medium", "large"])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-hubspot", action="store_true", help="skip the HubSpot API runs")
    which.add_argument(
        "--only-hubspot",
        action="store_true",
        help="only the HubSpot API runs (step 5): the nightly, intraday and next nightly jobs",
    )
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--exports",
        type=Path,
        help="keep the exports in this folder and reuse them on later runs (checked by manifest)",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix=f"bench_scale_{args.size}_"))
    results: dict = {"size": args.size, "machine": f"{os.cpu_count()} cores", "steps": {}}
    steps = results["steps"]
    try:
        if not args.only_hubspot:
            steps |= files_runs(args.size, args.exports, work, results)
        if not args.no_hubspot:
            steps |= hubspot_runs(args.size, work)
        results["ratios"] = ratios_of(steps)
        results["peak_mb"] = max(
            step.get("peak_mb", 0) for name, step in steps.items() if name != "duckdb_floor"
        )
        report(args.size, results)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
