"""Run progress for the `salespulse` command: one line per step as it starts and ends, how far a
long dbt step is, and a summary of checks, failures and timings from the finished run's events."""

import logging
import re
import sys
import time
from dataclasses import dataclass, field

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, InitLoggerContext, logger
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR
from dagster._utils.error import SerializableErrorInfo

# A step's log message that starts with this is progress, printed on the console.
PROGRESS_MARK = "progress: "
# What dagster-dbt puts before the dbt errors it parsed from dbt's log.
DBT_ERRORS_HEADING = "Errors parsed from dbt logs:"
# dbt colours its console lines; the report is plain text.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# dbt's one-line result ("127 of 352 FAIL 1 assert_… [FAIL 1 in 0.04s]"), which the failure's own
# message repeats with its detail.
_DBT_RESULT_LINE = re.compile(r"^\d+ of \d+ (FAIL|ERROR)\b")


def is_kpi_alert(check: str) -> bool:
    """A KPI alert rule's check (`<asset>:alert_<rule>`), which fails when a rule is breached,
    not when the data is wrong (docs/operations.md, "KPI alerts")."""
    return check.rpartition(":")[2].startswith("alert_")


class StepProgressHandler(logging.Handler):
    """Prints step starts, ends, progress and failed checks; leaves every other event to the
    event log."""

    def __init__(self, stream=sys.stderr) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
        event = meta.get("dagster_event")
        if event is None:
            message = meta.get("orig_message") or ""
            if message.startswith(PROGRESS_MARK):
                self._print(f"    {meta.get('step_key') or ''}: {message[len(PROGRESS_MARK) :]}")
            return
        step = event.step_key or ""
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
            self._print(f"  … {step}")
        elif kind == DagsterEventType.STEP_SUCCESS:
            self._print(
                f"  ✓ {step} ({time.monotonic() - self.started.get(step, time.monotonic()):.1f}s)"
            )
        elif kind == DagsterEventType.STEP_FAILURE:
            self._print(f"  ✗ {step}: {headline(event.step_failure_data.error)}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._print(f"  - {step} skipped (an upstream step failed)")
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                check = evaluation.asset_check_key.to_user_string()
                if is_kpi_alert(check):
                    # A finding about the sales, not a fault: the run goes on and publishes.
                    self._print(f"  ! KPI alert breached: {check}")
                else:
                    self._print(f"  ✗ check failed: {check}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    while error.cause is not None or error.context is not None:
        error = error.cause or error.context
    return error


def failure_text(error: SerializableErrorInfo | None) -> str:
    """What went wrong, whole: the innermost error's message, and of a failed dbt command the
    errors dbt reported (each failing test or model with its message), not Dagster's wrapping."""
    if error is None:
        return "failed"
    message = _ANSI_ESCAPE.sub("", innermost(error).message).strip()
    if DBT_ERRORS_HEADING in message:
        message = message.split(DBT_ERRORS_HEADING, 1)[1].strip()
        lines = [line for line in message.splitlines() if not _DBT_RESULT_LINE.match(line)]
        message = "\n".join(lines)
    text = "\n".join(line.rstrip() for line in message.splitlines()).strip()
    return text or innermost(error).cls_name or "failed"


def headline(error: SerializableErrorInfo | None) -> str:
    """The first line of `failure_text`, for one-line reports."""
    return failure_text(error).splitlines()[0]


@logger(
    description="One line per step, dbt progress and failed checks, for the salespulse command."
)
def step_progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    progress = logging.Logger("salespulse.progress", level=logging.DEBUG)
    progress.addHandler(StepProgressHandler())
    return progress


@dataclass
class RunSummary:
    """What a finished run did: steps with their seconds, checks passed and failed, rows loaded."""

    run_id: str
    succeeded: bool
    started_at: float | None = None
    step_seconds: dict[str, float] = field(default_factory=dict)
    failed_steps: dict[str, str] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    rows_loaded: int = 0

    @classmethod
    def from_event_log(cls, instance: DagsterInstance, run_id: str) -> "RunSummary":
        run = instance.get_run_by_id(run_id)
        summary = cls(
            run_id=run_id, succeeded=run is not None and run.status == DagsterRunStatus.SUCCESS
        )
        started: dict[str, float] = {}
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if summary.started_at is None:
                summary.started_at = entry.timestamp
            if kind == DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif kind == DagsterEventType.STEP_SUCCESS:
                began = started.get(event.step_key, entry.timestamp)
                summary.step_seconds[event.step_key] = entry.timestamp - began
            elif kind == DagsterEventType.STEP_FAILURE:
                summary.failed_steps[event.step_key] = failure_text(event.step_failure_data.error)
            elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                if evaluation.passed:
                    summary.checks_passed += 1
                else:
                    summary.checks_failed.append(evaluation.asset_check_key.to_user_string())
            elif kind == DagsterEventType.ASSET_MATERIALIZATION:
                metadata = event.step_materialization_data.materialization.metadata
                if "rows_loaded" in metadata:
                    summary.rows_loaded += int(metadata["rows_loaded"].value or 0)
        return summary

    def one_line_reason(self) -> str:
        causes = [f"{step}: {text.splitlines()[0]}" for step, text in self.failed_steps.items()]
        causes += [f"check {check} failed" for check in self.checks_failed]
        return "; ".join(causes) or "see the event log"
