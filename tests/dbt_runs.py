"""dbt run on a test's warehouse as the nightly job's steps run it, from a parse state shared by
every test with the same vars (tests/conftest.py puts this folder on the import path)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ingestion import PROJECT_ROOT
from orchestration.defs.transformation.parse_state import keep_parse_state, seed_parse_state
from salespulse.settings import env_name, load_settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# dbt's parse state of each set of vars, shared by every test's run_dbt (and kept for the next
# session: dbt checks the files, vars, profile and environment it was parsed with and parses again
# only what changed). Without it each call parsed the whole project again, 8-10 s of a tiny build's
# 25: every test has a target of its own, and a var that changed (the as-of day) forced a full
# parse. Gitignored, like the asset graph's parse in target/dagster.
PARSE_STATES = DBT_PROJECT_DIR / "target" / "test-parse-states"
SALESPULSE_DBT = Path(sys.executable).parent / "salespulse-dbt"


def run_dbt(home: Path, *args: str, dbt_vars: dict[str, Any], work_dir: Path) -> str:
    """Run dbt on the warehouse in `home`, as the nightly job's steps do: `salespulse-dbt`
    (started in the home, so every home has one profile) with the as-of day in the environment
    (SALESPULSE_AS_OF_DATE, not a var, which would make dbt parse again on every new day). Its
    target and logs go to `work_dir`, never to the project (the orchestration reads the
    project's manifest); it starts from the shared parse state of its vars. Fails the test on a
    non-zero exit."""
    dbt_vars = dict(dbt_vars)
    env = {**os.environ, "SALESPULSE_HOME": str(home)}
    if "as_of_date" in dbt_vars:
        env[env_name("as_of_date")] = str(dbt_vars.pop("as_of_date"))
    settings = load_settings(env)
    settings.export(env)  # the home's warehouse (DuckDB, or PostgreSQL) for dbt
    target = work_dir / "target"
    shared_state = _shared_parse_state(settings.warehouse, dbt_vars)
    seed_parse_state(target, shared_state)
    command = [
        str(SALESPULSE_DBT),
        *args,
        "--vars",
        json.dumps(dbt_vars),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:]
    keep_parse_state(target, shared_state)  # whole: another xdist worker may be reading it
    return result.stdout


def _shared_parse_state(warehouse: str, dbt_vars: dict[str, Any]) -> Path:
    key = json.dumps({"warehouse": warehouse, "vars": dbt_vars}, sort_keys=True)
    return PARSE_STATES / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"
