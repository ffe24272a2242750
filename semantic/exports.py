"""Saved-query exports, the part of the dbt semantic layer that dbt-core does not run: each
saved query's SQL, compiled by MetricFlow, is materialised as `<schema>.<export name>` in the
warehouse being published, beside the semantic manifest itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest

from semantic.duckdb_client import ReadOnlyDuckDbClient
from semantic.manifest import semantic_manifest_lookup, validate_manifest, write_manifest_table

DEFAULT_EXPORT_SCHEMA = "reports"


@dataclass(frozen=True)
class SavedQueryExport:
    saved_query: str
    schema: str
    table: str


def saved_query_exports(manifest_json: str) -> list[SavedQueryExport]:
    lookup = semantic_manifest_lookup(manifest_json)
    return [
        SavedQueryExport(
            saved_query=saved_query.name,
            schema=export.config.schema_name or DEFAULT_EXPORT_SCHEMA,
            table=export.config.alias or export.name,
        )
        for saved_query in lookup.semantic_manifest.saved_queries
        for export in saved_query.exports
    ]


def publish_semantic_layer(
    con: duckdb.DuckDBPyConnection, warehouse: Path, manifest_json: str
) -> list[SavedQueryExport]:
    """Write the semantic manifest and every saved query's export into the warehouse `con` is
    writing (at `warehouse`). Fails, and so stops the publish, on an invalid manifest."""
    issues = validate_manifest(manifest_json)
    if issues:
        raise ValueError("the semantic manifest is invalid:\n" + "\n".join(issues))
    write_manifest_table(con, manifest_json)
    # Only explained here (no statement runs through the client): `con` runs the SQL.
    engine = MetricFlowEngine(
        semantic_manifest_lookup(manifest_json), ReadOnlyDuckDbClient(warehouse)
    )
    exports = saved_query_exports(manifest_json)
    for export in exports:
        request = MetricFlowQueryRequest.create(saved_query_name=export.saved_query)
        sql = engine.explain(request).sql_statement.sql
        con.execute(f'create schema if not exists "{export.schema}"')
        con.execute(f'create or replace table "{export.schema}"."{export.table}" as {sql}')
    return exports
