"""One Dagster asset per dlt resource, keyed `[raw_<source>, <resource>]` like the dbt sources,
so that lineage from raw tables to marts joins with no glue."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.pipelines import build_pipeline, raw_dataset_name
from ingestion.sources.hubspot import hubspot_source
from orchestration.settings import BUILD_WAREHOUSE_POOL, is_full_refresh


class RawTableTranslator(DagsterDltTranslator):
    """Keys `[raw_<source>, <resource>]`, no phantom upstream, grouped by source."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        default = super().get_asset_spec(data)
        dataset = raw_dataset_name(data.resource.source_name)
        return default.replace_attributes(
            key=AssetKey([dataset, data.resource.name]),
            deps=[],
            group_name=dataset,
            owners=["team:data-engineering"],
            kinds={"dlt", "duckdb"},
        )


# The source and pipeline given to the decorator only describe the assets; the run builds both
# afresh, so that credentials and warehouse paths resolve when the run starts, not at import.
_DESCRIBING_SOURCE = hubspot_source(access_token="resolved-when-the-run-starts")


@dlt_assets(
    dlt_source=_DESCRIBING_SOURCE,
    dlt_pipeline=build_pipeline("hubspot"),
    name="hubspot",
    dagster_dlt_translator=RawTableTranslator(),
    pool=BUILD_WAREHOUSE_POOL,
)
def hubspot_raw_tables(context: AssetExecutionContext, dlt: DagsterDltResource):
    """HubSpot owners, deal pipelines and deals into raw_hubspot, merged on id."""
    yield from dlt.run(
        context=context,
        dlt_source=hubspot_source(),
        dlt_pipeline=build_pipeline("hubspot"),
        loader_file_format="parquet",
        # A full refresh drops the selected raw tables and their incremental state first.
        refresh="drop_resources" if is_full_refresh(context.run.tags) else None,
    )
