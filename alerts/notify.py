"""Notices to Slack-compatible incoming webhooks: a JSON body with `text` (what Slack, Teams and
Mattermost show in notifications) and `blocks` (Slack's layout), one post per webhook and run."""

import logging
from collections import defaultdict
from collections.abc import Callable

import requests

from alerts.state import Alert

log = logging.getLogger(__name__)

MAX_ALERTS_PER_POST = 20  # Slack shows at most 50 blocks a message
SEVERITY_MARK = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":information_source:",
}


def payload(opened: list[Alert], resolved: list[Alert]) -> dict:
    """The message for one webhook: new breaches first, then resolutions."""
    lines = [f"{SEVERITY_MARK.get(a.severity, '')} {a.message}" for a in opened]
    lines += [f":white_check_mark: Resolved: {a.message}" for a in resolved]
    title = f"SalesPulse alerts: {len(opened)} new, {len(resolved)} resolved"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": line}} for line in lines]
    return {"text": "\n".join([title, *lines]), "blocks": blocks}


def post(url: str, body: dict) -> None:
    requests.post(url, json=body, timeout=10).raise_for_status()


def send_notices(
    alerts: list[Alert],
    webhook_url: Callable[[Alert], str | None],
    poster: Callable[[str, dict], None] = post,
) -> set[str]:
    """Post every owed notice to its alert's webhook; the ids of the alerts whose notice was
    delivered. A webhook that is not configured or fails leaves its notices owed."""
    by_url: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        if alert.owes_breach_notice or alert.owes_resolution_notice:
            url = webhook_url(alert)
            if url:
                by_url[url].append(alert)
    delivered: set[str] = set()
    for url, owed in by_url.items():
        for start in range(0, len(owed), MAX_ALERTS_PER_POST):
            batch = owed[start : start + MAX_ALERTS_PER_POST]
            body = payload(
                [a for a in batch if a.owes_breach_notice],
                [a for a in batch if a.owes_resolution_notice],
            )
            try:
                poster(url, body)
            except requests.RequestException as error:
                # Never log the URL: an incoming webhook's URL is its secret.
                log.warning("could not post %d alert notices: %s", len(batch), type(error).__name__)
                continue
            delivered.update(a.alert_id for a in batch)
    return delivered
