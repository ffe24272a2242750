"""Alerts: every failed run is logged and, when a webhook is configured, posted to it."""

import os

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

ALERT_WEBHOOK_ENV = "SALESPULSE_ALERT_WEBHOOK_URL"


def failure_message(context: RunFailureSensorContext) -> str:
    """One line naming the job, the run and each failed step with its first error line."""
    run = context.dagster_run
    steps = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[0]}"
        for event in context.get_step_failure_events()
        if event.step_failure_data and event.step_failure_data.error
    ]
    detail = "; ".join(steps) or context.failure_event.message or "no step failed"
    return f"SalesPulse {run.job_name} run {run.run_id[:8]} failed ({detail}); serving is unchanged"


@run_failure_sensor(
    name="alert_on_run_failure",
    default_status=DefaultSensorStatus.RUNNING,
    description=f"Logs every failed run and posts it to ${ALERT_WEBHOOK_ENV} when set.",
)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    message = failure_message(context)
    context.log.error(message)
    url = os.environ.get(ALERT_WEBHOOK_ENV)
    if not url:
        return
    # `text` is what Slack and Teams incoming webhooks display; the rest is for other receivers.
    payload = {
        "text": message,
        "job": context.dagster_run.job_name,
        "run_id": context.dagster_run.run_id,
    }
    try:
        requests.post(url, json=payload, timeout=10).raise_for_status()
    except requests.RequestException as error:
        # The failure is already in the log; a broken webhook must not hide it.
        context.log.error(f"could not post the alert to the webhook: {type(error).__name__}")
