"""The semantic layer's definitions: the project's semantic manifest passes MetricFlow's own
validation (`mf validate-configs` without the warehouse checks), every KPI of the metric
dictionary is a metric with its semantic-layer name documented, and the quota metrics resolve
to the level and grain a group-by asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion import PROJECT_ROOT

# The KPIs of docs/metrics.md (issue 12): each must be a semantic-layer metric.
KPIS = [
    "bookings",
    "won_deals",
    "lost_deals",
    "lost_amount",
    "win_rate",
    "amount_win_rate",
    "average_deal_size",
    "sales_cycle_days_median",
    "sales_cycle_days_mean",
    "lead_response_minutes_median",
    "lead_response_sla_share",
    "lead_conversion_rate",
    "lead_conversion_rate_matured",
    "quota",
    "quota_attainment",
    "prorated_quota_attainment",
    "open_pipeline",
    "weighted_pipeline",
    "activities",
    "calls",
    "emails",
    "meetings",
    "tasks",
    "next_stage_conversion_rate",
    "stage_win_rate",
    "enps",
    "enps_response_rate",
    "pulse_favourable_share",
    "bookings_trailing_90_days",
    "bookings_month_to_date",
    "bookings_quarter_to_date",
]


@pytest.fixture(scope="module")
def manifest_json(dbt_manifest: Path) -> str:
    return Path(dbt_manifest).with_name("semantic_manifest.json").read_text()


def test_the_semantic_manifest_passes_metricflow_validation(manifest_json: str) -> None:
    from semantic.manifest import validate_manifest

    assert validate_manifest(manifest_json) == []


def test_every_kpi_is_a_metric_and_documented_by_its_semantic_layer_name(
    manifest_json: str,
) -> None:
    from semantic.layer import QUOTA_METRICS

    defined = {metric["name"] for metric in json.loads(manifest_json)["metrics"]}
    missing = [kpi for kpi in KPIS if kpi not in defined and kpi not in QUOTA_METRICS]
    assert not missing, f"KPIs without a semantic-layer metric: {missing}"
    names = (PROJECT_ROOT / "docs" / "metrics.md").read_text().split("## Semantic-layer names")[1]
    undocumented = [kpi for kpi in KPIS if f"`{kpi}`" not in names]
    assert not undocumented, f"not in docs/metrics.md, Semantic-layer names: {undocumented}"
    for level in ("rep", "team", "company"):
        for grain in ("week", "month", "fiscal_quarter", "fiscal_year"):
            for metric in QUOTA_METRICS:
                assert f"{metric}_{level}_{grain}" in defined


def test_every_saved_query_is_exported_to_the_reports_schema(manifest_json: str) -> None:
    from semantic.exports import saved_query_exports

    exports = saved_query_exports(manifest_json)
    assert len(exports) >= 5
    assert {export.schema for export in exports} == {"reports"}


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (["rep", "metric_time__month"], "quota_attainment_rep_month"),
        (["rep__rep_name", "metric_time__fiscal_quarter"], "quota_attainment_rep_fiscal_quarter"),
        (["team__team_name", "metric_time__fiscal_year"], "quota_attainment_team_fiscal_year"),
        (["metric_time__week"], "quota_attainment_company_week"),
    ],
)
def test_quota_metrics_resolve_to_the_level_and_grain_of_the_group_by(
    group_by: list[str], expected: str
) -> None:
    from semantic.layer import _quota_metric

    assert _quota_metric("quota_attainment", group_by) == expected


@pytest.mark.parametrize(
    "group_by", [["rep"], ["team", "metric_time__day"], ["metric_time__quarter"]]
)
def test_a_quota_without_a_period_grain_is_refused_with_the_reason(group_by: list[str]) -> None:
    from semantic.layer import MetricQueryError, _quota_metric

    with pytest.raises(MetricQueryError, match="a quota belongs to a period"):
        _quota_metric("quota", group_by)
