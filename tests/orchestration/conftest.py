"""Runs the nightly job in-process, as `salespulse run` does, for the end-to-end tests."""

import pytest
from dagster import AssetSelection, DagsterInstance


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
