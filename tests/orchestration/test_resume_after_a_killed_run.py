"""A refresh cut off in the middle of a step and started again ends with the same marts as a
clean run, and leaves nothing behind: a crash (SIGKILL) while loading, and a stop (SIGTERM, as a
service manager sends) while dbt builds, after which no dbt may still hold the warehouse. A
reader of the serving warehouse is never blocked or broken meanwhile.

The kills are triggered by what the run is doing, never by a fixed sleep (which can miss its
step on a fast machine and still pass): mid-load once the source has made requests of the demo
company after its step started; mid-build once dbt reported a finished model and more to come."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest
from e2e_helpers import command_env, read_mart

# Three more full runs, killed on what they are doing: in the slow set (pytest -m slow).
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SALESPULSE = str(Path(sys.executable).parent / "salespulse")
MID_BUILD = re.compile(r"salespulse_dbt_models: (\d+) of (\d+) models done")


class _Run:
    """`salespulse run` in its own process group, its stderr collected as it comes."""

    def __init__(self, env: dict[str, str]) -> None:
        # Its own process group, so that a kill of the group also takes dbt, as a crash would.
        self.process = subprocess.Popen(
            [SALESPULSE, "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.strip())

    def wait_until(self, happened, what: str, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while not happened():
            assert self.process.poll() is None, f"the run ended before {what}: {self.lines[-20:]}"
            assert time.monotonic() < deadline, f"no {what} after {timeout}s"
            time.sleep(0.05)

    def step_started(self, step: str) -> bool:
        return f"… {step}" in self.lines

    def mid_build(self) -> bool:
        matches = [MID_BUILD.search(line) for line in list(self.lines)]
        return any(m and 0 < int(m.group(1)) < int(m.group(2)) for m in matches)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clean_run_mart(published_run) -> pd.DataFrame:
    """The marts of an uninterrupted run of the same demo company."""
    result, home = published_run
    assert result.success
    return read_mart(home)


def _after_api_requests(run: _Run, demo_api, count: int):
    """True once the source has made `count` requests after its step started."""
    start: list[int] = []

    def happened() -> bool:
        if not start:
            if run.step_started("hubspot"):
                start.append(demo_api.request_count)
            return False
        return demo_api.request_count - start[0] >= count

    return happened


def test_a_run_killed_while_loading_resumes_to_the_same_marts(
    tmp_path, clean_run_mart, demo_api, demo_company
):
    home = tmp_path / "warehouse"
    env = command_env(home, demo_api, demo_company)
    run = _Run(env)
    run.wait_until(_after_api_requests(run, demo_api, count=3), "HubSpot requests")
    os.killpg(run.process.pid, signal.SIGKILL)
    run.process.wait(timeout=30)
    assert run.process.returncode == -signal.SIGKILL
    assert not (home / "serving.duckdb").exists()

    rerun = subprocess.run([SALESPULSE, "run"], env=env, capture_output=True, text=True)

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "was interrupted earlier; marked failed, resuming" in rerun.stdout
    pd.testing.assert_frame_equal(read_mart(home), clean_run_mart)


READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    serving, stop_flag = sys.argv[1], sys.argv[2]
    reads = 0
    while not os.path.exists(stop_flag):
        with duckdb.connect(serving, read_only=True) as con:
            con.execute("select sum(bookings) from sales.rep_performance_monthly").fetchone()
        reads += 1
        time.sleep(0.2)  # a dashboard's pace: the machine's cores are for the refresh
    print(reads)
    """
)


@dataclass
class _StoppedThenRerun:
    home: Path
    stopped_code: int
    left_running: list[int]
    serving_unchanged: bool
    build_writable: bool
    rerun: subprocess.CompletedProcess
    reader: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def stopped_then_rerun(published_run, tmp_path_factory, demo_api, demo_company):
    """On a copy of the published warehouse, with a reader reading it all along: a refresh
    stopped with SIGTERM to the command alone (not its group) while dbt builds, then a rerun."""
    import shutil

    _, published = published_run
    work = tmp_path_factory.mktemp("stopped")
    home = work / "warehouse"
    shutil.copytree(published, home, symlinks=True)
    env = command_env(home, demo_api, demo_company)
    serving_before = _digest(home / "serving.duckdb")
    stop_flag = work / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(home / "serving.duckdb"), str(stop_flag)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run = _Run(env)
        run.wait_until(run.mid_build, "a finished dbt model")
        children = psutil.Process(run.process.pid).children(recursive=True)
        assert any("dbt" in " ".join(child.cmdline()) for child in children)
        run.process.send_signal(signal.SIGTERM)
        run.process.wait(timeout=300)
        _, alive = psutil.wait_procs(children, timeout=5)
        serving_unchanged = _digest(home / "serving.duckdb") == serving_before
        try:
            duckdb.connect(str(home / "build.duckdb")).close()  # read-write: nobody holds it
            build_writable = True
        except duckdb.IOException:
            build_writable = False
        rerun = subprocess.run([SALESPULSE, "run"], env=env, capture_output=True, text=True)
    finally:
        stop_flag.touch()
        out, err = reader.communicate(timeout=60)
    return _StoppedThenRerun(
        home=home,
        stopped_code=run.process.returncode,
        left_running=[child.pid for child in alive],
        serving_unchanged=serving_unchanged,
        build_writable=build_writable,
        rerun=rerun,
        reader=subprocess.CompletedProcess(reader.args, reader.returncode, out, err),
    )


def test_a_run_stopped_while_building_leaves_no_process_no_lock_and_serving_as_it_was(
    stopped_then_rerun,
):
    assert stopped_then_rerun.stopped_code != 0
    assert stopped_then_rerun.left_running == []
    assert stopped_then_rerun.build_writable
    assert stopped_then_rerun.serving_unchanged


def test_the_rerun_publishes_the_same_marts_and_keeps_the_history(
    stopped_then_rerun, clean_run_mart
):
    assert stopped_then_rerun.rerun.returncode == 0, stopped_then_rerun.rerun.stderr[-3000:]
    pd.testing.assert_frame_equal(read_mart(stopped_then_rerun.home), clean_run_mart)
    with duckdb.connect(str(stopped_then_rerun.home / "serving.duckdb"), read_only=True) as con:
        runs = con.execute("select count(distinct run_id) from salespulse.publications").fetchone()
    assert runs[0] == 2  # the publication log keeps its history


def test_a_reader_is_never_blocked_or_broken_by_the_refreshes(stopped_then_rerun):
    reader = stopped_then_rerun.reader
    assert reader.returncode == 0, reader.stderr
    assert int(reader.stdout.strip()) > 10  # it read throughout, including the publish
