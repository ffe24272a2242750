"""The publish step: the last asset of every refresh, run only once every mart was built and
every blocking check (dbt tests of severity error) passed upstream in the same run."""

import json
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, JobDefinition, MaterializeResult, asset

from alerts.store import state_relations
from ingestion.warehouse import build_warehouse_path, parquet_path, serving_warehouse_path
from orchestration.defs.publish.postgres import publish_marts_postgres
from orchestration.defs.publish.serving import PublishedTable, publish_marts
from orchestration.defs.transformation.project import dbt_project
from orchestration.settings import BUILD_WAREHOUSE_POOL
from salespulse.settings import Settings, current_settings


def mart_relations() -> list[tuple[str, str]]:
    """(schema, table) of every dbt model under models/marts, from the parsed manifest."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return sorted(
        (node["schema"], node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
    )


def semantic_manifest_path() -> Path:
    """dbt writes semantic_manifest.json beside manifest.json when it parses."""
    return Path(dbt_project.manifest_path).with_name("semantic_manifest.json")


def mart_keys() -> list[AssetKey]:
    return [AssetKey([schema, name]) for schema, name in mart_relations()]


def assets_the_job_builds(job: JobDefinition) -> set[AssetKey]:
    """The assets of the run's job as defined, also when the run re-executes part of it (a
    resumed run publishes what its first attempt built)."""
    while job.asset_selection_data or job.op_selection_data:
        job = (job.asset_selection_data or job.op_selection_data).parent_job_def
    return set(job.asset_layer.selected_asset_keys)


def marts_to_publish(context: AssetExecutionContext) -> tuple[list, list]:
    """(rebuilt, carried over): the marts the run's job builds, copied from the build warehouse,
    and those it does not build (the intraday job leaves out the forecast and the slow-moving
    sources), carried over as last published. The nightly job builds, so publishes, every mart."""
    built = assets_the_job_builds(context.job_def)
    marts = mart_relations()
    rebuilt = [mart for mart in marts if AssetKey(list(mart)) in built]
    return rebuilt, [mart for mart in marts if mart not in rebuilt]


@asset(
    key=AssetKey(["serving", "warehouse"]),
    deps=mart_keys(),
    group_name="publish",
    owners=["team:data-engineering"],
    kinds={"duckdb"},
    pool=BUILD_WAREHOUSE_POOL,
    description=(
        "The serving warehouse that BI tools read: the marts, copied into a new DuckDB file "
        "that is renamed over serving.duckdb, and as Parquet files under parquet/ (a link "
        "switched to each new folder), so readers see the last good version whole; with the "
        "semantic layer's manifest and its saved queries' exports (reports.*). A job that builds "
        "only some marts (intraday_refresh) carries the others over as last published."
    ),
)
def serving_warehouse(context: AssetExecutionContext) -> MaterializeResult:
    settings = current_settings()
    rebuilt, carried_over = marts_to_publish(context)
    if settings.warehouse == "postgres":
        return _publish_on_postgres(context, settings, rebuilt, carried_over)
    published = publish_marts(
        build_path=build_warehouse_path(),
        serving_path=serving_warehouse_path(),
        # The alert state rides along, so serving never lacks it (orchestration/defs/alerts).
        marts=[*rebuilt, *state_relations(build_warehouse_path())],
        run_id=context.run.run_id,
        parquet_link=parquet_path(),
        # The semantic layer's definitions, parsed with the manifest (semantic/exports.py).
        semantic_manifest_json=semantic_manifest_path().read_text(),
        carried_over=carried_over,
        memory_limit=settings.duckdb_memory_limit,
    )
    _log_published(context, published)
    return MaterializeResult(
        metadata={
            "path": str(serving_warehouse_path()),
            "parquet": str(parquet_path()),
            "tables": {t.relation: t.row_count for t in published},
            "carried_over": sorted(t.relation for t in published if t.carried_over),
        }
    )


def _log_published(context: AssetExecutionContext, published: list[PublishedTable]) -> None:
    for table in published:
        how = "carried over" if table.carried_over else "published"
        context.log.info(f"{how} {table.relation}: {table.row_count} rows")


def _publish_on_postgres(
    context: AssetExecutionContext,
    settings: Settings,
    rebuilt: list[tuple[str, str]],
    carried_over: list[tuple[str, str]],
) -> MaterializeResult:
    """The marts into the serving_<schema> schemas of the same database, swapped in at once
    (orchestration/defs/publish/postgres.py). The alert state, the Parquet copies and the
    semantic layer's exports are DuckDB-only so far (docs/operations.md)."""
    published = publish_marts_postgres(
        settings.postgres(), rebuilt, context.run.run_id, carried_over=carried_over
    )
    _log_published(context, published)
    return MaterializeResult(
        metadata={
            "warehouse": settings.describe(),
            "tables": {f"serving_{t.relation}": t.row_count for t in published},
            "carried_over": sorted(f"serving_{t.relation}" for t in published if t.carried_over),
        }
    )
