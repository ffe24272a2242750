"""Every dbt model and seed as an asset, and every dbt data test as an asset check."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetMaterialization,
    Output,
)
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from orchestration.defs.transformation.parse_state import (
    FULL_PARSE_WARNING,
    freshest_parse_state,
    full_parse_reason,
    keep_parse_state,
    seed_parse_state,
)
from orchestration.defs.transformation.project import dbt_project, parse_state_beside_manifest
from orchestration.defs.transformation.threads import dbt_threads
from orchestration.defs.transformation.translator import SalesPulseDbtTranslator
from orchestration.progress import PROGRESS_MARK
from orchestration.run_day import as_of_day_in_environment, run_reporting_day
from orchestration.settings import BUILD_WAREHOUSE_POOL, dbt_vars, is_full_refresh
from salespulse.settings import current_settings

# How long dbt may take to stop after SIGINT before it is killed. dbt-duckdb cannot cancel a
# running query, so dbt mid-model often needs the kill; DuckDB's write-ahead log keeps the file
# consistent either way, and a killed process holds no lock.
DBT_STOP_SECONDS = 5
PROGRESS_EVERY_SECONDS = 10


# dbt reads it itself; set, the steps leave dbt's JSON artifacts to its choice.
WRITE_JSON_ENV = "DBT_WRITE_JSON"


def dbt_build_args(
    full_refresh: bool = False, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """`dbt build` as production runs it: unit tests belong to CI, not to the nightly run; as
    many models at once as the warehouse's memory allows (threads.py).

    Without dbt's JSON artifacts (`--no-write-json`), unless DBT_WRITE_JSON chooses: a step
    wrote the whole manifest twice (after its parse and again at its end), the semantic
    manifest twice, run_results.json and graph.gpickle, about 2 s of one core per step at any
    size, for files nothing reads. The asset graph's manifest comes from the project's own
    parse (project.py), each node's result and timing are in the step's events and its
    dbt.log, and dbt's parse state (partial_parse.msgpack) is written either way."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not environ.get(WRITE_JSON_ENV):
        args.append("--no-write-json")
    if full_refresh:
        args.append("--full-refresh")
    threads = dbt_threads(current_settings())
    if threads is not None:
        args += ["--threads", str(threads)]
    return [*args, "--vars", json.dumps(dbt_vars(), sort_keys=True)]


# The forecast models read what the forecast step writes, which reads the sales marts: two dbt
# steps, one on each side of the forecast, so the graph has no cycle between steps.
FORECAST_MODELS = "tag:forecast"


def stop_process(process: subprocess.Popen, grace_seconds: float = DBT_STOP_SECONDS) -> None:
    """End a child process that is still running: SIGINT (dbt cancels its queries and releases
    the warehouse), then SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def events_until_dbt_ends(invocation: DbtCliInvocation) -> Iterator[Any]:
    """dbt's events as Dagster events. However the step ends (a failed model, an event that
    could not be handled, an interrupted run), dbt's process ends with it: a dbt left running
    would hold the build warehouse's lock after the step, and after the command, has gone."""
    try:
        yield from invocation.stream()
    finally:
        stop_process(invocation.process)


class BuildProgress:
    """Counts the models (and seeds) and tests dbt has finished, for a progress line."""

    def __init__(self, models: int, tests: int) -> None:
        self.models, self.tests = models, tests
        self.models_done = self.tests_done = 0
        self._last_report: float | None = None  # the first event is reported at once

    def count(self, event: Any) -> None:
        if isinstance(event, Output | AssetMaterialization):
            self.models_done += 1
        elif isinstance(event, AssetCheckResult):
            self.tests_done += 1

    def due(self) -> bool:
        now = time.monotonic()
        if self._last_report is not None and now - self._last_report < PROGRESS_EVERY_SECONDS:
            return False
        self._last_report = now
        return True

    def line(self) -> str:
        return (
            f"{self.models_done} of {self.models} models done, "
            f"{self.tests_done} of {self.tests} tests"
        )


def with_progress(
    events: Iterable[Any], context: AssetExecutionContext, progress: BuildProgress
) -> Iterator[Any]:
    """Passes dbt's events on, logging how far the build is every few seconds."""
    for event in events:
        progress.count(event)
        if progress.due():
            context.log.info(f"{PROGRESS_MARK}{progress.line()}")
        yield event
    context.log.info(f"{PROGRESS_MARK}{progress.line()}")


def partial_parse_cache(home: Path) -> Path:
    """dbt's parse state for this warehouse and these settings (dbt checks it against the
    project files, the vars and the profile before it reuses any of it, and parses afresh when
    anything changed), so that a run's dbt steps and the next run's do not each parse the whole
    project again."""
    folder = Path(dbt_project.project_dir) / dbt_project.target_path
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:16]
    return folder / f"partial_parse-{digest}.msgpack"


# The target folders of the latest steps are kept for inspection (dbt.log, the compiled SQL).
KEPT_INVOCATIONS = 20


def invocation_target(context: AssetExecutionContext, cache: Path) -> Path:
    """A target folder of the step's own, seeded with the cached parse state; the folders of
    older steps beyond the latest few are removed."""
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:8]}-{uuid.uuid4().hex[:8]}"
    folder = cache.parent / "invocations"
    folder.mkdir(parents=True, exist_ok=True)
    older = sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in older[KEPT_INVOCATIONS:]:
        shutil.rmtree(old, ignore_errors=True)
    target = folder / name
    target.mkdir()
    # A new warehouse home has no state of its own yet, and a home's own predates a change to
    # the project: the manifest's parse (made by this run when the project changed, or by any
    # run with the same vars in another home: dbt runs in the home, so every home has the same
    # profile) is the one its step needs. dbt re-parses whatever does not match.
    seed_parse_state(target, freshest_parse_state(cache, parse_state_beside_manifest()))
    return target


def _dbt_build(context: AssetExecutionContext, dbt: DbtCliResource):
    # profiles.yml reads SALESPULSE_HOME, which the settings exported when they were loaded.
    cache = partial_parse_cache(current_settings().home)
    target = invocation_target(context, cache)
    # The run's day, not today's: a run that crosses midnight builds every mart as of one day.
    with as_of_day_in_environment(run_reporting_day(context)):
        invocation = dbt.cli(
            dbt_build_args(full_refresh=is_full_refresh(context.run.tags)),
            context=context,
            target_path=target,
        )
    progress = BuildProgress(
        models=len(context.selected_asset_keys), tests=len(context.selected_asset_check_keys)
    )
    try:
        yield from with_progress(events_until_dbt_ends(invocation), context, progress)
    finally:
        if invocation.process.returncode is not None and invocation.process.returncode >= 0:
            keep_parse_state(target, cache)  # dbt ended by itself: its state is whole
            # Every step should start from a kept parse (docs/operations.md, "dbt's parse
            # state"): say so on the console when one did not, and why.
            if reason := full_parse_reason(target / "dbt.log"):
                context.log.warning(f"{PROGRESS_MARK}{FULL_PARSE_WARNING} ({reason})")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=FORECAST_MODELS,
    dagster_dbt_translator=SalesPulseDbtTranslator(),
    pool=BUILD_WAREHOUSE_POOL,
)
def salespulse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build of the selected models, seeds and their tests, on the build warehouse."""
    yield from _dbt_build(context, dbt)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=FORECAST_MODELS,
    dagster_dbt_translator=SalesPulseDbtTranslator(),
    pool=BUILD_WAREHOUSE_POOL,
)
def forecast_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build of the forecast marts, on what the forecast step wrote."""
    yield from _dbt_build(context, dbt)
