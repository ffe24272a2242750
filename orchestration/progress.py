"""Run progress for the `salespulse` command: one line per step as it starts and ends, and a
summary of checks and timings from the finished run's events."""

import logging
import sys
import time
from dataclasses import dataclass, field

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, InitLoggerContext, logger
from dagster._utils.error import SerializableErrorInfo


class StepProgressHandler(logging.Handler):
    """Prints step starts, ends and failed checks; leaves every other event to the event log."""

    def __init__(self, stream=sys.stderr) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
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
            self._print(f"  ✗ {step}: {root_cause(event.step_failure_data.error)}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._print(f"  - {step} skipped (an upstream step failed)")
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                self._print(f"  ✗ check failed: {evaluation.asset_check_key.to_user_string()}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The first line of the innermost error: what went wrong, not Dagster's wrapping of it."""
    if error is None:
        return "failed"
    while error.cause is not None or error.context is not None:
        error = error.cause or error.context
    lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
    return lines[0] if lines else error.cls_name or "failed"


@logger(description="One line per step and failed check, for the salespulse command.")
def step_progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    progress = logging.Logger("salespulse.progress", level=logging.DEBUG)
    progress.addHandler(StepProgressHandler())
    return progress


@dataclass
class RunSummary:
    """What a finished run did: steps with their seconds, checks passed and failed, rows loaded."""

    succeeded: bool
    step_seconds: dict[str, float] = field(default_factory=dict)
    failed_steps: dict[str, str] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    rows_loaded: int = 0

    @classmethod
    def from_event_log(cls, instance: DagsterInstance, run_id: str) -> "RunSummary":
        run = instance.get_run_by_id(run_id)
        summary = cls(succeeded=run is not None and run.status == DagsterRunStatus.SUCCESS)
        started: dict[str, float] = {}
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if kind == DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif kind == DagsterEventType.STEP_SUCCESS:
                began = started.get(event.step_key, entry.timestamp)
                summary.step_seconds[event.step_key] = entry.timestamp - began
            elif kind == DagsterEventType.STEP_FAILURE:
                summary.failed_steps[event.step_key] = root_cause(event.step_failure_data.error)
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
