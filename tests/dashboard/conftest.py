"""One published demo warehouse per test session for the dashboard's tests: the demo company
at the tiny scale (HubSpot and Typeform APIs, quota plan and FX files), refreshed by
`salespulse run` in a child process, exactly as an operator runs it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SALESPULSE = str(Path(sys.executable).parent / "salespulse")
TOKEN = "dashboard-test-token"


@pytest.fixture(scope="session")
def published_home(tmp_path_factory, demo_company) -> Path:
    """SALESPULSE_HOME of a warehouse that the nightly job refreshed and published."""
    from orchestration.defs.transformation.parse_state import FULL_PARSE_WARNING
    from orchestration.defs.transformation.project import prepare_manifest
    from orchestration.demo_company import demo_company_environment
    from simulator.exports import export
    from simulator.server import DemoApi

    home = tmp_path_factory.mktemp("dashboard") / "warehouse"
    exports = home / "demo_exports"
    export(demo_company, exports, fmt="parquet")
    started = time.monotonic()
    with DemoApi(demo_company, token=TOKEN) as api:
        env = {
            **os.environ,
            **demo_company_environment(api.base_url, TOKEN, exports),
            "SALESPULSE_SOURCES": "hubspot,typeform,files",
            "SALESPULSE_HOME": str(home),
            "SALESPULSE_AS_OF_DATE": demo_company.as_of.isoformat(),
        }
        env.pop("DAGSTER_HOME", None)
        run = subprocess.run(
            [SALESPULSE, "run"], env=env, capture_output=True, text=True, timeout=900
        )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "Open the dashboard: python3 -m uv run --locked salespulse dashboard" in run.stdout
    # One parse of the project per run: each dbt step started from the one the run made.
    assert FULL_PARSE_WARNING not in run.stderr, run.stderr[-3000:]
    # The run parsed the dbt project into the shared target folder with every source enabled;
    # parse it back for this process's settings, which the other tests' asset graph is built on.
    prepare_manifest()
    print(f"\npublished demo warehouse in {time.monotonic() - started:.0f}s: {home}")
    return home


APP = Path(__file__).parents[2] / "dashboard" / "app.py"


@pytest.fixture
def open_app(published_home, monkeypatch):
    """A function that runs one page of the dashboard, in open mode, on the published demo."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SALESPULSE_HOME", str(published_home))
    monkeypatch.delenv("SALESPULSE_DASHBOARD_AUTH_HEADER", raising=False)
    monkeypatch.delenv("SALESPULSE_DASHBOARD_ROLES_FILE", raising=False)

    def run(page: str = "overview", home: Path | None = None, **query_params: str) -> AppTest:
        if home is not None:
            monkeypatch.setenv("SALESPULSE_HOME", str(home))
        app = AppTest.from_file(str(APP), default_timeout=60)
        app.query_params.update(query_params)
        app.run()
        if page != "overview":
            app.switch_page(f"views/{page}.py").run()
        assert not app.exception, [error.value for error in app.exception]
        return app

    return run


@pytest.fixture(scope="session")
def serving(published_home):
    """Read the published marts directly, as a BI tool would: the independent side of every
    comparison with what the dashboard shows."""
    import duckdb

    def query(sql: str, params: list | None = None):
        with duckdb.connect(str(published_home / "serving.duckdb"), read_only=True) as con:
            return con.execute(sql, params or []).df()

    return query
