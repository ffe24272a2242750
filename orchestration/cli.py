"""`salespulse`: the front door. Runs the nightly refresh, one source, the demo company, or
reports what is published. Every command exits non-zero with a one-line reason on failure."""

import argparse
import contextlib
import logging
import os
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from importlib.metadata import version
from pathlib import Path

from dashboard.command import add_dashboard_command
from orchestration.child_processes import end_child_processes, running_children
from orchestration.settings import NIGHTLY_JOB
from salespulse.settings import HOME_SETTINGS_FILE, KNOWN_SOURCES, Settings, load_settings

DEMO_COMMANDS = ("demo-api", "simulate")
# The demo company's named sizes (simulator/scales.py; production code never imports the
# simulator, and a test keeps the two lists equal).
DEMO_SCALES = ("tiny", "small", "medium", "large")
DEMO_DEFAULT_SCALE = "small"
# Warehouse files hold contact names and e-mails, logs hold what dbt and dlt printed: everything
# the command and its children (dbt, DuckDB, dlt) create is readable by its owner only.
OWNER_ONLY_UMASK = 0o077


class CommandError(RuntimeError):
    """A command cannot do what was asked; the message says why and what to do."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The demo company's own commands live with the simulator, which production code never imports.
    if argv and argv[0] in DEMO_COMMANDS:
        return _delegate_to_simulator(argv)
    args = _parser().parse_args(argv)
    args.command_line = "salespulse " + shlex.join(argv)
    previous_umask = os.umask(OWNER_ONLY_UMASK)
    # A SIGTERM (a service manager, `kill`) stops the command as Ctrl-C does, so that the steps
    # and the demo company end cleanly instead of being cut off with their children running.
    previous_sigterm = signal.signal(signal.SIGTERM, signal.default_int_handler)
    already_running = running_children()
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("salespulse: interrupted; serving is unchanged", file=sys.stderr)
        return 130
    except Exception as error:  # the operator gets one line; the event log keeps the detail
        print(f"salespulse: {error}", file=sys.stderr)
        return 1
    finally:
        end_child_processes(already_running)
        signal.signal(signal.SIGTERM, previous_sigterm)
        os.umask(previous_umask)


def console_script() -> None:
    """`salespulse` as installed (pyproject.toml). After `run`, the process ends without the
    interpreter's teardown: by then the command has ended its children, released the run lock
    and closed its warehouse connections and log files, and tearing down the objects of a whole
    run (Dagster, dbt, dlt, pandas: ~700 MB) frees only memory the OS frees anyway, for 2-3 s
    after the closing report."""
    code = main()
    if sys.argv[1:2] == ["run"]:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="salespulse", description=__doc__)
    parser.add_argument(
        "--version", action="version", version=f"salespulse {version('salespulse')}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="the nightly refresh: ingest, build, check, publish",
        description="The nightly refresh, through the same Dagster job the schedule runs.",
        formatter_class=formatter,
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="run against the bundled demo company, in its own warehouse home "
        "(warehouse/demo/ unless SALESPULSE_HOME is set)",
    )
    run.add_argument(
        "--scale",
        "--demo-scale",
        dest="demo_scale",
        default=None,
        choices=DEMO_SCALES,
        help=f"size of the demo company, with --demo (default: {DEMO_DEFAULT_SCALE}): tiny (12 reps) for a quick look, small "
        "(20 reps), medium (100 reps), large (1,000 reps, about 20 million records)",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload raw tables and rebuild incremental models from scratch",
    )
    run.add_argument(
        "--wait",
        action="store_true",
        help="if another run or ingest is working on the warehouse, wait for it instead of "
        "refusing",
    )
    run.set_defaults(handler=_run)

    ingest = commands.add_parser(
        "ingest",
        help="load one source into the build warehouse",
        description="Load one source into the build warehouse, without building the marts.",
        formatter_class=formatter,
    )
    ingest.add_argument("source", choices=KNOWN_SOURCES, help="the source to load")
    ingest.add_argument(
        "--mapping",
        metavar="FILE",
        help="the files source's mapping (None: sources.files.mapping_path from .dlt/ or "
        "SOURCES__FILES__MAPPING_PATH)",
    )
    ingest.add_argument(
        "--wait",
        action="store_true",
        help="if a run or ingest is working on the warehouse, wait for it instead of refusing",
    )
    ingest.add_argument(
        "--replace-dataset",
        action="store_true",
        help="files only: drop what the files source loaded before (another dataset), then load",
    )
    ingest.set_defaults(handler=_ingest)

    status = commands.add_parser(
        "status",
        help="what is published and how the last run went",
        description="What is published, as of when, and the state of the last run (reads only).",
        formatter_class=formatter,
    )
    status.set_defaults(handler=_status)

    add_dashboard_command(commands)

    from briefings.command import add_digest_command  # `salespulse digest`: a team's week

    add_digest_command(commands)

    from semantic.cli import add_metrics_command  # `salespulse metrics`: the semantic layer

    add_metrics_command(commands)

    for name in DEMO_COMMANDS:
        commands.add_parser(
            name,
            help={
                "demo-api": "serve the demo company's APIs (see: salespulse demo-api --help)",
                "simulate": "write the demo company as files (see: salespulse simulate --help)",
            }[name],
        )
    return parser


def warn_if_secrets_are_readable_by_others(project_dir: Path | None = None) -> str | None:
    """dlt's secrets file holds API tokens: a copy readable by other users is reported (with
    the fix), as ssh does with a private key. Returns the warning, or None."""
    folder = project_dir or Path(os.environ.get("DLT_PROJECT_DIR") or Path.cwd())
    secrets = folder / ".dlt" / "secrets.toml"
    if not secrets.exists() or secrets.stat().st_mode & 0o077 == 0:
        return None
    warning = (
        f"salespulse: warning: {secrets} holds tokens and is readable by other users; "
        f"make it yours alone: chmod 600 {secrets}"
    )
    print(warning, file=sys.stderr, flush=True)
    return warning


def _run(args: argparse.Namespace) -> int:
    from orchestration.dagster_home import ensure_dagster_home
    from orchestration.demo_company import (
        claim_demo_home,
        demo_company_changes,
        running_demo_company,
    )
    from orchestration.run_lock import exclusive_run

    if args.demo_scale and not args.demo:
        raise CommandError("--scale sizes the demo company: use it with --demo")
    settings = load_settings(demo=args.demo)
    settings.export()
    warn_if_secrets_are_readable_by_others()
    log_path = _new_log_path(settings.logs_dir, NIGHTLY_JOB)
    with exclusive_run(settings.home, args.command_line, log_path=log_path, wait=args.wait):
        full_refresh = args.full_refresh
        scale = args.demo_scale or DEMO_DEFAULT_SCALE
        if settings.demo:
            claim_demo_home(settings)
            if previous := demo_company_changes(settings, scale=scale):
                print(f"This demo home holds {previous}: reloading it all", flush=True)
                full_refresh = True
        ensure_dagster_home(settings)
        print(f"SalesPulse nightly refresh: {settings.describe()}", flush=True)
        started = time.monotonic()
        demo = running_demo_company(settings, scale=scale) if settings.demo else None
        with demo or nullcontext() as demo_url:
            if demo_url:
                print(f"Demo company serving on {demo_url}", flush=True)
            from orchestration.defs.transformation.project import prepare_manifest

            prepare_manifest(
                on_parse=lambda: print(
                    "Parsing the dbt project (first run, or it changed) …", flush=True
                )
            )
            summary = _execute_nightly_job(settings, full_refresh, log_path)
    from orchestration.run_report import report_run

    return report_run(settings, summary, time.monotonic() - started, log_path)


def _new_log_path(logs_dir: Path, job: str) -> Path:
    """A log file of its own for each command: time, then pid (two commands started in the same
    second never share one)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    return logs_dir / f"{job}-{stamp}-{os.getpid()}.log"


