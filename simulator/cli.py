"""`python -m simulator demo-api ...`: serve the demo company until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading

from simulator.scales import SCALES


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)  # one line, not argparse's usage block


def _as_of(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simulator", description="SalesPulse demo company.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo-api",
        help="serve the demo company's HubSpot-compatible API until stopped",
        description="Serve the demo company's HubSpot-compatible API until SIGTERM/SIGINT. "
        "Prints one line with the address once it is listening.",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--scale", default="small", choices=list(SCALES))
    demo.add_argument("--as-of", type=_as_of, default=None, help="YYYY-MM-DD, default today UTC")
    demo.add_argument("--token", default="demo-token", help="bearer token clients must send")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from simulator.company import generate_company
    from simulator.server import DemoApi

    company = generate_company(seed=args.seed, scale=args.scale, as_of=args.as_of)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        api = DemoApi(company, token=args.token, host=args.host, port=args.port).start()
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        print(f"simulator demo-api: cannot listen on {where}: {exc}", file=sys.stderr)
        return 1
    with api:
        print(f"SalesPulse demo API listening on {api.base_url}", flush=True)
        stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        print(f"simulator: error: {exc}", file=sys.stderr)
        return 2
    return _serve(args)
