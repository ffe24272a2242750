"""Alerts: every failed run is logged and, when a webhook is configured
(SALESPULSE_ALERT_WEBHOOK_URL), posted to it once.

Runs launched by the daemon (schedules, the UI) are alerted by the run-failure sensor. A
`salespulse run` posts its own failure, since cron deployments run no daemon; its runs carry the
tag ALERTED_BY_COMMAND_TAG, and the sensor leaves them alone, so no failure is posted twice.
"""

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from orchestration.progress import failure_text
from salespulse.settings import current_settings, env_name

ALERT_WEBHOOK_ENV = env_name("alert_webhook_url")
ALERTED_BY_COMMAND_TAG = "salespulse/alerted_by_command"


def failure_message(job_name: str, run_id: str, failed_steps: dict[str, str]) -> str:
    """One line naming the job, the run and each failed step with its first error line."""
    steps = [
        f"{step}: {(text.strip().splitlines() or ['failed'])[0]}"
        for step, text in failed_steps.items()
    ]
    detail = "; ".join(steps) or "no step failed"
    return f"SalesPulse {job_name} run {run_id[:8]} failed ({detail}); serving is unchanged"


def post_alert(message: str, job_name: str, run_id: str) -> str | None:
    """Post to the configured webhook; returns why it could not, or None (also when none is set).
    A broken webhook must never hide the failure it reports, so it never raises."""
    url = current_settings().alert_webhook_url
    if not url:
        return None
    # `text` is what Slack and Teams incoming webhooks display; the rest is for other receivers.
    payload = {"text": message, "job": job_name, "run_id": run_id}
    try:
        requests.post(url, json=payload, timeout=10).raise_for_status()
    except requests.RequestException as error:
        return f"could not post the alert to the webhook: {type(error).__name__}"
    return None


@run_failure_sensor(
    name="alert_on_run_failure",
    default_status=DefaultSensorStatus.RUNNING,
    description=f"Logs every failed run and posts it to ${ALERT_WEBHOOK_ENV} when set.",
)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    run = context.dagster_run
    if run.tags.get(ALERTED_BY_COMMAND_TAG) == "true":
        return  # `salespulse run` posted it already
    failed = {
        event.step_key: failure_text(event.step_failure_data.error)
        for event in context.get_step_failure_events()
        if event.step_failure_data and event.step_failure_data.error
    }
    if not failed and context.failure_event.message:
        failed = {"run": context.failure_event.message}
    message = failure_message(run.job_name, run.run_id, failed)
    context.log.error(message)
    if problem := post_alert(message, run.job_name, run.run_id):
        context.log.error(problem)
