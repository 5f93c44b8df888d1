"""Entry point of the `podium` command.

Each command group lives in its own module with a `register(subparsers)` function that
adds its subcommands and sets `func`. A `PodiumError` is printed as one paragraph with a
non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from podium import __version__
from podium.errors import PodiumError

# Command modules, in the order `podium --help` lists them.
COMMAND_MODULES = [
    "podium.cli.eval_cmd",
    "podium.cli.verify_cmd",
    "podium.cli.models_cmd",
    "podium.cli.demo_cmd",
    "podium.cli.platform_cmd",
    "podium.cli.moderation_cmd",
    "podium.cli.trace_cmd",
    "podium.cli.serve_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="podium", description="Evaluate open language models and rank them.")
    parser.add_argument("--version", action="version", version=f"podium {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PodiumError as err:
        print(f"podium: error: {err.render()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("podium: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
