"""What the loads of a run did with every source's rows: read, loaded, quarantined at load (with
the reason, in `raw_<source>.quarantine`), and excluded from the metrics by dbt, so a run that set
rows aside never reads as a clean success.

Read from the build warehouse, read-only, after the run: every source writes
`raw_<source>.load_accounting` (rows read, loaded and quarantined per entity and load).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingestion.warehouse import build_warehouse_connection
from salespulse.settings import Settings

# Records loaded but kept out of every metric by dbt, with the reason, per source_system:
# (schema, table, which of its rows, how its records are counted, what they are).
EXCLUSIONS = (
    (
        "core",
        "record_exceptions",
        "is_excluded",
        "count(distinct entity || ':' || record_id)",  # a record may break several rules
        "records that break a plausibility rule",
    ),
    (
        "intermediate",
        "int_survey_answers_quarantined",
        "true",
        "count(*)",
        "answers outside their scale",
    ),
)


@dataclass(frozen=True)
class SourceRows:
    source: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    excluded: int = 0

    @property
    def set_aside(self) -> int:
        return self.quarantined + self.excluded


def rows_by_source(
    build: Path | Any, sources: list[str], load_ids: list[str] | None = None, since: float = 0.0
) -> list[SourceRows]:
    """Per source, the rows of its loads (`load_ids`, or every load started at or after `since`,
    a Unix time: dlt's load ids are the time the load started). `build` is the DuckDB build
    file, or an open connection to the build warehouse (`build_warehouse_connection`, which
    reaches PostgreSQL too)."""
    if isinstance(build, Path):
        if not build.exists():
            return []
        with duckdb.connect(str(build), read_only=True) as con:
            return rows_by_source(con, sources, load_ids, since)
    tables = {(schema, name) for schema, name in build.execute(_TABLES).fetchall()}
    excluded = _excluded_by_source(build, tables)
    report = []
    for source in sources:
        dataset = f"raw_{source}"
        if (dataset, "load_accounting") not in tables:
            continue
        read, loaded, quarantined = _accounted(build, dataset, load_ids, since)
        report.append(SourceRows(source, read, loaded, quarantined, excluded.get(source, 0)))
    return report


def rows_in_warehouse(
    settings: Settings, sources: list[str], load_ids: list[str] | None = None, since: float = 0.0
) -> list[SourceRows]:
    """rows_by_source in this deployment's build warehouse, DuckDB's file or PostgreSQL."""
    if settings.warehouse == "postgres":
        with build_warehouse_connection() as con:
            return rows_by_source(con, sources, load_ids, since)
    return rows_by_source(settings.build_path, sources, load_ids, since)


_TABLES = "select table_schema, table_name from information_schema.tables"


def _accounted(con, dataset: str, load_ids: list[str] | None, since: float) -> tuple[int, ...]:
    """Rows read, loaded and quarantined by the chosen loads; the loads are picked here, not in
    SQL, so that the same statement runs on DuckDB and PostgreSQL."""
    per_load = con.execute(
        f"""
        select load_id, coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_quarantined), 0)
        from "{dataset}".load_accounting group by load_id
        """
    ).fetchall()
    chosen = [counts for load_id, *counts in per_load if _is_chosen(load_id, load_ids, since)]
    return tuple(sum(int(counts[i]) for counts in chosen) for i in range(3))


def _is_chosen(load_id: str, load_ids: list[str] | None, since: float) -> bool:
    if load_ids is not None:
        return load_id in load_ids
    try:
        return float(load_id) >= since
    except (TypeError, ValueError):  # not a dlt load id: no load of this run
        return False


def _excluded_by_source(con, tables: set[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for schema, name, which, counted, _ in EXCLUSIONS:
        if (schema, name) in tables:
            for source, count in con.execute(
                f'select source_system, {counted} from "{schema}"."{name}" where {which} group by 1'
            ).fetchall():
                counts[source] = counts.get(source, 0) + count
    return counts


def format_rows(report: list[SourceRows]) -> list[str]:
    """The table of rows per source, and where to look at what was set aside."""
    if not report:
        return ["  rows: nothing was loaded"]
    lines = [
        f"  {'rows by source':<16}{'read':>12}{'loaded':>12}{'quarantined':>13}{'excluded':>10}"
    ]
    for rows in report:
        lines.append(
            f"  {rows.source:<16}{rows.read:>12,}{rows.loaded:>12,}"
            f"{rows.quarantined:>13,}{rows.excluded:>10,}"
        )
    for rows in report:
        if rows.quarantined:
            lines.append(
                f"  ! {rows.source}: {rows.quarantined:,} of {rows.read:,} rows read were "
                f"quarantined, not loaded: see raw_{rows.source}.quarantine (reason per row)"
            )
        if rows.excluded:
            where = ", ".join(f"{schema}.{name} ({why})" for schema, name, _, _, why in EXCLUSIONS)
            lines.append(
                f"  ! {rows.source}: {rows.excluded:,} loaded rows are excluded from the "
                f"metrics: see {where}"
            )
    return lines


def set_aside_note(report: list[SourceRows]) -> str | None:
    """`7 of 18 rows set aside (files: 7 quarantined)`, or None when nothing was."""
    total = sum(rows.set_aside for rows in report)
    if not total:
        return None
    parts = []
    for rows in report:
        if rows.quarantined:
            parts.append(f"{rows.source}: {rows.quarantined:,} quarantined")
        if rows.excluded:
            parts.append(f"{rows.source}: {rows.excluded:,} excluded")
    read = sum(rows.read for rows in report)
    return f"{total:,} of {read:,} rows set aside ({'; '.join(parts)})"
