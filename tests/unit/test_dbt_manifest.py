"""The asset graph's dbt manifest matches the settings of the process that uses it: one folder
per set of parse vars, re-parsed when the project changed or the models are not the enabled
sources' (the failure of `salespulse run --demo` after `dagster dev` parsed other sources)."""

import json
import os
import time

import pytest

from orchestration.defs.transformation.project import manifest_folder, manifest_is_current


def _manifest(path, sources: list[str]) -> None:
    """A manifest holding one staging model per source, and an intermediate model."""
    nodes = {
        f"model.salespulse.stg_{source}__deals": {
            "resource_type": "model",
            "fqn": ["salespulse", "staging", source, f"stg_{source}__deals"],
        }
        for source in sources
    }
    nodes["model.salespulse.int_deals_unioned"] = {
        "resource_type": "model",
        "fqn": ["salespulse", "intermediate", "int_deals_unioned"],
    }
    path.write_text(json.dumps({"nodes": nodes}))
    future = time.time() + 3600  # newer than every project file
    os.utime(path, (future, future))


def test_each_set_of_sources_parses_into_a_folder_of_its_own():
    hubspot = {"enabled_sources": ["hubspot"], "reporting_currency": "USD"}
    demo = {"enabled_sources": ["hubspot", "typeform", "files"], "reporting_currency": "USD"}
    assert manifest_folder(hubspot) != manifest_folder(demo)
    assert manifest_folder(hubspot) == manifest_folder(dict(reversed(hubspot.items())))
    assert manifest_folder(hubspot).parts[:2] == ("target", "dagster")


def test_a_manifest_parsed_with_other_sources_is_not_current(tmp_path):
    manifest = tmp_path / "manifest.json"
    _manifest(manifest, ["hubspot"])  # what `dagster dev` parsed with the default settings

    assert manifest_is_current(manifest, ["hubspot"])
    assert not manifest_is_current(manifest, ["hubspot", "typeform", "files"])
    assert not manifest_is_current(manifest, [])


def test_a_manifest_older_than_a_project_file_is_not_current(tmp_path):
    manifest = tmp_path / "manifest.json"
    _manifest(manifest, ["hubspot"])
    os.utime(manifest, (0, 0))
    assert not manifest_is_current(manifest, ["hubspot"])


@pytest.mark.parametrize("content", ["", "{not json", '{"no_nodes": {}}'])
def test_a_missing_or_broken_manifest_is_not_current(tmp_path, content):
    manifest = tmp_path / "manifest.json"
    assert not manifest_is_current(manifest, ["hubspot"])
    manifest.write_text(content)
    assert not manifest_is_current(manifest, ["hubspot"])
