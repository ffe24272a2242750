"""`salespulse`: the front door. Runs the nightly refresh, one source, the demo company, or
reports what is published. Every command exits non-zero with a one-line reason on failure."""

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from dashboard.command import OPEN_COMMAND, add_dashboard_command
from ingestion.warehouse import salespulse_home, serving_warehouse_path

NIGHTLY_JOB = "nightly_refresh"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The demo company's own commands live with the simulator, which production code never imports.
    if argv and argv[0] in ("demo-api", "simulate"):
        return _delegate_to_simulator(argv)
    args = _parser().parse_args(argv)
    # One absolute warehouse path for dlt, dbt and Dagster, whatever the working directory.
    os.environ["SALESPULSE_HOME"] = str(salespulse_home())
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("salespulse: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the operator gets one line; the event log keeps the detail
        print(f"salespulse: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salespulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="the nightly refresh: ingest, build, check, publish")
    run.add_argument("--demo", action="store_true", help="run against the bundled demo company")
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    run.set_defaults(handler=_run)

    ingest = commands.add_parser("ingest", help="load one source into the build warehouse")
    ingest.add_argument("source", choices=["hubspot", "typeform", "files"])
    ingest.add_argument(
        "--mapping",
        metavar="FILE",
        help="the files source's mapping (else sources.files.mapping_path from .dlt/ or env)",
    )
    ingest.add_argument(
        "--replace-dataset",
        action="store_true",
        help="files only: drop what the files source loaded before (another dataset), then load",
    )
    ingest.set_defaults(handler=_ingest)

    status = commands.add_parser("status", help="what is published and how the last run went")
    status.set_defaults(handler=_status)

    add_dashboard_command(commands)

    from briefings.command import add_digest_command  # `salespulse digest`: a team's week

    add_digest_command(commands)

    from semantic.cli import add_metrics_command  # `salespulse metrics`: the semantic layer

    add_metrics_command(commands)

    commands.add_parser(
        "demo-api", help="serve the demo company's APIs (see: salespulse demo-api --help)"
    )
    commands.add_parser(
        "simulate", help="write the demo company as files (see: salespulse simulate --help)"
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    from orchestration.dagster_home import ensure_dagster_home
    from orchestration.defs.transformation.project import prepare_manifest
    from orchestration.demo_company import running_demo_company

    ensure_dagster_home()
    print(f"SalesPulse nightly refresh, warehouse in {salespulse_home()}", flush=True)
    started = time.monotonic()
    with running_demo_company() if args.demo else nullcontext() as demo_url:
        if demo_url:
            print(f"Demo company serving on {demo_url}", flush=True)
        print("Parsing the dbt project …", flush=True)
        prepare_manifest()
        summary = _execute_nightly_job(full_refresh=args.full_refresh)
    _print_run_summary(summary, time.monotonic() - started)
    if not summary.succeeded:
        causes = [f"{step}: {cause}" for step, cause in summary.failed_steps.items()]
        causes += [f"check {check} failed" for check in summary.checks_failed]
        reason = "; ".join(causes) or "see the event log"
        print(f"salespulse: the refresh failed ({reason}); serving is unchanged", file=sys.stderr)
        return 1
    from orchestration.serving_report import kpi_summary

    print(f"\nServing warehouse: {serving_warehouse_path()} (open it read-only)")
    print(kpi_summary(serving_warehouse_path()))
    print(f"\nOpen the dashboard: {OPEN_COMMAND}")
    return 0


def _execute_nightly_job(full_refresh: bool):
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.progress import RunSummary
    from orchestration.settings import FULL_REFRESH_TAG
    from orchestration.stale_runs import fail_runs_of_dead_processes, runner_tags

    job = defs.resolve_job_def(NIGHTLY_JOB)
    instance = DagsterInstance.get()
    for run_id in fail_runs_of_dead_processes(instance):
        print(f"Run {run_id[:8]} was interrupted earlier; marked failed, resuming", flush=True)
    run_config = {"loggers": {"progress": {}}}
    tags = {FULL_REFRESH_TAG: str(full_refresh).lower(), **runner_tags()}
    # dbt and dlt print their own detailed logs to stdout; keep them in a file, show progress.
    log_path = salespulse_home() / "logs" / f"{NIGHTLY_JOB}-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"Running {NIGHTLY_JOB} (detailed log: {log_path})", flush=True)
    with open(log_path, "w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance, run_config=run_config, tags=tags, raise_on_error=False
        )
    return RunSummary.from_event_log(instance, result.run_id)


def _print_run_summary(summary, seconds: float) -> None:
    print(f"\nRun {'succeeded' if summary.succeeded else 'FAILED'} in {seconds:.0f}s")
    for step, step_seconds in summary.step_seconds.items():
        print(f"  {step:<40} {step_seconds:6.1f}s")
    print(f"  rows loaded: {summary.rows_loaded:,}")
    print(f"  checks: {summary.checks_passed} passed, {len(summary.checks_failed)} failed")
    for check in summary.checks_failed:
        print(f"    failed: {check}")


def _ingest(args: argparse.Namespace) -> int:
    from ingestion.pipelines import run_source

    if args.mapping:
        if args.source != "files":
            raise ValueError("--mapping applies to the files source only")
        os.environ["SOURCES__FILES__MAPPING_PATH"] = str(Path(args.mapping).resolve())
    if args.replace_dataset and args.source != "files":
        raise ValueError("--replace-dataset applies to the files source only")
    print(f"Loading {args.source} into {salespulse_home() / 'build.duckdb'} …", flush=True)
    print(run_source(args.source, replace_dataset=args.replace_dataset))
    return 0


def _status(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from orchestration.dagster_home import ensure_dagster_home
    from orchestration.progress import RunSummary
    from orchestration.serving_report import read_publication

    ensure_dagster_home()
    serving = serving_warehouse_path()
    if serving.exists():
        publication = read_publication(serving)
        published_at, run_id = publication[0][0], publication[0][1]
        print(f"Published: {serving}\n  as of {published_at:%Y-%m-%d %H:%M %Z} by run {run_id}")
        for _, _, schema, table, rows in publication:
            print(f"  {schema}.{table}: {rows:,} rows")
    else:
        print(f"Nothing published yet in {serving}")
    instance = DagsterInstance.get()
    runs = instance.get_runs(limit=1)
    if not runs:
        print("No run yet")
        return 0
    run = runs[0]
    summary = RunSummary.from_event_log(instance, run.run_id)
    print(f"Last run: {run.job_name} {run.run_id[:8]} {run.status.value}")
    print(f"  checks: {summary.checks_passed} passed, {len(summary.checks_failed)} failed")
    for step, cause in summary.failed_steps.items():
        print(f"  failed step {step}: {cause}")
    for check in summary.checks_failed:
        print(f"  failed check {check}")
    return 0


def _delegate_to_simulator(argv: list[str]) -> int:
    from simulator.cli import main as simulator_main

    return simulator_main(argv)


if __name__ == "__main__":
    sys.exit(main())
