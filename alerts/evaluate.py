"""Judge every rule against the published marts: which subjects breach it now."""

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from alerts.metrics import METRICS, as_of_date, read_metric
from alerts.rules import AlertRule, AlertRules, Comparison
from ingestion.warehouse import PublishedWarehouse, published_warehouse

NEEDS_PREVIOUS = (Comparison.DROP, Comparison.RISE)
NEEDS_MEDIAN = (Comparison.BELOW_TEAM_MEDIAN, Comparison.ABOVE_TEAM_MEDIAN)


@dataclass(frozen=True)
class Breach:
    rule_id: str
    metric: str
    level: str
    subject_id: str
    subject_name: str
    team_id: str | None
    severity: str
    recipient: str
    period_label: str
    value: float
    reference: float  # what the value was compared with: threshold, previous value or median
    sample: float | None
    message: str

    @property
    def key(self) -> str:
        """One open alert per rule and subject: a breach that lasts is the same alert."""
        return f"{self.rule_id}|{self.level}|{self.subject_id}"


def evaluate_serving(
    rules: AlertRules, serving_path: Path | None = None
) -> dict[str, list[Breach]]:
    """Breaches of each rule (by rule id) on the published marts, read-only: the serving DuckDB
    file (`serving_path`, default the settings'), or PostgreSQL's serving_ schemas."""
    with published_warehouse(serving_path) as serving:
        if serving is None:
            raise FileNotFoundError("nothing is published yet: the alert rules need the marts")
        return evaluate(serving, rules)


def evaluate(serving: PublishedWarehouse, rules: AlertRules) -> dict[str, list[Breach]]:
    """Breaches of each rule (by rule id) on the published marts `serving` reads."""
    as_of = as_of_date(serving)
    return {
        rule.id: breaches(rule, read_metric(serving, rule.metric, rule.level, rule.period, as_of))
        for rule in rules.rules
    }


def breaches(rule: AlertRule, frame: pd.DataFrame) -> list[Breach]:
    """Subjects whose value breaches the rule in each of the last `consecutive_periods` judged
    periods (the judged one and those just before it), each with enough sample."""
    frame = frame.sort_values(["subject_id", "period_start_date"]).reset_index(drop=True)
    frame["reference"] = _reference(rule, frame)
    frame["breached"] = _breached(rule, frame)
    judged = frame.loc[frame["is_evaluated"], "period_start_date"]
    if judged.empty:
        return []
    periods = sorted(
        frame.loc[frame["period_start_date"] <= judged.max(), "period_start_date"].unique()
    )
    window = periods[-rule.consecutive_periods :]
    if len(window) < rule.consecutive_periods:
        return []
    in_window = frame[frame["period_start_date"].isin(window)]
    counts = in_window.groupby("subject_id")["breached"].agg(["sum", "size"])
    subjects = counts[(counts["sum"] == rule.consecutive_periods)].index
    current = frame[frame["is_evaluated"] & frame["subject_id"].isin(subjects)]
    return [_breach(rule, row) for row in current.itertuples(index=False)]


def _reference(rule: AlertRule, frame: pd.DataFrame) -> pd.Series:
    if rule.comparison in NEEDS_PREVIOUS:
        return frame.groupby("subject_id")["value"].shift(1)
    if rule.comparison in NEEDS_MEDIAN:
        # The team's median rep in the period, over reps with a value and enough sample.
        usable = frame["value"].where(_enough_sample(rule, frame))
        return usable.groupby([frame["team_id"], frame["period_start_date"]]).transform("median")
    return pd.Series(rule.threshold, index=frame.index, dtype=float)


def _enough_sample(rule: AlertRule, frame: pd.DataFrame) -> pd.Series:
    return frame["sample"].isna() | (frame["sample"] >= rule.min_sample)


def _breached(rule: AlertRule, frame: pd.DataFrame) -> pd.Series:
    value, reference, threshold = frame["value"], frame["reference"], rule.threshold
    compare = {
        Comparison.BELOW: value < reference,
        Comparison.AT_MOST: value <= reference,
        Comparison.ABOVE: value > reference,
        Comparison.AT_LEAST: value >= reference,
        Comparison.DROP: reference - value >= threshold,
        Comparison.RISE: value - reference >= threshold,
        Comparison.BELOW_TEAM_MEDIAN: value < reference - threshold,
        Comparison.ABOVE_TEAM_MEDIAN: value > reference + threshold,
    }[rule.comparison]
    # NULL (no value, suppressed, nothing to compare with) never breaches.
    return compare & value.notna() & reference.notna() & _enough_sample(rule, frame)


def _breach(rule: AlertRule, row) -> Breach:
    sample = None if pd.isna(row.sample) else float(row.sample)
    breach = Breach(
        rule_id=rule.id,
        metric=rule.metric,
        level=rule.level,
        subject_id=str(row.subject_id),
        subject_name=str(row.subject_name),
        team_id=None if pd.isna(row.team_id) else str(row.team_id),
        severity=rule.severity,
        recipient=rule.recipient,
        period_label=str(row.period_label),
        value=float(row.value),
        reference=float(row.reference),
        sample=sample,
        message="",
    )
    return _with_message(rule, breach)


def format_value(unit: str, value: float) -> str:
    if unit == "share":
        return f"{value:.0%}"
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit in ("count", "days"):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _with_message(rule: AlertRule, breach: Breach) -> Breach:
    metric = METRICS[rule.metric]
    value = format_value(metric.unit, breach.value)
    reference = format_value(metric.unit, breach.reference)
    how = {
        Comparison.BELOW: f"below {reference}",
        Comparison.AT_MOST: f"at most {reference}",
        Comparison.ABOVE: f"above {reference}",
        Comparison.AT_LEAST: f"at least {reference}",
        Comparison.DROP: f"down from {reference}",
        Comparison.RISE: f"up from {reference}",
        Comparison.BELOW_TEAM_MEDIAN: f"below the team median {reference}",
        Comparison.ABOVE_TEAM_MEDIAN: f"above the team median {reference}",
    }[rule.comparison]
    runs = f" for {rule.consecutive_periods} periods" if rule.consecutive_periods > 1 else ""
    sample = ""
    if breach.sample is not None and metric.sample_label:
        sample = f" ({breach.sample:,.0f} {metric.sample_label})"
    text = (
        f"{breach.level.capitalize()} {breach.subject_name}: {metric.label} {value} {how}"
        f"{runs}, {breach.period_label}{sample}"
    )
    return replace(breach, message=text)
