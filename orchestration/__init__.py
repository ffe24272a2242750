"""The Dagster code location and the `salespulse` command."""

import os
import sys
from pathlib import Path

# dagster-dbt runs the `dbt` found on PATH. The one pinned by our lock file sits beside this
# interpreter; put it first, so `.venv/bin/salespulse` works without activating the venv.
_interpreter_bin = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _interpreter_bin:
    os.environ["PATH"] = os.pathsep.join([_interpreter_bin, os.environ.get("PATH", "")])
