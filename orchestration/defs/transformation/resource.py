"""dbt as the dbt steps call it: dagster-dbt's `DbtCliResource`, without the two things it does
in the Dagster process before every invocation that no SalesPulse step uses.

- It starts `dbt --version` once per resource to tell dbt Core from the Fusion engine: a second
  or two of dbt's imports in a process of its own. dbt Core is a dependency of this project
  (pyproject.toml), the one on the environment's PATH: its version is read from the installed
  package instead.
- It imports dbt, loads the profile and the project's macros and registers a dbt adapter in the
  Dagster process, before each invocation (two to three seconds each), for
  `fetch_row_counts()` and `fetch_column_metadata()` alone. The steps call neither: the dbt
  process does all the work. A step that ever needs them must use `DbtCliResource`.
"""

from functools import cached_property
from importlib.metadata import version as installed_version
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version


class DbtCoreCliResource(DbtCliResource):
    """`DbtCliResource` for dbt Core, with no dbt adapter in the Dagster process."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None
