"""dlt ingestion for SalesPulse: sources, pipelines and their configuration. Imports no Dagster."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# dlt reads `.dlt/` from the working directory; pin it to the project so that the same
# configuration applies whether we run from the root, from dbt_project/ or from pytest.
os.environ.setdefault("DLT_PROJECT_DIR", str(PROJECT_ROOT))
