"""A source's extraction runs in a child process (whose memory goes back when it exits) and
its normalize and load stages in the caller's: the same rows land, the normalize step's counts
reach Dagster's metadata, and a failure says why and whether a retry may cure it."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.extract_process import ExtractionFailed, extract_in_child_process
from ingestion.pipelines import normalize_and_load
from ingestion.sources.hubspot.client import HubSpotClient
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _refuse_in_this_process(*args, **kwargs):
    raise AssertionError("the CRM was read in the caller's process")


def test_the_child_extracts_and_the_caller_loads_the_same_rows(
    warehouse_home, sources_on_demo_api, demo_company, monkeypatch
):
    # Only a child process, which does not inherit this patch, can read the CRM.
    monkeypatch.setattr(HubSpotClient, "list_objects", _refuse_in_this_process)

    extract_in_child_process("hubspot", resources=["owners", "deals"])
    pipeline, load_info = normalize_and_load("hubspot")

    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        deals = con.execute("select count(*) from raw_hubspot.deals").fetchone()[0]
        owners = con.execute("select count(*) from raw_hubspot.owners").fetchone()[0]
        loaded = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_hubspot'"
            ).fetchall()
        }
    # Deleted deals load too, as soft deletes; owners who left too.
    assert deals == len(demo_company.deals) + len(demo_company.archived_deals)
    assert owners == len(demo_company.owners)
    assert "contacts" not in loaded  # only the resources asked for
    assert pipeline.last_trace.last_normalize_info.row_counts["deals"] == deals
    assert load_info.loads_ids

    # The next extraction starts from the cursor the load committed: nothing changed, nothing
    # is read again.
    extract_in_child_process("hubspot", resources=["deals"])
    normalize_and_load("hubspot")
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        read = con.execute(
            "select rows_read from raw_hubspot.load_accounting where entity = 'deals' "
            "order by loaded_at"
        ).fetchall()
    assert [rows for (rows,) in read] == [deals, 0]


def test_a_rejected_token_fails_with_the_cause_and_no_retry(
    warehouse_home, sources_on_demo_api, monkeypatch
):
    secret = "pat-na1-0123456789-very-secret"
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", secret)

    with pytest.raises(ExtractionFailed) as failure:
        extract_in_child_process("hubspot", resources=["deals"])

    assert "HTTP 401" in str(failure.value) and secret not in str(failure.value)
    assert failure.value.is_transient is False


def test_an_unreachable_api_fails_as_transient(warehouse_home, monkeypatch):
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", "any-token")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "1")

    with pytest.raises(ExtractionFailed) as failure:
        extract_in_child_process("hubspot", resources=["deals"])

    assert failure.value.is_transient is True
    assert "extraction of hubspot failed" in str(failure.value)


def test_the_child_process_does_not_import_streamlit(tmp_path):
    """dlt imports Streamlit, to look for its secrets, whenever no secrets.toml exists (0.25 s
    of every extraction's start); the child, never a Streamlit app, refuses that import."""
    probe = (
        "import sys\n"
        "from ingestion.extract_process import without_streamlit\n"
        "if sys.argv[1] == 'refused':\n"
        "    without_streamlit()\n"
        "import dlt\n"
        "assert dlt.secrets.get('sources.nowhere.token') is None\n"
        "print(sys.modules.get('streamlit') is not None)\n"
    )
    imported = {}
    for case in ("refused", "as dlt does"):
        # No .dlt folder in the working directory: dlt's providers find no secrets.toml.
        run = subprocess.run(
            [sys.executable, "-c", probe, case],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        imported[case] = run.stdout.strip()
    assert imported == {"refused": "False", "as dlt does": "True"}
