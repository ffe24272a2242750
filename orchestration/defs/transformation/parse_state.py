"""dbt's parse state (`partial_parse.msgpack`), carried from one dbt invocation to the next.

dbt checks a state against the project files, the vars, the profile and the environment before
it reuses any of it, and parses afresh whatever changed, so a state from another invocation can
cost a parse but never a wrong build. Each invocation has a target folder of its own; it starts
from a kept state and leaves its own for the next.
"""

import json
import os
import shutil
import uuid
from pathlib import Path

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# What a dbt step logs when dbt could not start from the state it was given.
FULL_PARSE_WARNING = "dbt parsed the whole project again"


def seed_parse_state(target: Path, seed: Path) -> None:
    """Start the dbt invocation whose target is `target` from the state in `seed`, if any."""
    if seed.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seed, target / PARTIAL_PARSE_FILE)


def freshest_parse_state(home_state: Path, manifest_state: Path) -> Path:
    """The state a home's next dbt step starts from: the home's own, kept by its last step,
    unless the manifest's parse is newer. That parse happens when a project file changed since
    (or the home has none yet), and dbt would parse the whole project again from the home's
    older state: after every change to the project, and in a new home at the path of an old one
    (a test's recycled temporary folder)."""
    return manifest_state if _written_at(manifest_state) > _written_at(home_state) else home_state


def _written_at(path: Path) -> float:
    """When the file was last written; before everything when there is none."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("-inf")


def keep_parse_state(target: Path, cache: Path) -> None:
    """The state dbt left in `target`, kept in `cache` for the next invocation (replaced whole:
    a reader, in this process or another, never sees half a file)."""
    state = target / PARTIAL_PARSE_FILE
    if state.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        staged = cache.with_name(f".{cache.name}.{uuid.uuid4().hex}")
        shutil.copyfile(state, staged)
        os.replace(staged, cache)


def full_parse_reason(dbt_log: Path) -> str | None:
    """Why dbt parsed the whole project instead of starting from its parse state, as its JSON
    file log says (event UnableToPartialParse, at the info level); None when it did not, or
    when the log cannot tell. Reads only as far as the end of the parse ("Found N models")."""
    try:
        with open(dbt_log) as lines:
            for line in lines:
                if '"UnableToPartialParse"' in line:
                    return json.loads(line)["data"]["reason"]
                if '"FoundStats"' in line:
                    return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None
