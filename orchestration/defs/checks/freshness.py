"""Freshness: every raw table and mart must have been refreshed within 26 hours (the nightly run
plus slack), with a warning after 25. Dagster evaluates the policies itself (no sensor needed)
and shows stale assets in the UI; the last good serving file stays published meanwhile."""

from datetime import timedelta

from dagster import AssetSpec, FreshnessPolicy

FRESHNESS_POLICY = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=26), warn_window=timedelta(hours=25)
)


def with_freshness_policy(spec: AssetSpec) -> AssetSpec:
    return spec.replace_attributes(freshness_policy=FRESHNESS_POLICY)
