"""The SalesPulse code location: ingestion, transformation and publish assets in one graph, with
their checks, the nightly and intraday jobs, their schedules and the alerting sensors. Loaded by
`dagster dev -w workspace.yaml` and by the `salespulse` command."""

from dagster import AssetSpec, Definitions, colored_console_logger, map_asset_specs
from dagster_dlt import DagsterDltResource

from orchestration.defs.alerts.assets import alerts, kpi_alert_checks
from orchestration.defs.automation.alerts import alert_on_run_failure
from orchestration.defs.automation.jobs import (
    intraday_refresh,
    intraday_refresh_schedule,
    nightly_refresh,
    nightly_refresh_schedule,
)
from orchestration.defs.briefings.digest import weekly_digest, weekly_digest_schedule
from orchestration.defs.checks.freshness import with_freshness_policy
from orchestration.defs.checks.reconciliation import bookings_reconcile_with_staging
from orchestration.defs.checks.row_accounting import row_accounting_checks
from orchestration.defs.checks.volume import volume_checks
from orchestration.defs.forecast.assets import bookings_forecast
from orchestration.defs.ingestion.assets import raw_assets
from orchestration.defs.publish.assets import mart_keys, serving_warehouse
from orchestration.defs.transformation.assets import forecast_dbt_models, salespulse_dbt_models
from orchestration.defs.transformation.project import dbt_project
from orchestration.defs.transformation.resource import dbt_steps_resource
from orchestration.progress import step_progress_logger
from salespulse.settings import current_settings

# `dagster dev` loads this module without the command: resolve the settings once and hand the
# warehouse to dbt and every other child process, as `salespulse` does.
current_settings().export()

raw_keys = sorted(
    (key for assets in raw_assets for key in assets.keys), key=lambda key: key.to_user_string()
)

# Cross-cutting policy: what BI reads, and what it is built from, must be fresh.
_FRESH = {*raw_keys, *mart_keys()}


# The weekly digest reads the serving DuckDB file: on PostgreSQL its schedule is left out (a
# launch by hand fails saying why) until it reads the serving_ schemas (docs/operations.md).
_DIGEST_SCHEDULES = [weekly_digest_schedule] if current_settings().warehouse == "duckdb" else []


def _freshness(spec: AssetSpec) -> AssetSpec:
    return with_freshness_policy(spec) if spec.key in _FRESH else spec


defs = Definitions(
    assets=map_asset_specs(
        _freshness,
        [
            *raw_assets,
            salespulse_dbt_models,
            bookings_forecast,
            forecast_dbt_models,
            serving_warehouse,
            alerts,
        ],
    ),
    asset_checks=[
        bookings_reconcile_with_staging,
        volume_checks(raw_keys),
        *row_accounting_checks(raw_keys),
        kpi_alert_checks(),
    ],
    jobs=[nightly_refresh, intraday_refresh, weekly_digest],
    schedules=[nightly_refresh_schedule, intraday_refresh_schedule, *_DIGEST_SCHEDULES],
    sensors=[alert_on_run_failure],
    resources={
        "dlt": DagsterDltResource(),
        "dbt": dbt_steps_resource(dbt_project),
    },
    # `console` is Dagster's default; `progress` prints one line per step for the CLI.
    loggers={"console": colored_console_logger, "progress": step_progress_logger},
)
