"""The run summary tells data checks that failed from KPI alert rules that were breached."""

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
