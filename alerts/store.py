"""Where the alert state is kept: the table alerts.alerts of the build warehouse (written only
by the alerts step, inside the build_warehouse pool), published beside the marts. The build
warehouse is the DuckDB file or PostgreSQL (a connection from build_warehouse_connection)."""

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from alerts.state import Alert

ALERTS_SCHEMA, ALERTS_TABLE = "alerts", "alerts"
ALERTS_RELATION = f"{ALERTS_SCHEMA}.{ALERTS_TABLE}"

COLUMNS = """
    alert_id varchar primary key, alert_key varchar not null, rule_id varchar not null,
    metric varchar not null, level varchar not null, subject_id varchar not null,
    subject_name varchar, team_id varchar, severity varchar not null, recipient varchar not null,
    status varchar not null, period_label varchar not null, value double precision not null,
    reference double precision not null, message varchar not null,
    first_seen_at timestamp with time zone not null, last_seen_at timestamp with time zone not null,
    resolved_at timestamp with time zone, notified_at timestamp with time zone,
    resolution_notified_at timestamp with time zone
"""


def state_relations(warehouse: Path) -> list[tuple[str, str]]:
    """[(schema, table)] of the alert table when the warehouse has one, for publish to copy."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [(ALERTS_SCHEMA, ALERTS_TABLE)] if _has_table(con) else []


def read_state(warehouse: Path) -> list[Alert]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return read_state_from(con)


def read_state_from(con: Any) -> list[Alert]:
    """The alert state in the warehouse `con` is connected to (none before the first run)."""
    if not _has_table(con):
        return []
    rows = con.execute(f"select * from {ALERTS_RELATION} order by first_seen_at").df()
    return [Alert(**_python(row)) for row in rows.to_dict("records")]


def write_state(con: Any, alerts: list[Alert]) -> None:
    """Replace the alert table in the database `con` is connected to, in one transaction."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        _write_state_rows(con, alerts)
        return
    con.execute(f"create schema if not exists {ALERTS_SCHEMA}")
    con.execute(f"create or replace table {ALERTS_RELATION} ({COLUMNS})")
    if alerts:
        frame = pd.DataFrame([alert.as_row() for alert in alerts])  # noqa: F841 (read by SQL)
        con.execute(f"insert into {ALERTS_RELATION} by name select * from frame")


def _write_state_rows(con: Any, alerts: list[Alert]) -> None:
    """Row by row, in SQL PostgreSQL takes too (alerts are dozens, not millions)."""
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {ALERTS_SCHEMA}")
        con.execute(f"drop table if exists {ALERTS_RELATION}")
        con.execute(f"create table {ALERTS_RELATION} ({COLUMNS})")
        for alert in alerts:
            row = alert.as_row()
            names = ", ".join(row)
            slots = ", ".join("?" for _ in row)
            con.execute(
                f"insert into {ALERTS_RELATION} ({names}) values ({slots})", list(row.values())
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _has_table(con: Any) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_catalog = "
            "current_database() and table_schema = ? and table_name = ?",
            [ALERTS_SCHEMA, ALERTS_TABLE],
        ).fetchone()[0]
    )


def _python(row: dict) -> dict:
    """Pandas NaT/NaN back to None, timestamps to datetime."""
    converted = {}
    for name, value in row.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            converted[name] = None
        elif isinstance(value, pd.Timestamp):
            converted[name] = value.to_pydatetime()
        else:
            converted[name] = value
    return converted