def _create_log(log_path: Path) -> Path:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(100):
        candidate = log_path if not attempt else log_path.with_stem(f"{log_path.stem}-{attempt}")
        try:
            candidate.open("x").close()
            return candidate
        except FileExistsError:
            continue
    raise CommandError(f"could not create a log file beside {log_path}")


def _execute_nightly_job(settings: Settings, full_refresh: bool, log_path: Path):
    from orchestration.dagster_home import command_instance
    from orchestration.definitions import defs
    from orchestration.defs.automation.alerts import ALERTED_BY_COMMAND_TAG
    from orchestration.progress import RunSummary
    from orchestration.settings import FULL_REFRESH_TAG
    from orchestration.stale_runs import fail_runs_of_dead_processes, runner_tags

    job = defs.resolve_job_def(NIGHTLY_JOB)
    instance = command_instance()
    for run_id in fail_runs_of_dead_processes(instance):
        print(f"Run {run_id[:8]} was interrupted earlier; marked failed, resuming", flush=True)
    run_config = {"loggers": {"progress": {}}}
    tags = {
        FULL_REFRESH_TAG: str(full_refresh).lower(),
        ALERTED_BY_COMMAND_TAG: "true",
        **runner_tags(),
    }
    # dbt and dlt print their own detailed logs to stdout; keep them in a file, show progress.
    log_path = _create_log(log_path)
    print(f"Running {NIGHTLY_JOB} (detailed log: {log_path})", flush=True)
    with open(log_path, "a") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance, run_config=run_config, tags=tags, raise_on_error=False
        )
    return RunSummary.from_event_log(instance, result.run_id)


