"""The `gate` command: argparse, exit codes, and the one place that prints errors and catches exceptions.

Everything below this module raises GateError subclasses and returns data; here they become one-line
messages on stderr and an ExitCode. A traceback is shown only with --debug.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from gate import __version__
from gate.errors import GateError, Problem, ProblemsError


class ExitCode(IntEnum):
    """Exit codes, documented in the README (DESIGN "Command line and exit codes")."""

    OK = 0
    BLOCKED = 1
    USAGE = 2
    INTERNAL = 3
    PENDING = 4
    INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # main() prints "gate: error: ..."; name only the subcommand, not "gate" a second time.
        command = self.prog.removeprefix("gate").strip()
        raise _ArgError(f"{command}: {message}" if command else message, prog=self.prog)


class _ArgError(Exception):
    def __init__(self, message: str, *, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


def _byte_count(text: str) -> int:
    """--max-bytes: a positive integer (0 or less would refuse every file with a confusing message)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of bytes, got '{text}'")
    return value


def _print_problem(problem: Problem, out: TextIO) -> None:
    print(f"gate: error: {problem}", file=out)
    for hint in problem.hints:
        print(f"  hint: {hint}", file=out)


def _cmd_lint(args: argparse.Namespace) -> int:
    from gate import loader

    files, problems = loader.lint([Path(p) for p in args.paths], max_bytes=args.max_bytes)
    for problem in problems:
        _print_problem(problem, sys.stderr)
    if not files and not problems:
        print("gate: error: nothing to lint: no *.yaml or *.yml checklist found", file=sys.stderr)
        return ExitCode.USAGE
    if problems:
        n = len(problems)
        print(
            f"{n} problem{'s' if n != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''}", file=sys.stderr
        )
        return ExitCode.USAGE
    print(f"{len(files)} checklist{'s' if len(files) != 1 else ''} OK", file=sys.stderr)
    return ExitCode.OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from gate.schema import checklist_schema

    sys.stdout.write(json.dumps(checklist_schema(), indent=2) + "\n")
    return ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; only implemented subcommands are listed."""
    parser = _Parser(
        prog="gate",
        description="A release gate for ML model releases: machine-checked invariants, signed sign-offs, attestations.",
        epilog="exit codes: 0 passed, 1 blocked or invalid, 2 usage or input error, 3 internal error, "
        "4 awaiting sign-off, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"gate {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    lint = sub.add_parser(
        "lint",
        help="check checklist files for every problem (file:line:col)",
        description="Load every checklist (with its includes) and report every problem. "
        "Folders are searched for *.yaml and *.yml outside examples/ folders.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="checklist files or folders")
    lint.add_argument(
        "--max-bytes",
        type=_byte_count,
        default=2 * 1024 * 1024,
        metavar="N",
        help="size cap per checklist file (default 2 MiB)",
    )
    lint.set_defaults(handler=_cmd_lint)

    schema = sub.add_parser(
        "schema", help="print the checklist JSON Schema", description="Print the JSON Schema of the checklist format."
    )
    schema.set_defaults(handler=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run gate; returns the exit code (see ExitCode)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    debug = "--debug" in args_list
    try:
        args = parser.parse_args(args_list)
        handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return ExitCode.USAGE
        return int(handler(args))
    except SystemExit as exc:  # --help and --version exit 0 through argparse
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else ExitCode.USAGE
    except _ArgError as exc:
        print(f"gate: error: {exc}", file=sys.stderr)
        if exc.prog == parser.prog:
            print(f"  hint: `{exc.prog} --help` lists the commands", file=sys.stderr)
        else:
            print(f"  hint: `{exc.prog} --help` shows its usage", file=sys.stderr)
        return ExitCode.USAGE
    except ProblemsError as exc:
        if debug:
            raise
        for problem in exc.problems:
            _print_problem(problem, sys.stderr)
        return ExitCode.USAGE
    except GateError as exc:
        if debug:
            raise
        print(f"gate: error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gate: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:
        if debug:
            raise
        print(f"gate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  hint: this is a bug in gate; rerun with --debug for the traceback and report it", file=sys.stderr)
        return ExitCode.INTERNAL
