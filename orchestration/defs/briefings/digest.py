"""The weekly digest: every Monday at 07:00 in the reporting time zone, each team's digest of
the week just ended is rendered into the warehouse home and posted to the team's webhook (the
alert rule file's `team_webhooks`, else its default)."""

from dagster import (
    DefaultScheduleStatus,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)

from alerts.notify import post
from alerts.rules import load_rules
from briefings.command import require_duckdb_serving
from briefings.digest import team_digest, write_digest
from briefings.teams import digest_teams
from ingestion.warehouse import salespulse_home, serving_warehouse_path
from orchestration.settings import reporting_timezone

WEEKLY_DIGEST_CRON = "0 7 * * 1"


@op(description="Render each team's digest of the last complete week and post it.")
def post_team_digests(context: OpExecutionContext) -> None:
    import requests

    require_duckdb_serving()
    rules = load_rules()
    serving = serving_warehouse_path()
    for team_id in digest_teams(serving):
        digest = team_digest(serving, team_id)
        markdown, _ = write_digest(digest, salespulse_home())
        context.log.info(f"{digest.team_name}: {markdown}")
        url = rules.webhook_url("team", team_id)
        if not url:
            continue
        try:
            post(url, digest.document.slack_payload())
        except requests.RequestException as error:
            # The digest is written either way; the URL is a secret and never logged.
            context.log.error(f"{digest.team_name}: could not post: {type(error).__name__}")


@job(description="Each team's weekly digest, into the warehouse home and to its webhook.")
def weekly_digest():
    post_team_digests()


weekly_digest_schedule = ScheduleDefinition(
    name="weekly_digest_schedule",
    job=weekly_digest,
    cron_schedule=WEEKLY_DIGEST_CRON,
    execution_timezone=reporting_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="The weekly digest per team, Mondays at 07:00 in the reporting time zone.",
)
