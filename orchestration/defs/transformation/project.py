"""The dbt project as Dagster sees it. Importing this module never runs dbt; the manifest is
prepared by `prepare_manifest()` (the CLI and the tests) or by `dagster dev`."""

from dagster_dbt import DbtProject

from ingestion import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def prepare_manifest() -> None:
    """Parse the dbt project so that `target/manifest.json` matches the models on disk."""
    dbt_project.preparer.prepare(dbt_project)
