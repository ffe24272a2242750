"""A source's extraction in a child process of its own; the load stays in the caller's.

Extraction turns millions of API records into short-lived Python objects. CPython's object
allocator keeps a 1 MiB arena for as long as one object in it lives, and the few that outlive
an extraction (dlt's configuration traces, modules imported on first use, caches) are spread
over the arenas it filled (at the medium demo size 130 held nothing else). The Dagster step
that extracted the large demo's HubSpot portal entered dlt's load stage at 1.1 GB resident,
after everything was freed and trimmed, and the loader's DuckDB and then the publish's copy
added their memory limit on top of it, in the same process (operations.md, Memory). A child
process hands all of it back when it exits; the caller then normalizes and loads the package
that waits on disk (`normalize_and_load`), starting from its own, small, memory.

The child inherits the environment (the settings and dlt's configuration) and the terminal, so
dlt's progress shows as it did in process; it reports a failure's message and whether waiting
may cure it (`ingestion.failures`) in a small JSON file, which the caller raises as
`ExtractionFailed`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from ingestion.failures import is_transient


class ExtractionFailed(Exception):
    """The child's extraction failed: its error's text, and whether a retry may cure it."""

    def __init__(self, source_name: str, message: str, is_transient: bool) -> None:
        super().__init__(f"extraction of {source_name} failed: {message}")
        self.is_transient = is_transient


def extract_in_child_process(
    source_name: str, resources: list[str] | None = None, refresh: str | None = None
) -> None:
    """`extract_source` in a fresh Python process; returns when its package is extracted."""
    with tempfile.TemporaryDirectory(prefix="salespulse-extract-") as folder:
        outcome = Path(folder) / "outcome.json"
        command = [sys.executable, "-m", __name__, source_name, "--outcome", str(outcome)]
        for resource in resources or ():
            command += ["--resource", resource]
        if refresh:
            command += ["--refresh", refresh]
        child = subprocess.Popen(command)
        try:
            returncode = child.wait()
        except BaseException:  # the run was cancelled: the extraction goes with it
            child.terminate()
            child.wait()
            raise
        if returncode != 0:
            raise _failure(source_name, outcome, returncode)


def _failure(source_name: str, outcome: Path, returncode: int) -> ExtractionFailed:
    try:
        reported = json.loads(outcome.read_text())
        return ExtractionFailed(source_name, reported["error"], bool(reported["is_transient"]))
    except (OSError, ValueError, KeyError):  # killed before it could say why
        return ExtractionFailed(
            source_name, f"the extraction process exited with code {returncode}", False
        )


def without_streamlit() -> None:
    """dlt's secrets provider, when it finds no secrets.toml, imports Streamlit to look for a
    running Streamlit app's secrets (about 0.25 s, a sixth of this process's imports). This
    process never runs inside a Streamlit app, where alone dlt would read them, so the import
    is refused (Python's `sys.modules[name] = None`): dlt finds the same nothing, sooner."""
    sys.modules.setdefault("streamlit", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.extract_process", description=__doc__
    )
    parser.add_argument("source")
    parser.add_argument("--resource", action="append", dest="resources")
    parser.add_argument("--refresh")
    parser.add_argument("--outcome", type=Path, required=True)
    args = parser.parse_args(argv)
    without_streamlit()
    from ingestion.pipelines import extract_source  # after the arguments: a quick usage error

    try:
        extract_source(args.source, args.resources, args.refresh)
    except KeyboardInterrupt:  # the caller was interrupted too, and says so
        return 130
    except Exception as error:
        traceback.print_exc()
        args.outcome.write_text(
            json.dumps({"error": str(error), "is_transient": is_transient(error)})
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
