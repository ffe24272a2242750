"""The alert state across runs, and its notices to a local Slack-compatible webhook: a breach is
posted once while it lasts, its resolution once, and an undelivered notice is owed again."""

from datetime import UTC, datetime, timedelta

import duckdb

from alerts.evaluate import Breach
from alerts.notify import send_notices
from alerts.state import OPEN, RESOLVED, mark_notified, merge
from alerts.store import read_state, write_state
from tests.alerts.webhook_receiver import webhook_receiver

START = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _breach(subject: str, value: float = 0.5) -> Breach:
    return Breach(
        rule_id="lead_response_sla",
        metric="lead_response_sla_share",
        level="team",
        subject_id=subject,
        subject_name=subject.title(),
        team_id=subject,
        severity="warning",
        recipient="team",
        period_label="2026-W22",
        value=value,
        reference=0.8,
        sample=40.0,
        message=f"Team {subject.title()}: lead response SLA share {value:.0%} below 80%",
    )


def _run(state, current, url, day, poster=None):
    """One evaluation after a publish: merge, post what is owed, record what was delivered."""
    now = START + timedelta(days=day)
    state = merge(state, current, now)
    kwargs = {"poster": poster} if poster else {}
    delivered = send_notices(state, lambda alert: url, **kwargs)
    return mark_notified(state, delivered, now)


def test_a_breach_is_posted_once_and_its_resolution_once():
    with webhook_receiver() as (url, received):
        state = _run([], [_breach("east"), _breach("west")], url, day=0)
        assert len(received) == 1
        body = received[0]
        assert body["text"].startswith("SalesPulse alerts: 2 new, 0 resolved")
        assert "Team East: lead response SLA share 50% below 80%" in body["text"]
        assert [block["type"] for block in body["blocks"]] == ["header", "section", "section"]

        # Still breached the next day, with a new value: the same alert, not posted again.
        state = _run(state, [_breach("east", 0.4), _breach("west")], url, day=1)
        assert len(received) == 1
        east = next(a for a in state if a.subject_id == "east")
        assert (east.status, east.value, east.first_seen_at) == (OPEN, 0.4, START)
        assert east.last_seen_at == START + timedelta(days=1)

        # West recovers: its resolution is posted once.
        state = _run(state, [_breach("east", 0.4)], url, day=2)
        assert len(received) == 2
        assert received[1]["text"].startswith("SalesPulse alerts: 0 new, 1 resolved")
        assert "Resolved: Team West" in received[1]["text"]
        state = _run(state, [_breach("east", 0.4)], url, day=3)
        assert len(received) == 2

        # West breaches again: a new alert, posted again; the resolved one stays as history.
        state = _run(state, [_breach("east", 0.4), _breach("west")], url, day=4)
        assert len(received) == 3
        west = sorted((a for a in state if a.subject_id == "west"), key=lambda a: a.first_seen_at)
        assert [a.status for a in west] == [RESOLVED, OPEN]
        assert west[0].resolution_notified_at == START + timedelta(days=2)


def test_an_undelivered_notice_is_owed_until_the_webhook_takes_it():
    with webhook_receiver(status=500) as (broken_url, refused):
        state = _run([], [_breach("east")], broken_url, day=0)
    assert len(refused) == 1 and state[0].notified_at is None
    with webhook_receiver() as (url, received):
        state = _run(state, [_breach("east")], url, day=1)
        state = _run(state, [_breach("east")], url, day=2)
    assert len(received) == 1
    assert state[0].notified_at == START + timedelta(days=1)


def test_an_alert_never_announced_resolves_without_a_notice():
    state = _run([], [_breach("east")], None, day=0)  # no webhook configured
    posted = []
    state = _run(state, [], "http://unused", day=1, poster=lambda url, body: posted.append(body))
    assert state[0].status == RESOLVED and posted == []


def test_the_state_round_trips_through_the_warehouse(tmp_path):
    with webhook_receiver() as (url, _):
        state = _run([], [_breach("east"), _breach("west")], url, day=0)
        state = _run(state, [_breach("east")], url, day=1)
    warehouse = tmp_path / "build.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        write_state(con, state)
    assert read_state(warehouse) == state
