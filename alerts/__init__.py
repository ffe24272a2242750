"""KPI alerts on the published marts: rules (a YAML file), their evaluation, the alert state
and its notifications to Slack-compatible webhooks. Plain Python: no Dagster, no dlt; the
orchestration calls it after each publish (orchestration/defs/alerts/)."""
