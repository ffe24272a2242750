"""One Dagster asset per dlt resource, keyed `[raw_<source>, <resource>]` like the dbt sources,
so that lineage from raw tables to marts joins with no glue."""

from collections.abc import Iterable, Iterator

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec, MaterializeResult
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.sources import DltSource

from ingestion.extract_process import extract_in_child_process
from ingestion.pipelines import (
    build_pipeline,
    make_source,
    normalize_and_load,
    raw_dataset_name,
)
from ingestion.sources.files import files_source
from ingestion.sources.hubspot import hubspot_source
from ingestion.sources.typeform import typeform_source
from ingestion.warehouse import build_warehouse_connection
from orchestration.defs.ingestion.retries import retry_for
from orchestration.demo_company import demo_files
from orchestration.settings import BUILD_WAREHOUSE_POOL, enabled_sources, is_full_refresh
from salespulse.settings import current_settings


class RawTableTranslator(DagsterDltTranslator):
    """Keys `[raw_<source>, <resource>]`, no phantom upstream, grouped by source."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        default = super().get_asset_spec(data)
        return default.replace_attributes(
            key=raw_asset_key(data.resource.source_name, data.resource.name),
            deps=[],
            group_name=raw_dataset_name(data.resource.source_name),
            owners=["team:data-engineering"],
            kinds={"dlt", "duckdb"},
        )


def raw_asset_key(source_name: str, resource_name: str) -> AssetKey:
    return AssetKey([raw_dataset_name(source_name), resource_name])


def with_row_counts(results: Iterable[MaterializeResult]) -> Iterator[MaterializeResult]:
    """Adds each raw table's total row count (dagster/row_count), which the volume check
    compares across runs, to dlt's materializations. One connection for all of them: opening
    the build warehouse takes about 26 ms at the demo's size, a count under 1 ms."""
    with build_warehouse_connection(read_only=False) as con:
        for result in results:  # dlt yields these once its load has finished
            schema, table = result.asset_key.path
            (count,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            yield MaterializeResult(
                asset_key=result.asset_key,
                metadata={**(result.metadata or {}), "dagster/row_count": count},
            )


def describing_source(source_name: str) -> DltSource:
    """The source as the asset definitions see it: its resources, not yet its data. HubSpot's
    and Typeform tokens resolve when a run starts, so the graph loads without credentials; the files
    source reads its mapping (validated here) to know which entities it loads."""
    if source_name == "hubspot":
        return hubspot_source(access_token="resolved-when-the-run-starts")
    if source_name == "typeform":
        return typeform_source(
            access_token="resolved-when-the-run-starts", form_ids=["resolved-when-the-run-starts"]
        )
    if source_name == "files" and current_settings().demo:
        return files_source(**demo_files(current_settings()))
    return make_source(source_name)


def raw_tables_assets(source_name: str) -> AssetsDefinition:
    """The assets of one dlt source. The run builds its source and pipeline afresh, so that
    credentials and warehouse paths resolve when it starts, not at import."""

    @dlt_assets(
        dlt_source=describing_source(source_name),
        dlt_pipeline=build_pipeline(source_name),
        name=source_name,
        dagster_dlt_translator=RawTableTranslator(),
        pool=BUILD_WAREHOUSE_POOL,
    )
    def raw_tables(context: AssetExecutionContext, dlt: DagsterDltResource):
        source = make_source(source_name)
        resources = {
            raw_asset_key(source_name, name): resource
            for name, resource in source.selected_resources.items()
        }
        selected = {
            key: resource
            for key, resource in resources.items()
            if not context.is_subset or key in context.selected_asset_keys
        }
        try:
            # Extraction in a child process (its memory goes back when it ends), normalize and
            # load here (ingestion/extract_process.py); a full refresh drops the selected raw
            # tables and their incremental state first.
            extract_in_child_process(
                source_name,
                resources=[resource.name for resource in selected.values()],
                refresh="drop_resources" if is_full_refresh(context.run.tags) else None,
            )
            pipeline, load_info = normalize_and_load(source_name)
        except Exception as error:
            if retry := retry_for(error, context.retry_number):
                context.log.warning(f"transient failure, retrying: {error}")
                raise retry from error
            raise
        # dagster-dlt's own metadata per resource, as its `run` gives it.
        yield from with_row_counts(
            MaterializeResult(
                asset_key=key,
                metadata=dlt.extract_resource_metadata(context, resource, load_info, pipeline),
            )
            for key, resource in selected.items()
        )

    return raw_tables


raw_assets = [raw_tables_assets(source_name) for source_name in enabled_sources()]
