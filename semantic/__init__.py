"""The dbt semantic layer of SalesPulse, queried through MetricFlow's Python API.

Every KPI of docs/metrics.md is a metric in `dbt_project/models/semantic_layer/`; MetricFlow
compiles a request (metrics, group-by items, filters) into SQL over the published marts, which
runs on the serving warehouse, read-only. `query_metrics` is the one entry point for the
command line (`salespulse metrics`), the dashboard and any Python caller:

    from semantic import query_metrics
    result = query_metrics(["win_rate"], group_by=["deal__lead_source", "metric_time__fiscal_quarter"])
    result.frame, result.sql

The serving warehouse carries the semantic manifest it was published with, so the definitions
always match the data they run on. Production code only: no Dagster, no simulator.
"""

from typing import Any

__all__ = ["MetricQueryResult", "SemanticLayer", "list_metrics", "query_metrics"]


def __getattr__(name: str) -> Any:
    # MetricFlow takes seconds to import: only callers that query pay for it, not the CLI parser.
    if name in __all__:
        from semantic import layer

        return getattr(layer, name)
    raise AttributeError(name)
