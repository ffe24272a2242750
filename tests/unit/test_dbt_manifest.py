"""The asset graph's dbt manifest matches the settings of the process that uses it: one folder
per set of parse vars, re-parsed when the project changed or the models are not the enabled
sources' (the failure of `salespulse run --demo` after `dagster dev` parsed other sources)."""

import json
import os
import time

import pytest

from orchestration.defs.transformation.parse_state import PARTIAL_PARSE_FILE
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


def _step_context(op_name: str = "salespulse_dbt_models"):
    """What invocation_target reads of a step's context: its op's name and its run's id."""
    from types import SimpleNamespace

    return SimpleNamespace(
        op_execution_context=SimpleNamespace(op=SimpleNamespace(name=op_name)),
        run=SimpleNamespace(run_id="c134255d-8341-4a47-a84e-0879de4328cc"),
    )


def test_a_new_homes_first_dbt_step_starts_from_the_manifests_parse_state(tmp_path, monkeypatch):
    """A fresh clone parses the project for the asset graph before the job: the first dbt step
    of a home without parse state of its own starts from that parse instead of a second one."""
    from orchestration.defs.transformation import assets

    manifest_parse = tmp_path / "partial_parse.msgpack"
    manifest_parse.write_bytes(b"the manifest's parse")
    monkeypatch.setattr(assets, "parse_state_beside_manifest", lambda: manifest_parse)
    home_state = tmp_path / "partial_parse-home.msgpack"  # none yet: a new home

    target = assets.invocation_target(_step_context(), home_state)
    assert (target / PARTIAL_PARSE_FILE).read_bytes() == b"the manifest's parse"

    home_state.write_bytes(b"the home's own parse")  # kept by its earlier steps: preferred
    os.utime(manifest_parse, (1_000, 1_000))
    target = assets.invocation_target(_step_context(), home_state)
    assert (target / PARTIAL_PARSE_FILE).read_bytes() == b"the home's own parse"


def test_a_homes_parse_state_older_than_the_manifests_gives_way_to_it(tmp_path, monkeypatch):
    """A project file changed since the home's last dbt step (or the home is new at the path
    of an old one): the start parsed the project again for the asset graph, and the home's own
    state would cost its step a second parse of the whole project ("a project config has
    changed")."""
    from orchestration.defs.transformation import assets

    home_state = tmp_path / "partial_parse-home.msgpack"
    home_state.write_bytes(b"the home's parse, before the project changed")
    os.utime(home_state, (1_000, 1_000))
    manifest_parse = tmp_path / "partial_parse.msgpack"
    manifest_parse.write_bytes(b"the manifest's parse, after it")
    monkeypatch.setattr(assets, "parse_state_beside_manifest", lambda: manifest_parse)

    target = assets.invocation_target(_step_context(), home_state)
    assert (target / PARTIAL_PARSE_FILE).read_bytes() == b"the manifest's parse, after it"

    manifest_parse.unlink()  # none beside the manifest (parsed by hand elsewhere): the home's
    target = assets.invocation_target(_step_context(), home_state)
    assert (
        target / PARTIAL_PARSE_FILE
    ).read_bytes() == b"the home's parse, before the project changed"


def test_a_step_starts_without_parse_state_when_none_exists(tmp_path, monkeypatch):
    from orchestration.defs.transformation import assets

    monkeypatch.setattr(assets, "parse_state_beside_manifest", lambda: tmp_path / "none.msgpack")
    target = assets.invocation_target(_step_context(), tmp_path / "partial_parse-home.msgpack")
    assert not (target / PARTIAL_PARSE_FILE).exists()


def test_the_start_says_it_parses_only_when_it_does(monkeypatch):
    from orchestration.defs.transformation import project, resource

    parses, said = [], []
    monkeypatch.setattr(
        resource.DbtCoreCliResource, "cli", lambda self, args, **_: parses.append(args) or _Done()
    )
    monkeypatch.setattr(project, "manifest_is_current", lambda *_: True)
    project.prepare_manifest(on_parse=lambda: said.append("parsing"))
    assert (parses, said) == ([], [])

    monkeypatch.setattr(project, "manifest_is_current", lambda *_: False)
    project.prepare_manifest(on_parse=lambda: said.append("parsing"))
    assert said == ["parsing"] and [args[0] for args in parses] == ["parse"]


class _Done:
    def wait(self):
        return self
