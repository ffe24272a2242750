"""The SalesPulse code location: ingestion, transformation and publish assets in one graph,
with the nightly job and its schedule. Loaded by `dagster dev -w workspace.yaml` and by the
`salespulse` command."""

from dagster import Definitions, colored_console_logger
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from orchestration.defs.automation.jobs import nightly_refresh, nightly_refresh_schedule
from orchestration.defs.ingestion.assets import hubspot_raw_tables
from orchestration.defs.publish.assets import serving_warehouse
from orchestration.defs.transformation.assets import salespulse_dbt_models
from orchestration.defs.transformation.project import dbt_project
from orchestration.progress import step_progress_logger

defs = Definitions(
    assets=[hubspot_raw_tables, salespulse_dbt_models, serving_warehouse],
    jobs=[nightly_refresh],
    schedules=[nightly_refresh_schedule],
    resources={
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project),
    },
    # `console` is Dagster's default; `progress` prints one line per step for the CLI.
    loggers={"console": colored_console_logger, "progress": step_progress_logger},
)
