"""Metric queries through MetricFlow's Python API: one engine per published warehouse, built
once and reused, so a query costs the SQL generation (tens of milliseconds) and DuckDB's run,
never a process start.

Two rules that MetricFlow cannot express are applied here, for every caller:
- quota metrics exist per level (rep, team, company) and period grain (week, month, fiscal
  quarter, fiscal year), as the sales marts count quotas; `quota`, `quota_attainment`,
  `prorated_quota` and `prorated_quota_attainment` resolve to the one the group-by asks for;
- survey metrics come with an `is_suppressed` flag per row (their values are already NULL in
  MetricFlow for any grouping that would show fewer answers than the anonymity threshold: see
  semantic.survey_answer_counts).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest

from ingestion.warehouse import serving_warehouse_path
from semantic.duckdb_client import ReadOnlyDuckDbClient
from semantic.manifest import read_published_manifest, semantic_manifest_lookup

QUOTA_METRICS = ("quota", "quota_attainment", "prorated_quota", "prorated_quota_attainment")
QUOTA_GRAINS = ("week", "month", "fiscal_quarter", "fiscal_year")
# Survey metrics, with the building blocks that tell whether a row is suppressed.
_ENPS_GUARDS = ("enps_withheld_groups", "enps_suppressed_cells", "enps_cell_responses")
_PULSE_GUARDS = ("pulse_withheld_groups", "pulse_suppressed_cells", "pulse_cell_responses")
SURVEY_GUARDS = {
    "enps": _ENPS_GUARDS,
    "enps_responses": _ENPS_GUARDS,
    "enps_response_rate": _ENPS_GUARDS,
    "pulse_favourable_share": _PULSE_GUARDS,
    "pulse_responses": _PULSE_GUARDS,
}
SUPPRESSED_COLUMN = "is_suppressed"
_PLAN_CACHE_SIZE = 256


class MetricQueryError(ValueError):
    """A request the semantic layer cannot answer, with the reason in words."""


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    type: str
    description: str
    dimensions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MetricQueryResult:
    """The rows (one column per group-by item, then one per metric, then `is_suppressed` when a
    survey metric was asked for) and the SQL that produced them."""

    frame: pd.DataFrame
    sql: str


class SemanticLayer:
    """The metrics of one published warehouse. Build it once; `query` is cheap and thread-safe
    (MetricFlow's engine is not, so explaining is serialised)."""

    def __init__(self, warehouse: Path, manifest_json: str | None = None) -> None:
        self.warehouse = Path(warehouse)
        manifest_json = manifest_json or read_published_manifest(self.warehouse)
        self._lookup = semantic_manifest_lookup(manifest_json)
        self._engine = MetricFlowEngine(self._lookup, ReadOnlyDuckDbClient(self.warehouse))
        self._lock = threading.Lock()
        self._plans: dict[tuple, _Plan] = {}
        # MetricFlow adds a proxy metric for some measures (bookings_1): list dbt's own only.
        defined = {metric["name"] for metric in json.loads(manifest_json)["metrics"]}
        metrics = [m for m in self._lookup.semantic_manifest.metrics if m.name in defined]
        self._hidden = {
            m.name for m in metrics if ((m.config and m.config.meta) or {}).get("hidden")
        }
        self._metrics = {m.name: m for m in metrics}

    @property
    def engine(self) -> MetricFlowEngine:
        """MetricFlow's own engine, for what this class does not wrap. Its queries read only the
        published marts, so the anonymity threshold holds there too; quota and survey
        conveniences are this class's."""
        return self._engine

    def list_metrics(self, include_hidden: bool = False) -> list[MetricInfo]:
        infos = [
            MetricInfo(
                m.name, m.label or m.name, m.type.value, " ".join((m.description or "").split())
            )
            for m in self._metrics.values()
            if include_hidden or m.name not in self._hidden
        ]
        infos += [
            MetricInfo(name, name.replace("_", " ").capitalize(), "resolved", _QUOTA_HELP[name])
            for name in QUOTA_METRICS
        ]
        return sorted(infos, key=lambda info: info.name)

    def list_group_bys(self, metrics: list[str]) -> list[str]:
        """The group-by items every metric of `metrics` can be split by."""
        resolved = [_quota_probe(name) if name in QUOTA_METRICS else name for name in metrics]
        with self._lock:
            dimensions = self._engine.simple_dimensions_for_metrics(resolved)
        names = {d.dunder_name for d in dimensions}
        return sorted(names)

    def explain(
        self,
        metrics: list[str],
        group_by: list[str] | None = None,
        where: list[str] | None = None,
        order: list[str] | None = None,
        limit: int | None = None,
    ) -> str:
        return self._plan(metrics, group_by or [], where or [], order or [], limit).sql

    def query(
        self,
        metrics: list[str],
        group_by: list[str] | None = None,
        where: list[str] | None = None,
        order: list[str] | None = None,
        limit: int | None = None,
    ) -> MetricQueryResult:
        plan = self._plan(metrics, group_by or [], where or [], order or [], limit)
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            # Through Arrow: money stays Decimal (DataFrame.df() would make it float).
            frame = con.sql(plan.sql).to_arrow_table().to_pandas()
        return MetricQueryResult(plan.finish(frame), plan.sql)

    def _plan(
        self,
        metrics: list[str],
        group_by: list[str],
        where: list[str],
        order: list[str],
        limit: int | None,
    ) -> _Plan:
        # A dashboard asks the same questions again and again: compile each one once.
        key = (tuple(metrics), tuple(group_by), tuple(where), tuple(order), limit)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(metrics, group_by, where, order, limit)
            with self._lock:
                if len(self._plans) >= _PLAN_CACHE_SIZE:
                    self._plans.pop(next(iter(self._plans)))
                self._plans[key] = plan
        return plan

    def clear_plan_cache(self) -> None:
        self._plans.clear()

    def _compile(
        self,
        metrics: list[str],
        group_by: list[str],
        where: list[str],
        order: list[str],
        limit: int | None,
    ) -> _Plan:
        if not metrics:
            raise MetricQueryError("name at least one metric (salespulse metrics list)")
        unknown = [m for m in metrics if m not in self._metrics and m not in QUOTA_METRICS]
        if unknown:
            raise MetricQueryError(f"unknown metric(s) {unknown}; see `salespulse metrics list`")
        renames = {}
        for name in metrics:
            if name in QUOTA_METRICS:
                renames[_quota_metric(name, group_by)] = name
        requested = [next((k for k, v in renames.items() if v == m), m) for m in metrics]
        guards = []
        for name in metrics:
            for guard in SURVEY_GUARDS.get(name, ()):
                if guard not in requested and guard not in guards:
                    guards.append(guard)
        # Rows in group-by order unless asked otherwise: MetricFlow's own order is arbitrary.
        order_names = [_rename_order(item, renames) for item in order] or list(group_by)
        request = MetricFlowQueryRequest.create(
            metric_names=requested + guards,
            group_by_names=group_by or None,
            where_constraints=where or None,
            order_by_names=order_names or None,
            limit=limit,
        )
        try:
            with self._lock:
                sql = self._engine.explain(request).sql_statement.sql
        except Exception as error:  # MetricFlow's errors are long; keep their first lines
            raise MetricQueryError(_first_lines(str(error))) from error
        survey_guards = {m: SURVEY_GUARDS[m] for m in metrics if m in SURVEY_GUARDS}
        return _Plan(sql, renames, survey_guards, guards, group_by, metrics)


@dataclass(frozen=True)
class _Plan:
    sql: str
    renames: dict[str, str]
    survey_guards: dict[str, tuple[str, str, str]]
    added_guards: list[str]
    group_by: list[str]
    metrics: list[str]

    def finish(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.rename(columns=self.renames)
        if self.survey_guards:
            suppressed = pd.Series(False, index=frame.index)
            # A row is suppressed when it holds withheld answers, or only suppressed groups.
            for withheld, suppressed_cells, responses in self.survey_guards.values():
                suppressed |= frame[withheld].fillna(0) > 0
                suppressed |= frame[responses].isna() & (frame[suppressed_cells].fillna(0) > 0)
            for metric in self.survey_guards:
                frame.loc[suppressed, metric] = None
            frame[SUPPRESSED_COLUMN] = suppressed
        columns = [c for c in frame.columns if c not in self.added_guards]
        return frame[columns].reset_index(drop=True)


_QUOTA_HELP = {
    "quota": "The bookings quota of the rep, team or company (by the group-by) for the period "
    "(metric_time at week, month, fiscal_quarter or fiscal_year), as the sales marts count it.",
    "quota_attainment": "bookings ÷ quota, for the rep, team or company and period (a team's: "
    "Σ bookings ÷ its quota, never an average of attainments).",
    "prorated_quota": "The part of the quota due by the as-of date.",
    "prorated_quota_attainment": "bookings ÷ prorated_quota: on pace in a period in progress.",
}


def _quota_metric(name: str, group_by: list[str]) -> str:
    """The quota metric of the level and grain `group_by` asks for."""
    grains = [item.split("__")[-1] for item in group_by if item.startswith("metric_time")]
    grain = grains[0] if len(grains) == 1 else None
    if grain not in QUOTA_GRAINS:
        raise MetricQueryError(
            f"{name} needs one time grain among metric_time__week, metric_time__month, "
            "metric_time__fiscal_quarter, metric_time__fiscal_year (a quota belongs to a period)"
        )
    entities = {item.split("__")[0] for item in group_by}
    level = "rep" if "rep" in entities else "team" if "team" in entities else "company"
    return f"{name}_{level}_{grain}"


def _quota_probe(name: str) -> str:
    return f"{name}_rep_month"


def _rename_order(item: str, renames: dict[str, str]) -> str:
    descending = item.startswith("-")
    bare = item.removeprefix("-")
    internal = next((k for k, v in renames.items() if v == bare), bare)
    return f"-{internal}" if descending else internal


def _first_lines(text: str, lines: int = 12) -> str:
    kept = [line for line in text.splitlines() if line.strip()][:lines]
    return "\n".join(kept)


_layers: dict[tuple[str, float], SemanticLayer] = {}
_layers_lock = threading.Lock()


def semantic_layer(warehouse: Path | None = None) -> SemanticLayer:
    """The SemanticLayer of `warehouse` (default: the serving warehouse), cached until publish
    replaces the file."""
    path = Path(warehouse or serving_warehouse_path()).resolve()
    if not path.exists():
        raise MetricQueryError(f"no warehouse at {path}: run `salespulse run` first")
    key = (str(path), path.stat().st_mtime)
    with _layers_lock:
        if key not in _layers:
            for stale in [k for k in _layers if k[0] == key[0]]:
                del _layers[stale]
            _layers[key] = SemanticLayer(path)
        return _layers[key]


def query_metrics(
    metrics: list[str],
    group_by: list[str] | None = None,
    where: list[str] | None = None,
    order: list[str] | None = None,
    limit: int | None = None,
    warehouse: Path | None = None,
) -> MetricQueryResult:
    """Metrics split by group-by items, as a DataFrame with the SQL that made it.

    metrics: names from `list_metrics()`; group_by: `metric_time__month`, `rep`, `team__team_name`,
    `deal__lead_source`, ...; where: MetricFlow filters, e.g.
    "{{ Dimension('deal__lead_source') }} = 'organic_search'"; order: names, `-` for descending."""
    return semantic_layer(warehouse).query(metrics, group_by, where, order, limit)


def list_metrics(warehouse: Path | None = None) -> list[MetricInfo]:
    return semantic_layer(warehouse).list_metrics()
