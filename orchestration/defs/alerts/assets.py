"""KPI alerts after each publish: every rule of the alert rule file is a WARN asset check on the
published marts, and the `alerts/alerts` asset keeps the alert state (published as the mart
alerts.alerts) and posts each new breach and each resolution once to its webhook."""

from datetime import UTC, datetime

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    asset,
    multi_asset_check,
)

from alerts.evaluate import evaluate_serving
from alerts.notify import send_notices
from alerts.rules import load_rules, rules_path
from alerts.state import OPEN, mark_notified, merge
from alerts.store import ALERTS_SCHEMA, ALERTS_TABLE, read_state, read_state_from, write_state
from ingestion.warehouse import (
    build_warehouse_connection,
    build_warehouse_path,
    parquet_path,
    serving_warehouse_path,
)
from orchestration.defs.publish.postgres import republish_table_postgres
from orchestration.settings import BUILD_WAREHOUSE_POOL
from salespulse.settings import current_settings

SERVING_KEY = AssetKey(["serving", "warehouse"])
ALERTS_KEY = AssetKey(["alerts", "alerts"])


def _check_name(rule_id: str) -> str:
    return f"alert_{rule_id}"


def kpi_alert_checks():
    """One WARN check per rule on the serving warehouse; fails while any subject breaches it.
    The rule file is validated when the code location loads: a bad file names rule and key."""
    rules = load_rules()
    specs = [
        AssetCheckSpec(
            name=_check_name(rule.id),
            asset=SERVING_KEY,
            description=rule.description or f"{rule.metric} {rule.comparison} {rule.threshold}",
        )
        for rule in rules.rules
    ]

    @multi_asset_check(specs=specs, name="kpi_alert_rules", can_subset=True)
    def kpi_alert_rules(context: AssetCheckExecutionContext):
        # The rules the checks were defined from (a changed file takes a code location reload).
        breaches = evaluate_serving(rules)
        selected = {key.name for key in context.selected_asset_check_keys}
        for rule in rules.rules:
            if _check_name(rule.id) not in selected:
                continue
            found = breaches.get(rule.id, [])
            yield AssetCheckResult(
                asset_key=SERVING_KEY,
                check_name=_check_name(rule.id),
                passed=not found,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "breaches": len(found),
                    "subjects": ", ".join(b.subject_name for b in found[:50]),
                },
            )

    return kpi_alert_rules


@asset(
    key=ALERTS_KEY,
    deps=[SERVING_KEY],
    group_name="publish",
    owners=["team:data-engineering"],
    kinds={"duckdb"},
    pool=BUILD_WAREHOUSE_POOL,
    description=(
        "The KPI alert state (open and resolved alerts, first and last seen, notified), from the "
        f"rules in $SALESPULSE_ALERT_RULES (default {rules_path().name}) judged on the published "
        "marts; each new breach and each resolution posted once to its webhook; published as "
        "alerts.alerts."
    ),
)
def alerts(context: AssetExecutionContext) -> MaterializeResult:
    from orchestration.defs.alerts.republish import republish_alerts

    rules = load_rules()
    now = datetime.now(UTC)
    current = [b for found in evaluate_serving(rules).values() for b in found]
    settings = current_settings()
    if settings.warehouse == "postgres":
        with build_warehouse_connection() as con:
            previous = read_state_from(con)
    else:
        previous = read_state(build_warehouse_path())
    state = merge(previous, current, now)
    delivered = send_notices(state, lambda a: rules.webhook_url(a.recipient, a.team_id))
    state = mark_notified(state, delivered, now)
    if settings.warehouse == "postgres":
        with build_warehouse_connection(read_only=False) as con:
            write_state(con, state)
        # Into serving_alerts alone, swapped in as a publish does.
        rows = republish_table_postgres(settings.postgres(), ALERTS_SCHEMA, ALERTS_TABLE)
    else:
        limit = {"memory_limit": settings.duckdb_memory_limit}
        with duckdb.connect(str(build_warehouse_path()), config=limit) as con:
            write_state(con, state)
        rows = republish_alerts(
            build_warehouse_path(),
            serving_warehouse_path(),
            parquet_path(),
            memory_limit=settings.duckdb_memory_limit,
        )
    open_alerts = [a for a in state if a.status == OPEN]
    context.log.info(f"{len(open_alerts)} open alerts, {len(delivered)} notices delivered")
    return MaterializeResult(
        metadata={
            "open_alerts": len(open_alerts),
            "notices_delivered": len(delivered),
            "rows": rows,
        }
    )
