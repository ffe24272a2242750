"""`salespulse-dbt`: dbt as the Dagster steps run it, started in the warehouse home.

dbt reuses its parse state only while the profile's connection details are the ones it parsed
with. With the DuckDB file named by its absolute path, every warehouse home (every test, every
copy of a home, the demo's) differed, so the first dbt step of each new home parsed the whole
project again (6-7 s at the demo's size) though the asset graph's manifest had just been parsed
with the same project and vars. Started in the home, the steps name the file `build.duckdb`,
relative to it, and every home shares one profile, so a new home's first step starts from the
manifest's parse (docs/operations.md, "dbt's parse state").

dbt by hand is unchanged: profiles.yml names `$SALESPULSE_HOME/build.duckdb` unless
SALESPULSE_DBT_DUCKDB_PATH says otherwise, which only this entry point sets.
"""

import os
import sys
from collections.abc import MutableMapping

from salespulse.settings import BUILD_FILE, env_name

HOME_ENV = env_name("home")
DUCKDB_PATH_ENV = env_name("dbt_duckdb_path")


def enter_home(environ: MutableMapping[str, str] = os.environ) -> None:
    """Make the warehouse home the working directory and name the build warehouse relative
    to it. Every path dbt is given by the steps (project, profiles, target, log) is absolute."""
    home = environ.get(HOME_ENV)
    if not home:
        sys.exit(f"salespulse-dbt: {HOME_ENV} is not set (the salespulse settings export it)")
    os.makedirs(home, exist_ok=True)  # a new home: dbt creates its warehouse file in it
    os.chdir(home)
    environ[DUCKDB_PATH_ENV] = BUILD_FILE


def main() -> None:
    enter_home()
    from dbt.cli.main import cli  # dbt's own entry point, as `.venv/bin/dbt` calls it

    sys.exit(cli())
