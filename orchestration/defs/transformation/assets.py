"""Every dbt model and seed as an asset, and every dbt data test as an asset check."""

import json
import os

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from ingestion.warehouse import salespulse_home
from orchestration.defs.transformation.project import dbt_project
from orchestration.defs.transformation.translator import SalesPulseDbtTranslator
from orchestration.settings import BUILD_WAREHOUSE_POOL, dbt_vars, is_full_refresh


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """`dbt build` as production runs it: unit tests belong to CI, not to the nightly run."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    if overrides := dbt_vars():
        args += ["--vars", json.dumps(overrides)]
    return args


# The forecast models read what the forecast step writes, which reads the sales marts: two dbt
# steps, one on each side of the forecast, so the graph has no cycle between steps.
FORECAST_MODELS = "tag:forecast"


def _dbt_build(context: AssetExecutionContext, dbt: DbtCliResource):
    # profiles.yml reads SALESPULSE_HOME: hand dbt the same absolute path that dlt wrote to.
    os.environ["SALESPULSE_HOME"] = str(salespulse_home())
    args = dbt_build_args(full_refresh=is_full_refresh(context.run.tags))
    yield from dbt.cli(args, context=context).stream()


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
