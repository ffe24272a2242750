"""The run-failure alert (logged and posted to the webhook) and the intraday refresh's scope."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import duckdb
import pandas as pd
import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
)

from salespulse.settings import BUILD_FILE

pytestmark = pytest.mark.e2e


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received = []
    monkeypatch.setenv(
        "SALESPULSE_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook"
    )
    yield _Receiver.received
    server.shutdown()


def test_a_failed_run_is_posted_to_the_webhook_with_its_cause(
    dbt_manifest, webhook, warehouse_home, monkeypatch
):
    from orchestration.definitions import defs
    from orchestration.defs.automation.alerts import ALERTED_BY_COMMAND_TAG, alert_on_run_failure

    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("SOURCES__HUBSPOT__ACCESS_TOKEN", raising=False)
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("nightly_refresh").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = next(
        event for event in result.all_events if event.event_type == DagsterEventType.RUN_FAILURE
    )
    context = build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
    ).for_run_failure()

    alert_on_run_failure(context)

    assert len(webhook) == 1
    assert webhook[0]["run_id"] == result.run_id
    assert "nightly_refresh" in webhook[0]["text"]
    assert "hubspot" in webhook[0]["text"]

    # A run of `salespulse run` is posted by the command itself: the sensor leaves it alone.
    by_command = result.dagster_run._replace(
        tags={**result.dagster_run.tags, ALERTED_BY_COMMAND_TAG: "true"}
    )
    alert_on_run_failure(
        build_run_status_sensor_context(
            sensor_name="alert_on_run_failure",
            dagster_instance=instance,
            dagster_run=by_command,
            dagster_event=failure,
        ).for_run_failure()
    )
    assert len(webhook) == 1


# The next day (as of 1 July, its end): deals moved stage and one changed its amount.
INTRADAY_DAYS = 1
FORECAST_MARTS = (
    "forecast.forecast_bookings_monthly",
    "forecast.forecast_accuracy",
    "forecast.forecast_vs_actual",
)


@pytest.fixture
def demo_api_a_day_later(demo_company):
    """The same demo company served a day later (the session's API keeps its clock): what an
    intraday run sees the day after the nightly one."""
    from e2e_helpers import DEMO_TOKEN

    from simulator.server import DemoApi

    with DemoApi(demo_company.advance(INTRADAY_DAYS), token=DEMO_TOKEN) as api:
        yield api


def _serving(home, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def _deals(home) -> pd.DataFrame:
    return _serving(
        home,
        "select source_deal_id, stage_id, amount from core.fct_deals "
        "where not is_deleted order by source_deal_id",
    )


@pytest.mark.slow  # a second job run on a copy of the published warehouse
def test_the_intraday_refresh_rebuilds_the_fast_moving_marts_and_carries_the_rest_over(
    published_copy, demo_api_a_day_later, demo_company, monkeypatch
):
    from e2e_helpers import demo_sources

    from orchestration.definitions import defs
    from orchestration.defs.automation.jobs import intraday_selection

    # A warehouse with everything built and published once by the nightly job.
    forecasts_before = {mart: _serving(published_copy, f"from {mart}") for mart in FORECAST_MARTS}
    deals_before = _deals(published_copy)
    parquet = published_copy / "parquet" / "forecast" / "forecast_bookings_monthly.parquet"
    parquet_before = parquet.resolve().stat().st_ino
    for name, value in demo_sources(published_copy, demo_api_a_day_later, demo_company).items():
        monkeypatch.setenv(name, value)
    next_day = demo_company.as_of + dt.timedelta(days=INTRADAY_DAYS)
    monkeypatch.setenv("SALESPULSE_AS_OF_DATE", next_day.isoformat())
    intraday = defs.resolve_job_def("intraday_refresh").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False
    )

    assert intraday.success
    materialized = {event.asset_key for event in intraday.get_asset_materialization_events()}
    assert AssetKey(["raw_hubspot", "deals"]) in materialized
    assert AssetKey(["sales", "rep_performance_monthly"]) in materialized
    assert AssetKey(["serving", "warehouse"]) in materialized
    # Slow-moving sources and what only they feed are left alone; so is the monthly forecast.
    assert AssetKey(["raw_hubspot", "owners"]) not in materialized
    assert AssetKey(["raw_hubspot", "deal_pipelines"]) not in materialized
    assert AssetKey(["intermediate", "int_reps_unioned"]) not in materialized
    assert AssetKey(["staging", "stg_hubspot__owners"]) not in materialized
    assert not [key for key in materialized if key.path[0] in ("raw_forecast", "forecast")]
    # Every check of what it rebuilt ran, its dbt tests among them, and the blocking ones passed
    # (a KPI alert may fire).
    checks = intraday.get_asset_check_evaluations()
    evaluated = {AssetCheckKey(check.asset_key, check.check_name) for check in checks}
    assert evaluated == intraday_selection().resolve_checks(defs.resolve_asset_graph())
    assert (
        AssetCheckKey(
            AssetKey(["sales", "rep_performance_monthly"]),
            "assert_rep_bookings_reconcile_with_deals",
        )
        in evaluated
    )
    assert not [c for c in checks if not c.passed and c.severity == AssetCheckSeverity.ERROR]

    # The forecast marts as the nightly job published them, readable, in DuckDB and Parquet.
    for mart, before in forecasts_before.items():
        assert len(before) > 0
        pd.testing.assert_frame_equal(_serving(published_copy, f"from {mart}"), before)
    assert parquet.resolve().stat().st_ino == parquet_before
    assert len(duckdb.sql(f"from '{parquet}'").df()) == len(forecasts_before[FORECAST_MARTS[0]])

    # The deals moved with the day's changes, as the raw HubSpot records say.
    deals_after = _deals(published_copy)
    assert not deals_after.equals(deals_before)
    with duckdb.connect(str(published_copy / BUILD_FILE), read_only=True) as con:
        raw = con.execute(
            "select cast(id as varchar) as source_deal_id, dealstage as stage_id, "
            "cast(amount as decimal(18, 2)) as amount from raw_hubspot.deals "
            "where not coalesce(archived, false) order by source_deal_id"
        ).df()
    moved = deals_after.merge(deals_before, how="left", indicator=True)
    moved = moved[moved["_merge"] == "left_only"].drop(columns="_merge")
    assert len(moved) > 0
    expected = raw[raw["source_deal_id"].isin(moved["source_deal_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(moved.reset_index(drop=True), expected, check_dtype=False)

    # The publication log names what this publish carried over unchanged.
    log = _serving(
        published_copy,
        "select table_schema || '.' || table_name as relation, carried_over "
        "from salespulse.publications "
        "where run_id = (select run_id from salespulse.data_as_of)",
    )
    carried = set(log.loc[log["carried_over"], "relation"])
    assert set(FORECAST_MARTS) <= carried
    assert "core.dim_reps" in carried
    assert "sales.rep_performance_monthly" in set(log.loc[~log["carried_over"], "relation"])
