"""MetricFlow's SqlClient over a DuckDB file, opened read-only for each statement: a reader never
holds the serving file between queries, so publish can always replace it."""

from __future__ import annotations

from pathlib import Path

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

_NO_PARAMETERS = SqlBindParameterSet()


class ReadOnlyDuckDbClient:
    """Runs MetricFlow's SQL on `path`, read-only; rejects bind parameters (MetricFlow's own
    queries never need them)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return self._renderer

    def query(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> MetricFlowDataTable:
        _no_bind_parameters(sql_bind_parameter_set)
        with duckdb.connect(str(self.path), read_only=True) as con:
            cursor = con.execute(stmt)
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        return MetricFlowDataTable.create_from_rows(column_names=names, rows=rows)

    def execute(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> None:
        raise PermissionError("the semantic layer only reads the warehouse")

    def dry_run(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> None:
        _no_bind_parameters(sql_bind_parameter_set)
        with duckdb.connect(str(self.path), read_only=True) as con:
            con.execute(f"explain {stmt}")

    def close(self) -> None:
        """Nothing stays open between statements."""

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _no_bind_parameters(parameters: SqlBindParameterSet) -> None:
    if parameters.param_dict:
        raise ValueError("bind parameters are not supported")
