"""What a `salespulse` command started must end with it: a dbt of an interrupted step, the demo
company. Nothing may hold the build warehouse after the command has exited."""

import contextlib
import signal

import psutil

STOP_SECONDS = 10


def running_children() -> set[int]:
    """The pids of this process's children, and theirs."""
    return {child.pid for child in psutil.Process().children(recursive=True)}


def end_child_processes(
    already_running: set[int], grace_seconds: float = STOP_SECONDS
) -> list[int]:
    """Stop whatever this command started that is still running (a dbt of an interrupted step,
    the demo company): nothing may hold the warehouse after the command has exited. Returns
    the pids that had to be stopped."""
    children = [
        child
        for child in psutil.Process().children(recursive=True)
        if child.pid not in already_running and not _ends_with_its_parent(child)
    ]
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.send_signal(signal.SIGINT)  # dbt cancels its queries and closes the warehouse
    _, alive = psutil.wait_procs(children, timeout=grace_seconds)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=grace_seconds)
    return [child.pid for child in children]


def _ends_with_its_parent(process: psutil.Process) -> bool:
    """Python's multiprocessing helpers (the resource tracker) end when this process does, and
    must outlive everything else until then."""
    try:
        return "multiprocessing" in " ".join(process.cmdline())
    except psutil.Error:
        return True
