"""dbt run by hand, as a user runs it from a shell, on a warehouse home of a test's own: its
target (and so its parse state) in the home, each call's log in a folder of its own."""

import os
import subprocess
import sys
from pathlib import Path

from ingestion import PROJECT_ROOT

DBT = str(Path(sys.executable).parent / "dbt")
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_by_hand(
    home: Path, *args: str, env: dict[str, str] | None = None, logs: str = "logs"
) -> subprocess.CompletedProcess:
    """`dbt <args>` with SALESPULSE_HOME=home and `env` on top of this process's environment;
    its output captured, its log in home/<logs>/dbt.log."""
    return subprocess.run(
        [DBT, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(home / "target"), "--log-path", str(home / logs)],
        env={**os.environ, "SALESPULSE_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
