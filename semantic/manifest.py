"""The semantic manifest: dbt writes it beside manifest.json (`semantic_manifest.json`); publish
stores it in the serving warehouse (`salespulse.semantic_manifest`), so a reader always has the
definitions the data was published with."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

MANIFEST_SCHEMA = "salespulse"
MANIFEST_TABLE = "semantic_manifest"


class SemanticManifestError(RuntimeError):
    """The semantic manifest is missing or invalid."""


def read_published_manifest(warehouse: Path) -> str:
    """The semantic manifest JSON stored in a published warehouse (read-only)."""
    if not warehouse.exists():
        raise SemanticManifestError(f"no warehouse at {warehouse}: run `salespulse run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [MANIFEST_SCHEMA, MANIFEST_TABLE],
        ).fetchone()[0]
        if not found:
            raise SemanticManifestError(
                f"{warehouse} has no semantic manifest: it was published before the semantic "
                "layer existed; run `salespulse run` again"
            )
        (text,) = con.execute(
            f"select manifest_json from {MANIFEST_SCHEMA}.{MANIFEST_TABLE}"
        ).fetchone()
    return text


def write_manifest_table(con: duckdb.DuckDBPyConnection, manifest_json: str) -> None:
    """Store the semantic manifest in the warehouse `con` writes (the publish step's)."""
    json.loads(manifest_json)  # never publish a truncated or foreign file
    con.execute(f"create schema if not exists {MANIFEST_SCHEMA}")
    con.execute(
        f"create or replace table {MANIFEST_SCHEMA}.{MANIFEST_TABLE} (manifest_json varchar)"
    )
    con.execute(f"insert into {MANIFEST_SCHEMA}.{MANIFEST_TABLE} values (?)", [manifest_json])


def semantic_manifest_lookup(manifest_json: str) -> SemanticManifestLookup:
    """MetricFlow's view of the manifest, its relations named `schema.table`: dbt names them
    after the build warehouse's catalog ("build"), which the serving file does not have."""
    raw = json.loads(manifest_json)
    for model in raw["semantic_models"]:
        _drop_catalog(model["node_relation"])
    for spine in raw["project_configuration"].get("time_spines", []):
        _drop_catalog(spine["node_relation"])
    for spine in raw["project_configuration"].get("time_spine_table_configurations", []):
        spine["location"] = ".".join(spine["location"].split(".")[-2:])
    manifest = parse_manifest_from_dbt_generated_manifest(json.dumps(raw))
    return SemanticManifestLookup(manifest)


def validate_manifest(manifest_json: str) -> list[str]:
    """MetricFlow's semantic validations (`mf validate-configs` without the warehouse checks):
    the blocking issues, as text; empty when the manifest is valid."""
    manifest = parse_manifest_from_dbt_generated_manifest(manifest_json)
    result = SemanticManifestValidator().validate_semantic_manifest(manifest)
    return [issue.as_readable_str() for issue in result.errors]


def _drop_catalog(relation: dict) -> None:
    relation["database"] = None
    relation["relation_name"] = f'"{relation["schema_name"]}"."{relation["alias"]}"'
