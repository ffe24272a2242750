"""Which subjects breach a rule: thresholds, minimum sample, N periods in a row, change against
the previous wave and against the team median, on frames shaped like alerts.metrics' output."""

from datetime import date

import pandas as pd

from alerts.evaluate import breaches
from alerts.rules import AlertRule


def _rule(**overrides) -> AlertRule:
    rule = {
        "id": "r",
        "metric": "lead_response_sla_share",
        "level": "team",
        "period": "week",
        "comparison": "below",
        "threshold": 0.8,
    }
    return AlertRule(**{**rule, **overrides})


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (subject_id, team_id, week number, value, sample); the last week is judged."""
    frame = pd.DataFrame(
        [
            {
                "subject_id": subject,
                "subject_name": subject.upper(),
                "team_id": team,
                "period_label": f"2026-W{week:02d}",
                "period_start_date": date.fromisocalendar(2026, week, 1),
                "value": value,
                "sample": sample,
            }
            for subject, team, week, value, sample in rows
        ]
    )
    frame["is_evaluated"] = frame["period_start_date"] == frame["period_start_date"].max()
    return frame


def _breached(rule: AlertRule, frame: pd.DataFrame) -> set[str]:
    return {breach.subject_id for breach in breaches(rule, frame)}


def test_below_the_threshold_with_enough_sample_breaches():
    frame = _frame(
        [
            ("east", "east", 10, 0.5, 40),  # breaches
            ("west", "west", 10, 0.9, 40),  # above the target
            ("north", "north", 10, 0.1, 3),  # too few leads to judge
            ("south", "south", 10, None, 0),  # no value: never a breach
            ("east", "east", 9, 0.9, 40),
        ]
    )
    found = breaches(_rule(min_sample=5), frame)
    assert [b.subject_id for b in found] == ["east"]
    assert (
        found[0].message == "Team EAST: lead response SLA share 50% below 80%, 2026-W10 (40 leads)"
    )
    assert found[0].key == "r|team|east"


def test_n_consecutive_periods_must_all_breach():
    frame = _frame(
        [
            ("east", "east", 8, 0.5, 40),
            ("east", "east", 9, 0.5, 40),
            ("east", "east", 10, 0.5, 40),
            ("west", "west", 8, 0.5, 40),
            ("west", "west", 9, 0.9, 40),  # recovered in between
            ("west", "west", 10, 0.5, 40),
            ("new", "new", 10, 0.5, 40),  # no history yet
        ]
    )
    assert _breached(_rule(consecutive_periods=3), frame) == {"east"}
    assert _breached(_rule(consecutive_periods=1), frame) == {"east", "west", "new"}


def test_a_drop_between_waves_compares_with_the_previous_one_only_when_both_are_shown():
    frame = _frame(
        [
            ("east", "east", 8, 30.0, 12),
            ("east", "east", 10, 15.0, 12),  # -15: breaches
            ("west", "west", 8, 30.0, 12),
            ("west", "west", 10, 25.0, 12),  # -5: within tolerance
            ("north", "north", 8, None, None),  # suppressed, below the anonymity threshold
            ("north", "north", 10, -40.0, 6),
        ]
    )
    rule = _rule(metric="team_enps", period="wave", comparison="drop", threshold=10)
    found = breaches(rule, frame)
    assert [(b.subject_id, b.value, b.reference) for b in found] == [("east", 15.0, 30.0)]


def test_a_rep_below_the_team_median_by_more_than_the_threshold():
    frame = _frame(
        [
            ("ann", "east", 10, 0.20, 10),
            ("bob", "east", 10, 0.50, 10),
            ("cat", "east", 10, 0.60, 10),  # team median 0.50
            ("dan", "east", 10, 0.05, 2),  # too few deals: neither judged nor in the median
            ("eve", "west", 10, 0.10, 10),  # alone: is the median
        ]
    )
    rule = _rule(
        metric="win_rate",
        level="rep",
        comparison="below_team_median",
        threshold=0.1,
        min_sample=5,
    )
    found = breaches(rule, frame)
    assert [(b.subject_id, b.reference) for b in found] == [("ann", 0.5)]
