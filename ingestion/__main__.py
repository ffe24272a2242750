"""`python -m ingestion <source>`: load one source into the build warehouse, without Dagster."""

import argparse
import sys

from ingestion.pipelines import SOURCES, run_source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description=__doc__)
    parser.add_argument("source", choices=SOURCES)
    parser.add_argument(
        "--replace-dataset",
        action="store_true",
        help="files only: drop what the source loaded before (another dataset), then load",
    )
    args = parser.parse_args(argv)
    if args.replace_dataset and args.source != "files":
        parser.error("--replace-dataset applies to the files source only")
    try:
        load_info = run_source(args.source, replace_dataset=args.replace_dataset)
    except Exception as error:  # one line for the operator; the traceback helps nobody here
        print(f"ingestion of {args.source} failed: {error}", file=sys.stderr)
        return 1
    print(load_info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
