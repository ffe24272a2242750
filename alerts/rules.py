"""The alert rule file: its schema, validation with errors that name the rule and the key, and
where it is read from (SALESPULSE_ALERT_RULES, else the shipped alerts/default_rules.yml)."""

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alerts.metrics import METRICS
from salespulse.settings import ENV_PREFIX, env_name, load_settings

DEFAULT_RULES_PATH = Path(__file__).with_name("default_rules.yml")
RULES_PATH_ENV = env_name("alert_rules")


class AlertRulesError(ValueError):
    """The rule file is missing, not YAML, or breaks the schema (the message names rule and key)."""


class Comparison(StrEnum):
    BELOW = "below"  # value < threshold
    AT_MOST = "at_most"  # value <= threshold
    ABOVE = "above"  # value > threshold
    AT_LEAST = "at_least"  # value >= threshold
    DROP = "drop"  # value fell by at least threshold since the previous period
    RISE = "rise"  # value rose by at least threshold since the previous period
    BELOW_TEAM_MEDIAN = "below_team_median"  # rep value < team median - threshold
    ABOVE_TEAM_MEDIAN = "above_team_median"  # rep value > team median + threshold


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    metric: str
    level: Literal["rep", "team", "company"]
    period: Literal["day", "week", "month", "fiscal_quarter", "wave"]
    comparison: Comparison
    threshold: float = 0.0
    consecutive_periods: int = Field(default=1, ge=1)
    min_sample: int = Field(default=0, ge=0)
    severity: Literal["info", "warning", "critical"] = "warning"
    recipient: str = "team"

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}")
        return metric

    @model_validator(mode="after")
    def _metric_supports_level_and_period(self) -> "AlertRule":
        metric = METRICS[self.metric]
        if self.level not in metric.levels:
            raise ValueError(f"level: {self.metric} has levels {list(metric.levels)}")
        if self.period not in metric.periods:
            raise ValueError(f"period: {self.metric} has periods {list(metric.periods)}")
        median = self.comparison in (Comparison.BELOW_TEAM_MEDIAN, Comparison.ABOVE_TEAM_MEDIAN)
        if median and self.level != "rep":
            raise ValueError(f"comparison: {self.comparison} applies to level rep only")
        return self


class AlertRules(_Strict):
    """The whole file: named webhooks, which team posts to which, and the rules."""

    webhooks: dict[str, str] = Field(
        default_factory=lambda: {"default": "env:SALESPULSE_ALERT_WEBHOOK_URL"}
    )
    team_webhooks: dict[str, str] = Field(default_factory=dict)
    rules: list[AlertRule]

    @model_validator(mode="after")
    def _references_resolve(self) -> "AlertRules":
        if "default" not in self.webhooks:
            raise ValueError("webhooks: needs a 'default' webhook")
        for team_id, name in self.team_webhooks.items():
            if name not in self.webhooks:
                raise ValueError(f"team_webhooks: team {team_id!r} names unknown webhook {name!r}")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule {rule.id!r}: id is used twice")
            seen.add(rule.id)
            if rule.recipient != "team" and rule.recipient not in self.webhooks:
                raise ValueError(
                    f"rule {rule.id!r}: recipient names unknown webhook {rule.recipient!r} "
                    f"(use 'team' or one of {sorted(self.webhooks)})"
                )
        return self

    def webhook_url(self, recipient: str, team_id: str | None) -> str | None:
        """The URL a rule's alert for `team_id` posts to; None when it is not configured."""
        name = recipient
        if recipient == "team":
            name = self.team_webhooks.get(team_id or "", "default")
        value = self.webhooks[name]
        if value.startswith("env:"):
            return _environment_value(value.removeprefix("env:"))
        return value or None


def _environment_value(name: str) -> str | None:
    """A variable named by the rule file; the deployment's own (SALESPULSE_*) through its
    settings, read and validated in one place."""
    if name.startswith(ENV_PREFIX):
        value = getattr(load_settings(), name.removeprefix(ENV_PREFIX).lower(), None)
        return str(value) if value else None
    return os.environ.get(name) or None


def rules_path() -> Path:
    return load_settings().alert_rules or DEFAULT_RULES_PATH


def load_rules(path: Path | None = None) -> AlertRules:
    """Read and validate the rule file; AlertRulesError names the file, the rule and the key."""
    path = path or rules_path()
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise AlertRulesError(f"alert rules {path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise AlertRulesError(f"alert rules {path}: not valid YAML ({error})") from None
    try:
        return AlertRules.model_validate(document)
    except ValidationError as error:
        raise AlertRulesError(f"alert rules {path}: " + _describe(error, document)) from None


def _describe(error: ValidationError, document: object) -> str:
    """One line per problem: `rule 'x': key: message` (rules are named by id, else position)."""
    problems = []
    for problem in error.errors():
        location = list(problem["loc"])
        where = ".".join(str(part) for part in location) or "file"
        if location[:1] == ["rules"] and len(location) >= 2 and isinstance(location[1], int):
            where = f"rule {_rule_name(document, location[1])}"
            keys = [str(part) for part in location[2:]]
            if keys:
                where += f": {'.'.join(keys)}"
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def _rule_name(document: object, index: int) -> str:
    try:
        return repr(document["rules"][index]["id"])  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return f"#{index + 1}"
