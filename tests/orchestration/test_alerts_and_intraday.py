"""The run-failure alert (logged and posted to the webhook) and the intraday refresh's scope."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, build_run_status_sensor_context

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


@pytest.mark.slow  # a second job run on a copy of the published warehouse
def test_the_intraday_refresh_touches_only_fast_moving_sources_and_their_marts(
    published_copy, demo_api, demo_company, monkeypatch
):
    from e2e_helpers import demo_sources

    from orchestration.definitions import defs

    # A warehouse with everything built once: the published demo warehouse.
    for name, value in demo_sources(published_copy, demo_api, demo_company).items():
        monkeypatch.setenv(name, value)
    intraday = defs.resolve_job_def("intraday_refresh").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False
    )

    assert intraday.success
    materialized = {event.asset_key for event in intraday.get_asset_materialization_events()}
    assert AssetKey(["raw_hubspot", "deals"]) in materialized
    assert AssetKey(["sales", "rep_performance_monthly"]) in materialized
    assert AssetKey(["serving", "warehouse"]) in materialized
    # Slow-moving sources and what only they feed are left alone.
    assert AssetKey(["raw_hubspot", "owners"]) not in materialized
    assert AssetKey(["raw_hubspot", "deal_pipelines"]) not in materialized
    assert AssetKey(["intermediate", "int_reps_unioned"]) not in materialized
    assert AssetKey(["staging", "stg_hubspot__owners"]) not in materialized
