"""The closing report of `salespulse run`: time per step, rows per source and what was set
aside, checks, each failure whole, where the serving warehouse is with a KPI summary; and the
failure alert the command posts itself."""

import shlex
import sys
from pathlib import Path

from dashboard.command import OPEN_COMMAND
from ingestion.warehouse import SERVING_SCHEMA_PREFIX, published_warehouse
from orchestration.defs.automation.alerts import failure_message, post_alert
from orchestration.load_report import format_rows, rows_in_warehouse, set_aside_note
from orchestration.progress import RunSummary, is_kpi_alert
from orchestration.serving_report import kpi_summary
from orchestration.settings import NIGHTLY_JOB
from salespulse.settings import Settings


def report_run(settings: Settings, summary: RunSummary, seconds: float, log_path: Path) -> int:
    """Print the closing report; alert on failure. Returns the command's exit code."""
    rows = rows_in_warehouse(settings, list(settings.sources), since=summary.started_at)
    note = set_aside_note(rows)
    if summary.succeeded:
        verdict = "succeeded, with rows set aside" if note else "succeeded"
    else:
        verdict = "FAILED"
    print(f"\nRun {verdict} in {seconds:.0f}s (run {summary.run_id[:8]})")
    for step, step_seconds in summary.step_seconds.items():
        print(f"  {step:<40} {step_seconds:6.1f}s")
    for line in format_rows(rows):
        print(line)
    checks_failed, alerts_open = split_kpi_alerts(summary.checks_failed)
    print(f"  checks: {summary.checks_passed} passed, {len(checks_failed)} failed")
    for check in checks_failed:
        print(f"    failed: {check}")
    if alerts_open:
        # A KPI alert is a finding about the sales, not a fault in the data (alerts.alerts).
        where = SERVING_SCHEMA_PREFIX if settings.warehouse == "postgres" else ""
        print(f"  KPI alerts breached: {len(alerts_open)} (published in {where}alerts.alerts)")
        for check in alerts_open:
            print(f"    breached: {check}")
    for step, text in summary.failed_steps.items():
        print(f"  step {step} failed:")
        for line in text.splitlines():
            print(f"    {line}")
    print(f"  detailed log: {log_path}")
    if not summary.succeeded:
        alert(summary)
        print(
            f"salespulse: the refresh failed ({summary.one_line_reason()}); serving is unchanged",
            file=sys.stderr,
        )
        return 1
    with published_warehouse() as serving:
        if settings.warehouse == "postgres":
            print(f"\nServing warehouse: {serving.where}, schemas {SERVING_SCHEMA_PREFIX}*")
        else:
            print(f"\nServing warehouse: {serving.where} (open it read-only)")
        print(kpi_summary(serving))
    if note:
        print(f"\nNote: {note}; see the rows table above for where they are.")
    if settings.warehouse == "postgres":
        # The dashboard opens the serving DuckDB file (docs/operations.md, Running on PostgreSQL).
        print("\nThe dashboard reads DuckDB only: point BI tools at the serving_* schemas")
    else:
        print(f"\nOpen the dashboard: {OPEN_COMMAND}")
    print(exploring_hint(settings))
    return 0


def alert(summary: RunSummary) -> None:
    """Post the failure to the webhook, once; say so when that did not work."""
    message = failure_message(NIGHTLY_JOB, summary.run_id, summary.failed_steps)
    if problem := post_alert(message, NIGHTLY_JOB, summary.run_id):
        print(f"salespulse: {problem}", file=sys.stderr)


def exploring_hint(settings: Settings) -> str:
    """How to open this warehouse in the Dagster UI with the same settings."""
    env = f"SALESPULSE_HOME={shlex.quote(str(settings.home))}"
    env += f" DAGSTER_HOME={shlex.quote(str(settings.dagster_home))}"
    return f"Explore it in Dagster: {env} dagster dev -w workspace.yaml"


def split_kpi_alerts(checks: list[str]) -> tuple[list[str], list[str]]:
    """The failed checks apart from the KPI alert rules' (`<asset>:alert_<rule>`), which fail
    when a rule is breached, not when the data is wrong."""
    alerts = [check for check in checks if is_kpi_alert(check)]
    return [check for check in checks if check not in alerts], alerts
