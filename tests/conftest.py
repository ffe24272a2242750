"""Fixtures shared by the integration and end-to-end tests: a temporary warehouse, the dbt
manifest, and the demo company served on a free localhost port."""

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports the orchestration: no test may touch the project's own warehouse/.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="salespulse-test-home-"))
os.environ["SALESPULSE_HOME"] = str(_SESSION_HOME)
os.environ.pop("DAGSTER_HOME", None)

DEMO_AS_OF = dt.date(2026, 6, 30)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project before collection: modules that import the dbt assets need the
    asset graph's manifest, which a fresh clone does not have (quick when it is current)."""
    from orchestration.defs.transformation.project import prepare_manifest

    prepare_manifest()


DEMO_TOKEN = "test-token-never-logged"

# The default run spreads the tests over one worker per core (pytest-xdist, `--dist loadgroup`).
# A worker builds a session fixture for itself, so the modules that read one expensive session
# fixture go to one worker together; every other module stays whole on one worker, so its
# module fixtures (a dbt build, a loaded warehouse) are built once.
SHARED_SESSION_FIXTURES = {
    "published_run": "published-demo-run",  # tests/orchestration: one nightly run, read or copied
    "published_home": "published-demo-home",  # tests/dashboard: one `salespulse run`
}
GROUPED_FOLDERS = ("forecasting", "simulator")  # session fixtures shared within the folder


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups: dict[str, str] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        shared = [
            SHARED_SESSION_FIXTURES[f] for f in item.fixturenames if f in SHARED_SESSION_FIXTURES
        ]
        if shared:
            groups[module] = shared[0]
        elif module not in groups:
            folder = module.split("/")[1] if module.count("/") > 1 else ""
            groups[module] = f"folder-{folder}" if folder in GROUPED_FOLDERS else module
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid.split("::")[0]]))


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """Parse the dbt project once per session, as `dagster dev` and the CLI do."""
    from orchestration.defs.transformation.project import dbt_project, prepare_manifest

    prepare_manifest()
    return dbt_project.manifest_path


@pytest.fixture(scope="session")
def demo_company():
    from simulator import generate_company

    return generate_company(seed=7, scale="tiny", as_of=DEMO_AS_OF)


@pytest.fixture(scope="session")
def demo_api(demo_company) -> Iterator:
    from simulator.server import DemoApi

    with DemoApi(demo_company, token=DEMO_TOKEN) as api:
        yield api


@pytest.fixture
def warehouse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SALESPULSE_HOME for one test."""
    home = tmp_path / "warehouse"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    return home


@pytest.fixture
def sources_on_demo_api(demo_api, monkeypatch: pytest.MonkeyPatch):
    """Point the dlt sources at the demo company, and the marts at its as-of date."""
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", demo_api.base_url)
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", DEMO_TOKEN)
    monkeypatch.setenv("SALESPULSE_AS_OF_DATE", DEMO_AS_OF.isoformat())
    return demo_api
