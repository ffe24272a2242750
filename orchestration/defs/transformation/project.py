"""The dbt project as Dagster sees it. Importing this module never runs dbt; the manifest is
prepared by `prepare_manifest()` (the CLI and the tests) or by `dagster dev`.

The manifest is parsed with the same vars the runs pass (enabled_sources decides which staging
models exist), and reparsing is skipped while the manifest is newer than every project file and
was parsed with the same arguments: `dbt parse` costs seconds on every command otherwise.
"""

import json
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from ingestion import PROJECT_ROOT
from orchestration.settings import enabled_sources

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
_PROJECT_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")


def parse_args() -> list[str]:
    """`dbt parse` with the var that decides which models exist (the others only change SQL)."""
    return ["parse", "--quiet", "--vars", json.dumps({"enabled_sources": enabled_sources()})]


dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # A target folder of its own: dbt by hand, sqlfluff's templater and CI parse into target/
    # with other vars, and must not replace the manifest the asset graph is built from.
    target_path=Path("target") / "dagster",
    prepare_project_cli_args=parse_args(),
)
dbt_project.prepare_if_dev()


def prepare_manifest() -> None:
    """Make `target/manifest.json` match the models on disk and the configured sources."""
    stamp = Path(dbt_project.manifest_path).with_name("salespulse_parse_args.json")
    if _manifest_is_current(stamp):
        return
    # The sources enabled now (the demo enables more than the default), not those at import.
    args = parse_args()
    DbtCliResource(project_dir=dbt_project).cli(args, target_path=dbt_project.target_path).wait()
    stamp.write_text(json.dumps(args))


def _manifest_is_current(stamp: Path) -> bool:
    manifest = Path(dbt_project.manifest_path)
    if not (manifest.exists() and stamp.exists()):
        return False
    if json.loads(stamp.read_text()) != parse_args():
        return False
    parsed_at = manifest.stat().st_mtime
    inputs = [DBT_PROJECT_DIR / name for name in _PROJECT_FILES]
    inputs += [p for folder in _PROJECT_FOLDERS for p in (DBT_PROJECT_DIR / folder).rglob("*")]
    return all(p.stat().st_mtime <= parsed_at for p in inputs if p.is_file())
