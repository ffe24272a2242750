"""The dbt project as Dagster sees it, and the manifest its asset graph is built from.

The manifest must match the settings of the process that uses it: `enabled_sources` decides
which staging models exist, so a manifest parsed with other sources names models the run never
builds (or lacks models it does). Each set of parse vars therefore has a target folder of its
own, `target/dagster/<digest of the vars>/`: whoever parsed last (`dagster dev`, a run with other
sources) never replaces another settings' manifest, and dbt by hand parses into `target/`.
`prepare_manifest()` re-parses when the manifest is missing, older than a project file, or does
not hold the enabled sources' models. Importing this module never runs dbt, except under
`dagster dev`, which makes the manifest current on load (as the steps run dbt: see the end).
"""

import fcntl
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from ingestion import PROJECT_ROOT
from orchestration.defs.transformation.resource import dbt_steps_resource
from orchestration.settings import dbt_vars
from salespulse.settings import KNOWN_SOURCES, current_settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MANIFESTS_DIR = Path("target") / "dagster"
_PROJECT_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")


def parse_args(vars_: dict[str, Any]) -> list[str]:
    return ["parse", "--quiet", "--vars", json.dumps(vars_, sort_keys=True)]


def manifest_folder(vars_: dict[str, Any]) -> Path:
    """target/dagster/<digest>: one folder per set of parse vars."""
    digest = hashlib.sha256(json.dumps(vars_, sort_keys=True).encode()).hexdigest()[:16]
    return MANIFESTS_DIR / digest


# The settings of this process, as they stood when the asset graph was built from them: the vars
# of every dbt step (the as-of day is not one of them).
PARSE_VARS = dbt_vars()

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=manifest_folder(PARSE_VARS),
    prepare_project_cli_args=parse_args(PARSE_VARS),
)


def prepare_manifest(on_parse: Callable[[], None] = lambda: None) -> Path:
    """Make the asset graph's manifest current for this process's settings; returns its path.
    One process parses a folder at a time (`dagster dev` and a run may start together).
    `on_parse` is called just before a parse, when one is needed (to say why the start waits).

    The parse uses the run's own vars, so that the parse state it leaves beside the manifest is
    the one the run's first dbt step needs: that step starts from it
    (`parse_state_beside_manifest`) instead of parsing the project again."""
    manifest = Path(dbt_project.manifest_path)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(manifest.with_name(".parse.lock")):
        if not manifest_is_current(manifest, PARSE_VARS["enabled_sources"]):
            on_parse()
            # In the environment every run exports: the parse state records the variables
            # dbt_project.yml read (SALESPULSE_SOURCES), and a step whose values differ parses
            # the whole project again.
            current_settings().export()
            # Absolute: dbt runs in the warehouse home, and puts a relative log path there.
            dbt_steps_resource(dbt_project).cli(
                parse_args(dbt_vars()), target_path=manifest.parent
            ).wait()
    return manifest


def parse_state_beside_manifest() -> Path:
    """dbt's parse state as the latest parse of the asset graph's manifest left it."""
    return Path(dbt_project.project_dir) / dbt_project.target_path / "partial_parse.msgpack"


def manifest_is_current(manifest: Path, enabled_sources: list[str]) -> bool:
    """Parsed after every change to the project, and holding exactly the enabled sources'
    staging models."""
    try:
        parsed_at = manifest.stat().st_mtime
        nodes = json.loads(manifest.read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return False
    inputs = [DBT_PROJECT_DIR / name for name in _PROJECT_FILES]
    inputs += [p for folder in _PROJECT_FOLDERS for p in (DBT_PROJECT_DIR / folder).rglob("*")]
    if any(p.stat().st_mtime > parsed_at for p in inputs if p.is_file()):
        return False
    staged = {
        node["fqn"][2]
        for node in nodes.values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["staging"]
    }
    return staged & set(KNOWN_SOURCES) == set(enabled_sources)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# `dagster dev` parses the project when it loads the definitions. DbtProject.prepare_if_dev would
# parse on every load with plain `dbt`, whose parse state (the DuckDB file named by its absolute
# path) is not the steps': the first step after it parsed the whole project again. This parses
# as the steps run dbt, and only when the manifest is not current (prepare_manifest exports the
# settings first: definitions.py exports them only after its imports).
if using_dagster_dev():
    prepare_manifest()
