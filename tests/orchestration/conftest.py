"""Runs the nightly job in-process, as `salespulse run` does, for the end-to-end tests; and one
published demo warehouse shared by every test that only reads it or starts from a copy of it."""

import shutil
from pathlib import Path

import pytest
from dagster import AssetSelection, DagsterInstance
from e2e_helpers import demo_sources


def _run_nightly_job(selection: AssetSelection | None = None):
    """Execute nightly_refresh (or a subset of it); returns Dagster's in-process result."""
    from orchestration.definitions import defs

    job = defs.resolve_job_def("nightly_refresh")
    asset_selection = None
    if selection is not None:
        asset_selection = list(selection.resolve(defs.resolve_asset_graph()))
    return job.execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=asset_selection
    )


@pytest.fixture(scope="session")
def run_nightly_job(dbt_manifest):
    return _run_nightly_job


@pytest.fixture(scope="session")
def published_run(tmp_path_factory, run_nightly_job, demo_api, demo_company):
    """One full nightly run of the demo company on a fresh warehouse: (result, home). Shared by
    the tests that only read what it published, and copied by those that start from it."""
    home = tmp_path_factory.mktemp("published") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in demo_sources(home, demo_api, demo_company).items():
            patch.setenv(name, value)
        result = run_nightly_job()
    return result, home


@pytest.fixture
def published_copy(published_run, tmp_path) -> Path:
    """A copy of the published warehouse home, for a test that changes it."""
    _, home = published_run
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    return copy
