"""The alert rule file: the shipped defaults load, and a bad file fails naming rule and key."""

import textwrap

import pytest

from alerts.rules import AlertRulesError, load_rules

VALID_RULE = """
  - id: lead_response_sla
    metric: lead_response_sla_share
    level: team
    period: week
    comparison: below
    threshold: 0.8
"""


def _load(tmp_path, text: str):
    path = tmp_path / "rules.yml"
    path.write_text(textwrap.dedent(text))
    return load_rules(path)


def test_the_shipped_defaults_cover_the_issues_rules():
    rules = load_rules()
    assert {rule.metric for rule in rules.rules} == {
        "lead_response_sla_share",
        "next_fiscal_quarter_pipeline_coverage",
        "working_days_without_activity",
        "open_deals_past_close_date",
        "quota_attainment_pace",
        "team_enps",
        "team_pulse_score_index",
    }
    assert rules.webhooks["default"] == "env:SALESPULSE_ALERT_WEBHOOK_URL"


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ("metric: bookings_vibes", "rule 'bad_one': metric: unknown metric 'bookings_vibes'"),
        ("comparison: sideways", "rule 'bad_one': comparison: Input should be 'below'"),
        ("treshold: 3", "rule 'bad_one': treshold: Extra inputs are not permitted"),
        ("consecutive_periods: 0", "rule 'bad_one': consecutive_periods: Input should be greater"),
        ("period: wave", "rule 'bad_one': period: lead_response_sla_share has periods"),
        ("recipient: finance", "rule 'bad_one': recipient names unknown webhook 'finance'"),
    ],
)
def test_an_invalid_rule_fails_naming_the_rule_and_the_key(tmp_path, rule, named):
    text = f"""
    rules:
      - id: bad_one
        metric: lead_response_sla_share
        level: team
        period: week
        comparison: below
        threshold: 0.8
        {rule}
    """
    # A later key wins in YAML, so each case overrides one valid key or adds a wrong one.
    with pytest.raises(AlertRulesError) as error:
        _load(tmp_path, text)
    assert str(tmp_path / "rules.yml") in str(error.value)
    assert named in str(error.value)


def test_a_rule_without_an_id_is_named_by_its_position(tmp_path):
    with pytest.raises(AlertRulesError, match=r"rule #2: id: Field required"):
        _load(tmp_path, "rules:" + VALID_RULE + "  - metric: win_rate\n")


def test_a_duplicate_id_and_an_unreadable_file_are_named(tmp_path):
    with pytest.raises(AlertRulesError, match="rule 'lead_response_sla': id is used twice"):
        _load(tmp_path, "rules:" + VALID_RULE + VALID_RULE)
    with pytest.raises(AlertRulesError, match="not valid YAML"):
        _load(tmp_path, "rules: [\n")
    with pytest.raises(AlertRulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yml")


def test_a_team_posts_to_its_own_webhook_else_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("EAST_HOOK", "https://hooks.example/east")
    rules = _load(
        tmp_path,
        "webhooks:\n"
        "  default: https://hooks.example/all\n"
        "  east: env:EAST_HOOK\n"
        'team_webhooks: {"5000090": east}\n'
        "rules:" + VALID_RULE,
    )
    assert rules.webhook_url("team", "5000090") == "https://hooks.example/east"
    assert rules.webhook_url("team", "other") == "https://hooks.example/all"
    assert rules.webhook_url("default", "5000090") == "https://hooks.example/all"
