"""Volume anomalies (warning): a raw table whose row count fell, or jumped far above its recent
runs, is flagged. Raw tables are merged with soft deletes, so they should only grow steadily;
a warning and not a block, because a real business event can explain a jump."""

from statistics import median

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

ROW_COUNT = "dagster/row_count"
HISTORY = 5  # earlier materializations compared against
MAX_DROP = 0.10  # a fall of more than 10% of the recent median is an anomaly
MAX_GROWTH = 3.0  # as is more than three times the recent median

CHECK_NAME = "row_count_is_in_line_with_recent_runs"


def volume_verdict(current: int, previous: list[int]) -> tuple[bool, str]:
    """(passed, why) for a row count against the counts of recent runs."""
    if not previous:
        return True, "first run: nothing to compare with"
    baseline = median(previous)
    if current < baseline * (1 - MAX_DROP):
        return False, f"{current} rows, down from a recent median of {baseline:g}"
    if baseline and current > baseline * MAX_GROWTH:
        return False, f"{current} rows, over {MAX_GROWTH:g} times the recent median of {baseline:g}"
    return True, f"{current} rows against a recent median of {baseline:g}"


def volume_checks(raw_keys: list[AssetKey]):
    @multi_asset_check(
        specs=[AssetCheckSpec(CHECK_NAME, asset=key, blocking=False) for key in raw_keys],
        name="raw_volume_anomalies",
        can_subset=True,
        description="Warns when a raw table's row count falls or jumps against recent runs.",
    )
    def raw_volume_anomalies(context: AssetCheckExecutionContext):
        selected = {check_key.asset_key for check_key in context.selected_asset_check_keys}
        for key in (key for key in raw_keys if key in selected):
            records = context.instance.fetch_materializations(key, limit=HISTORY + 1).records
            counts = [
                int(record.asset_materialization.metadata[ROW_COUNT].value)
                for record in records
                if record.asset_materialization
                and ROW_COUNT in record.asset_materialization.metadata
            ]
            if not counts:
                yield AssetCheckResult(
                    asset_key=key,
                    check_name=CHECK_NAME,
                    passed=True,
                    description="no row count recorded yet",
                )
                continue
            passed, why = volume_verdict(counts[0], counts[1:])
            yield AssetCheckResult(
                asset_key=key,
                check_name=CHECK_NAME,
                passed=passed,
                severity=AssetCheckSeverity.WARN,
                description=why,
                metadata={"row_count": counts[0], "recent_row_counts": str(counts[1:])},
            )

    return raw_volume_anomalies
