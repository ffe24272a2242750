"""How dbt nodes appear in the asset graph: keyed `[schema, name]`, grouped by layer."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

LAYERS = ("staging", "intermediate", "marts")


def layer_of(resource_props: Mapping[str, Any]) -> str:
    """The layer a dbt node belongs to, from its folder: staging, intermediate, marts_<area>, seeds."""
    if resource_props["resource_type"] == "seed":
        return "seeds"
    folders = resource_props["fqn"][1:-1]
    if folders and folders[0] == "marts":
        return "_".join(folders[:2])
    return folders[0] if folders and folders[0] in LAYERS else "transformation"


class SalesPulseDbtTranslator(DagsterDbtTranslator):
    """Models and seeds keyed by schema and name; sources keep dbt's `[source, table]` keys (or
    their `meta.dagster.asset_key`), which equal the dlt assets' keys."""

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                # Child tables of one dlt resource (owners__teams) map to that resource's asset.
                enable_duplicate_source_asset_keys=True,
            )
        )

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> AssetSpec:
        default = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed"):
            return default
        return default.replace_attributes(
            key=AssetKey([props["schema"], props["name"]]),
            group_name=layer_of(props),
            owners=["team:analytics-engineering"],
        )
