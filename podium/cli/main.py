"""Entry point of the `podium` command.

Each command group lives in its own module with a `register(subparsers)` function that
adds its subcommands and sets `func`. A `PodiumError` is printed as one paragraph with a
non-zero exit code, never as a traceback. `console` is the process itself (the `podium`
script, `python -m podium.cli.main`); `main` is what tests call in their own process.
"""

from __future__ import annotations

import argparse
import gc
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


def console() -> None:
    """Run `main` on the command line as a process of its own, with the cycle collector set for one.

    A command imports torch, transformers and lm-eval: half a million objects that live as long as
    the process. CPython's collector walks all of them on each full collection while they are
    imported (seven, about 0.6 s of a short `podium eval`) and once more when the interpreter exits
    (about 1 s; BENCHMARKS.md "Fixed cost of a short run"). Young collections every 10,000 new objects
    instead of 700 need no full one during the imports, and freezing what is alive at the end leaves
    it to the exit. Cyclic garbage is still collected, by the same rules, only in larger steps."""
    gc.set_threshold(10_000, 10, 10)
    try:
        code = main()
    finally:
        gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
