"""The alert state: one row per alert (a rule breached by a subject, from first seen until it
resolves), merged run by run with the current breaches, and what is owed a notification."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from alerts.evaluate import Breach

OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class Alert:
    alert_id: str  # the rule, level and subject, and when it was first seen
    alert_key: str  # the rule, level and subject: at most one open alert per key
    rule_id: str
    metric: str
    level: str
    subject_id: str
    subject_name: str
    team_id: str | None
    severity: str
    recipient: str
    status: str
    period_label: str
    value: float
    reference: float
    message: str
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None
    notified_at: datetime | None = None
    resolution_notified_at: datetime | None = None

    @property
    def owes_breach_notice(self) -> bool:
        return self.status == OPEN and self.notified_at is None

    @property
    def owes_resolution_notice(self) -> bool:
        # An alert that was never announced needs no resolution either.
        return (
            self.status == RESOLVED
            and self.notified_at is not None
            and self.resolution_notified_at is None
        )

    def as_row(self) -> dict:
        return asdict(self)


def merge(previous: list[Alert], breaches: list[Breach], now: datetime) -> list[Alert]:
    """The new state: open alerts still breached are seen again, those no longer breached are
    resolved, new breaches open new alerts; resolved alerts stay as history."""
    current = {breach.key: breach for breach in breaches}
    merged = []
    for alert in previous:
        if alert.status == RESOLVED:
            merged.append(alert)
        elif alert.alert_key in current:
            breach = current.pop(alert.alert_key)
            merged.append(replace(alert, **_figures(breach), last_seen_at=now))
        else:
            merged.append(replace(alert, status=RESOLVED, resolved_at=now))
    for key, breach in current.items():
        merged.append(
            Alert(
                alert_id=f"{key}|{now.isoformat()}",
                alert_key=key,
                rule_id=breach.rule_id,
                metric=breach.metric,
                level=breach.level,
                team_id=breach.team_id,
                severity=breach.severity,
                recipient=breach.recipient,
                status=OPEN,
                first_seen_at=now,
                last_seen_at=now,
                **_figures(breach),
            )
        )
    return merged


def _figures(breach: Breach) -> dict:
    return {
        "subject_id": breach.subject_id,
        "subject_name": breach.subject_name,
        "period_label": breach.period_label,
        "value": breach.value,
        "reference": breach.reference,
        "message": breach.message,
    }


def mark_notified(alerts: list[Alert], delivered: set[str], now: datetime) -> list[Alert]:
    """Record the notices that reached their webhook; the rest are owed again next run."""
    marked = []
    for alert in alerts:
        if alert.alert_id in delivered and alert.owes_breach_notice:
            alert = replace(alert, notified_at=now)
        elif alert.alert_id in delivered and alert.owes_resolution_notice:
            alert = replace(alert, resolution_notified_at=now)
        marked.append(alert)
    return marked