def _ingest(args: argparse.Namespace) -> int:
    from ingestion.configuration import dlt_configuration
    from ingestion.pipelines import run_source
    from orchestration.load_report import format_rows, rows_in_warehouse, set_aside_note
    from orchestration.run_lock import exclusive_run

    if args.mapping and args.source != "files":
        raise CommandError("--mapping applies to the files source only")
    settings = load_settings()
    if settings.demo:
        raise CommandError(
            f"{settings.home} is the demo's warehouse (its {HOME_SETTINGS_FILE} says demo = "
            "true); loading a source into it would mix your data with the demo company's. "
            "Unset SALESPULSE_HOME (the default is warehouse/) or point it at your own warehouse"
        )
    settings.export()
    warn_if_secrets_are_readable_by_others()
    overrides = {}
    if args.mapping:
        overrides["SOURCES__FILES__MAPPING_PATH"] = str(Path(args.mapping).resolve())
    if args.replace_dataset and args.source != "files":
        raise CommandError("--replace-dataset applies to the files source only")
    with (
        exclusive_run(settings.home, args.command_line, wait=args.wait),
        dlt_configuration(overrides),
    ):
        where = settings.build_path if settings.warehouse == "duckdb" else settings.describe()
        print(f"Loading {args.source} into {where} …", flush=True)
        load_info = run_source(args.source, replace_dataset=args.replace_dataset)
    rows = rows_in_warehouse(settings, [args.source], load_ids=list(load_info.loads_ids))
    note = set_aside_note(rows)
    print(f"Loaded {args.source}" + (f", with rows set aside: {note}" if note else ""))
    for line in format_rows(rows):
        print(line)
    return 0


def _status(args: argparse.Namespace) -> int:
    from ingestion.warehouse import published_warehouse
    from orchestration.dagster_home import dagster_home
    from orchestration.serving_report import read_publication

    settings = load_settings()
    if not settings.home.is_dir():
        raise CommandError(
            f"no warehouse at {settings.home}: run `salespulse run` first, or set SALESPULSE_HOME"
        )
    with published_warehouse() as serving:
        publication = read_publication(serving) if serving is not None else []
        where = serving.where if serving is not None else _serving_place(settings)
        prefix = serving.schema_prefix if serving is not None else ""
    if publication:
        published_at, run_id = publication[0][0], publication[0][1]
        print(f"Published: {where}\n  as of {published_at:%Y-%m-%d %H:%M %Z} by run {run_id}")
        for _, _, schema, table, rows in publication:
            print(f"  {prefix}{schema}.{table}: {rows:,} rows")
    else:
        print(f"Nothing published yet in {where}")
    instance_dir = dagster_home(settings)
    if not (instance_dir / "dagster.yaml").exists():
        print("No run yet")
        return 0
    return _print_last_run(instance_dir)


def _serving_place(settings: Settings) -> str:
    if settings.warehouse == "postgres":
        return settings.postgres().where
    return str(settings.serving_path)


def _print_last_run(instance_dir: Path) -> int:
    from dagster import DagsterInstance

    from orchestration.progress import RunSummary

    with DagsterInstance.from_config(str(instance_dir)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            print("No run yet")
            return 0
        run = runs[0]
        summary = RunSummary.from_event_log(instance, run.run_id)
    print(f"Last run: {run.job_name} {run.run_id[:8]} {run.status.value}")
    from orchestration.run_report import split_kpi_alerts

    checks_failed, alerts_open = split_kpi_alerts(summary.checks_failed)
    print(f"  checks: {summary.checks_passed} passed, {len(checks_failed)} failed")
    for step, cause in summary.failed_steps.items():
        print(f"  failed step {step}: {cause.splitlines()[0]}")
    for check in checks_failed:
        print(f"  failed check {check}")
    for check in alerts_open:
        print(f"  KPI alert breached {check}")
    return 0


def _delegate_to_simulator(argv: list[str]) -> int:
    from simulator.cli import main as simulator_main

    return simulator_main(argv, prog="salespulse")


if __name__ == "__main__":
    console_script()
