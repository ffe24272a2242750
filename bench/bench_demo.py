"""The README's demo refresh, `salespulse run --demo`, run after run in new warehouse homes: the
wall and CPU seconds of each run's process tree and each Dagster step's seconds, printed as
medians with their range.

With `--against NAME=VALUE ...` the runs alternate, in back-to-back pairs, between the
environment as it is (A) and the same with those variables set (B), and B's medians are printed
beside A's with their ratio. This shows a change of a second or two on a noisy machine, e.g.
`--against DBT_WRITE_JSON=true` (dbt's JSON artifacts written again, as before 2026-12-04).
To compare two checkouts, run it in each, back to back.

    .venv/bin/python bench/bench_demo.py --runs 3 [--scale small] [--against NAME=VALUE ...]
                                         [--json FILE] [--keep]

Every run starts from a new home, as a first `salespulse run --demo` does: the demo company
served afresh, the dbt manifest current (the first run parses it if the project changed; run
the benchmark twice, or read its second run, after a change to the dbt project). Timing is
never asserted: read the ratios within one run of the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from bench_scale import measured_run  # noqa: E402

from orchestration.cli import DEMO_DEFAULT_SCALE, DEMO_SCALES  # noqa: E402


def variable(text: str) -> tuple[str, str]:
    """NAME=VALUE, for --against."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def demo_run(home: Path, scale: str, extra_env: dict[str, str]) -> dict:
    """One `salespulse run --demo` in the new home `home`: wall, CPU and peak of its process
    tree, and its Dagster steps' seconds."""
    env = {**os.environ, **extra_env, "SALESPULSE_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)  # the command's own instance, in the home
    home.mkdir(parents=True)
    return measured_run(env, home.with_suffix(".log"), "--demo", "--scale", scale)


def summary(runs: list[dict]) -> dict[str, list[float]]:
    """Per figure (wall, cpu, each Dagster step): [median, min, max] over the runs."""
    figures: dict[str, list[float]] = {"wall": [], "cpu": []}
    for run in runs:
        figures["wall"].append(run["wall"])
        figures["cpu"].append(run["cpu"])
        for step, seconds in run["dagster_steps"].items():
            figures.setdefault(step, []).append(seconds)
    return {
        name: [statistics.median(values), min(values), max(values)]
        for name, values in figures.items()
    }


def _cell(figure: list[float] | None) -> str:
    if figure is None:
        return f"{'-':>23}"
    median, low, high = figure
    return f"{median:7.1f} s ({low:5.1f}-{high:5.1f})"


def report(scale: str, runs: int, sides: dict[str, list[dict]], against: dict[str, str]) -> None:
    print(f"\nbench_demo: `salespulse run --demo --scale {scale}`, {runs} run(s) a side in new")
    print(f"homes, {os.cpu_count()} cores; median (min-max)")
    summaries = {side: summary(results) for side, results in sides.items()}
    a = summaries["A"]
    b = summaries.get("B")
    header = f"  {'':38}{'A (as is)':>23}"
    if b is not None:
        label = " ".join(f"{name}={value}" for name, value in against.items())
        header += f"   {'B (' + label + ')':>23}   B/A"
    print(header)
    for name in [*a, *(name for name in b or {} if name not in a)]:
        line = f"  {name[:38]:38}{_cell(a.get(name))}"
        if b is not None:
            line += f"   {_cell(b.get(name))}"
            if name in a and name in b and a[name][0] > 0:
                line += f"   {b[name][0] / a[name][0]:.2f}x"
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per side (default 3)")
    parser.add_argument("--scale", choices=DEMO_SCALES, default=DEMO_DEFAULT_SCALE)
    parser.add_argument(
        "--against",
        type=variable,
        nargs="+",
        metavar="NAME=VALUE",
        help="alternate with runs that have these environment variables set",
    )
    parser.add_argument("--json", type=Path, help="write every run's figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the homes and their logs")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    against = dict(args.against or [])

    work = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    sides: dict[str, list[dict]] = {"A": []} | ({"B": []} if against else {})
    keep = args.keep
    try:
        for number in range(1, args.runs + 1):
            for side in sides:
                extra = against if side == "B" else {}
                home = work / f"home-{number}-{side}"
                result = demo_run(home, args.scale, extra)
                sides[side].append(result)
                steps = result["dagster_steps"]
                print(
                    f"run {number} {side}: {result['wall']:.1f} s wall, {result['cpu']:.1f} "
                    f"CPU-s, dbt {steps.get('salespulse_dbt_models', 0):.1f} s",
                    flush=True,
                )
        report(args.scale, args.runs, sides, against)
    except Exception:
        keep = True  # the failed run's log is in the work folder
        raise
    finally:
        if keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        payload = {"scale": args.scale, "against": against, "runs": sides}
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
