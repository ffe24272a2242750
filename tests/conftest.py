"""Fixtures shared by the integration and end-to-end tests: a temporary warehouse, the dbt
manifest, and the demo company served on a free localhost port."""

import atexit
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports the orchestration: no test may touch the project's own warehouse/.
# One per process (the controller and each xdist worker), removed when that process exits.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="salespulse-test-home-"))
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)
os.environ["SALESPULSE_HOME"] = str(_SESSION_HOME)
os.environ.pop("DAGSTER_HOME", None)

DEMO_AS_OF = dt.date(2026, 6, 30)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project before collection: modules that import the dbt assets need the
    asset graph's manifest, which a fresh clone does not have (quick when it is current)."""
    from orchestration.defs.transformation.project import prepare_manifest

    prepare_manifest()


DEMO_TOKEN = "test-token-never-logged"

# The default run spreads the tests over one worker per core (pytest-xdist). A worker builds
# every session fixture it needs for itself, so the modules that read one expensive session
# fixture go to one worker together; every other module stays whole on one worker, so its module
# fixtures (a dbt build, a loaded warehouse, a sequence of loads) are built once and in order.
# The scheduler sees only test ids, so the groups are named here by module, and collection fails
# if a module reads a shared fixture without being in its group.
SHARED_FIXTURE_GROUPS = {
    "published_run": "published-demo-run",  # one nightly run, read or copied
    "published_home": "published-demo-home",  # one `salespulse run` with every source
}
SHARED_MODULES = {
    "tests/orchestration/test_nightly_refresh_end_to_end.py": "published-demo-run",
    "tests/orchestration/test_alerts_and_intraday.py": "published-demo-run",
    "tests/orchestration/test_resume_after_a_killed_run.py": "published-demo-run",
}
SHARED_FOLDERS = {
    "tests/dashboard": "published-demo-home",
    "tests/forecasting": "forecasting",  # one fitted panel
    "tests/simulator": "simulator",  # one small company and its API
    "tests/postgres": "postgres",  # one PostgreSQL database: its tests run one at a time
}


def xdist_group(nodeid: str) -> str:
    """The unit of work a test belongs to: its shared group, else its module."""
    module = nodeid.split("::")[0]
    folder = module.rsplit("/", 1)[0]
    return SHARED_MODULES.get(module) or SHARED_FOLDERS.get(folder) or module


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's own loadgroup cannot group under pytest 9.2 (it renames test ids through an
    attribute pytest no longer reads): schedule by `xdist_group` instead."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in SHARED_FIXTURE_GROUPS.items():
            if fixture in item.fixturenames and xdist_group(item.nodeid) != group:
                raise pytest.UsageError(
                    f"{item.nodeid} reads the session fixture {fixture}: add its module to "
                    f"the {group!r} group in tests/conftest.py, or every worker runs it again"
                )


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
