"""The publish step: the last asset of every refresh, run only once every mart was built and
every blocking check (dbt tests of severity error) passed upstream in the same run."""

import json
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from alerts.store import state_relations
from ingestion.warehouse import build_warehouse_path, parquet_path, serving_warehouse_path
from orchestration.defs.publish.postgres import publish_marts_postgres
from orchestration.defs.publish.serving import publish_marts
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
        "semantic layer's manifest and its saved queries' exports (reports.*)."
    ),
)
def serving_warehouse(context: AssetExecutionContext) -> MaterializeResult:
    settings = current_settings()
    if settings.warehouse == "postgres":
        return _publish_on_postgres(context, settings)
    published = publish_marts(
        build_path=build_warehouse_path(),
        serving_path=serving_warehouse_path(),
        # The alert state rides along, so serving never lacks it (orchestration/defs/alerts).
        marts=[*mart_relations(), *state_relations(build_warehouse_path())],
        run_id=context.run.run_id,
        parquet_link=parquet_path(),
        # The semantic layer's definitions, parsed with the manifest (semantic/exports.py).
        semantic_manifest_json=semantic_manifest_path().read_text(),
    )
    for table in published:
        context.log.info(f"published {table.relation}: {table.row_count} rows")
    return MaterializeResult(
        metadata={
            "path": str(serving_warehouse_path()),
            "parquet": str(parquet_path()),
            "tables": {t.relation: t.row_count for t in published},
        }
    )


def _publish_on_postgres(context: AssetExecutionContext, settings: Settings) -> MaterializeResult:
    """The marts into the serving_<schema> schemas of the same database, swapped in at once
    (orchestration/defs/publish/postgres.py). The alert state, the Parquet copies and the
    semantic layer's exports are DuckDB-only so far (docs/operations.md)."""
    published = publish_marts_postgres(settings.postgres(), mart_relations(), context.run.run_id)
    for table in published:
        context.log.info(f"published serving_{table.relation}: {table.row_count} rows")
    return MaterializeResult(
        metadata={
            "warehouse": settings.describe(),
            "tables": {f"serving_{t.relation}": t.row_count for t in published},
        }
    )
