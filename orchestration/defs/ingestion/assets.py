"""One Dagster asset per dlt resource, keyed `[raw_<source>, <resource>]` like the dbt sources,
so that lineage from raw tables to marts joins with no glue."""

from collections.abc import Iterable, Iterator

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.pipelines import build_pipeline, raw_dataset_name
from ingestion.sources.hubspot import hubspot_source
from ingestion.warehouse import build_warehouse_path
from orchestration.defs.ingestion.retries import retry_for
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


def with_row_counts(results: Iterable[MaterializeResult]) -> Iterator[MaterializeResult]:
    """Adds each raw table's total row count (dagster/row_count), which the volume check
    compares across runs, to dlt's materializations."""
    for result in results:  # dlt yields these once its load has finished
        schema, table = result.asset_key.path
        with duckdb.connect(str(build_warehouse_path())) as con:
            (count,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        yield MaterializeResult(
            asset_key=result.asset_key,
            metadata={**(result.metadata or {}), "dagster/row_count": count},
        )


@dlt_assets(
    dlt_source=_DESCRIBING_SOURCE,
    dlt_pipeline=build_pipeline("hubspot"),
    name="hubspot",
    dagster_dlt_translator=RawTableTranslator(),
    pool=BUILD_WAREHOUSE_POOL,
)
def hubspot_raw_tables(context: AssetExecutionContext, dlt: DagsterDltResource):
    """HubSpot owners, deal pipelines and deals into raw_hubspot, merged on id."""
    try:
        results = dlt.run(
            context=context,
            dlt_source=hubspot_source(),
            dlt_pipeline=build_pipeline("hubspot"),
            loader_file_format="parquet",
            # A full refresh drops the selected raw tables and their incremental state first.
            refresh="drop_resources" if is_full_refresh(context.run.tags) else None,
        )
        yield from with_row_counts(results)
    except Exception as error:
        if retry := retry_for(error, context.retry_number):
            context.log.warning(f"transient failure, retrying: {error}")
            raise retry from error
        raise
