"""Runs whose process died (killed, crashed, machine restarted) stay STARTED in Dagster's
records and keep their slot in the build_warehouse pool, which would block every later run.
The command tags each run with the process that executes it, and before a new run marks the
runs of dead processes as failed and frees their slots, so a rerun resumes the work."""

import os
import socket

import psutil
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

PID_TAG = "salespulse/pid"
HOST_TAG = "salespulse/host"

_UNFINISHED = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def runner_tags() -> dict[str, str]:
    """Tags that name the process executing a run on this machine."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def fail_runs_of_dead_processes(instance: DagsterInstance) -> list[str]:
    """Mark this machine's unfinished runs whose process is gone as failed; free their slots.
    Returns their run ids."""
    runs = instance.get_runs(
        filters=RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: socket.gethostname()})
    )
    failed = []
    for run in runs:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and psutil.pid_exists(pid) and pid != os.getpid():
            continue  # still running: the pool will make the new run wait for it
        instance.report_run_failed(run, f"its process ({pid}) ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed
