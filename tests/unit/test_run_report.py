"""The run summary and the progress lines tell data checks that failed from KPI alert rules that
were breached."""

import io
import logging

from dagster import AssetCheckEvaluation, AssetKey, DagsterEvent, DagsterEventType
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR

from orchestration.progress import StepProgressHandler
from orchestration.run_report import split_kpi_alerts


def test_kpi_alert_checks_are_reported_apart_from_failed_data_checks():
    failed = [
        "core/fct_deals:assert_no_record_is_excluded_from_the_metrics",
        "serving/warehouse:alert_lead_response_sla",
        "serving/warehouse:alert_quota_pace",
        "raw_hubspot/deals:rows_read_equal_rows_loaded_plus_quarantined",
    ]

    checks, alerts = split_kpi_alerts(failed)

    assert checks == [failed[0], failed[3]]
    assert alerts == [failed[1], failed[2]]
    assert split_kpi_alerts([]) == ([], [])


def _evaluation_record(check_name: str, passed: bool) -> logging.LogRecord:
    """The log record Dagster hands the progress logger for an asset check's evaluation."""
    evaluation = AssetCheckEvaluation(
        asset_key=AssetKey(["serving", "warehouse"]), check_name=check_name, passed=passed
    )
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_CHECK_EVALUATION.value,
        job_name="nightly_refresh",
        step_key="kpi_alert_rules",
        event_specific_data=evaluation,
    )
    record = logging.LogRecord("progress", logging.INFO, __file__, 0, "", (), None)
    setattr(record, LOG_RECORD_METADATA_ATTR, {"dagster_event": event})
    return record


def test_the_progress_lines_tell_a_breached_kpi_alert_from_a_failed_check():
    stream = io.StringIO()
    handler = StepProgressHandler(stream=stream)

    handler.emit(_evaluation_record("alert_quota_pace", passed=False))
    handler.emit(_evaluation_record("rows_match_the_build", passed=False))
    handler.emit(_evaluation_record("alert_pipeline_coverage", passed=True))

    assert stream.getvalue().splitlines() == [
        "  ! KPI alert breached: serving/warehouse:alert_quota_pace",
        "  ✗ check failed: serving/warehouse:rows_match_the_build",
    ]
