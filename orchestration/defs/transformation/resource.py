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

dbt's own file log (`dbt.log` in each step's target folder) is written at the info level, the
console's lines, not dbt's default debug level: at debug dbt logs every query, connection and
node context as JSON, 15 MB for one nightly dbt step at the demo's small size, and its four
threads queue on the log file's lock (about 2 of the step's 23 s, docs/operations.md).
`DBT_LOG_LEVEL_FILE=debug` gives the full log back.

The steps run dbt as `salespulse-dbt` (dbt_in_home.py): dbt started in the warehouse home, so
that every home shares one profile and one parse state.
"""

import os
from collections.abc import Mapping
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


FILE_LOG_LEVEL_ENV = "DBT_LOG_LEVEL_FILE"
# [project.scripts] in pyproject.toml; beside `dbt` in the environment's bin folder.
DBT_IN_HOME_EXECUTABLE = "salespulse-dbt"


def dbt_global_flags(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The flags before every dbt command of the steps: dbt's file log at the info level,
    unless DBT_LOG_LEVEL_FILE chooses another (dbt reads that variable itself)."""
    return [] if environ.get(FILE_LOG_LEVEL_ENV) else ["--log-level-file", "info"]


def dbt_steps_resource(project: Any) -> DbtCoreCliResource:
    """The resource every dbt step and the manifest's parse use: dbt in the warehouse home,
    with the steps' global flags."""
    return DbtCoreCliResource(
        project_dir=project,
        dbt_executable=DBT_IN_HOME_EXECUTABLE,
        global_config_flags=dbt_global_flags(),
    )
