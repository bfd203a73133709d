"""The `gate` command: argparse, exit codes, and the one place that prints errors and catches exceptions.

Everything below this module raises GateError subclasses and returns data; here they become one-line
messages on stderr and an ExitCode. A traceback is shown only with --debug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gate import __version__
from gate.errors import GateError, Problem, ProblemsError, UsageError

if TYPE_CHECKING:
    from gate.results import Report


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


@dataclass(frozen=True)
class OutputTarget:
    """One `--format FMT[=PATH]`: a format and where it goes (None: stdout)."""

    fmt: str
    path: Path | None


def parse_formats(values: list[str] | None) -> list[OutputTarget]:
    """`text`, `json=report.json`, ... ; at most one format on stdout."""
    from gate.report import FORMATS

    targets: list[OutputTarget] = []
    for value in values or ["text"]:
        fmt, sep, dest = value.partition("=")
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}'", hint=f"formats: {', '.join(FORMATS)}")
        if sep and not dest:
            raise UsageError(f"--format {value}: missing path after '='")
        targets.append(OutputTarget(fmt, Path(dest) if dest else None))
    on_stdout = [t.fmt for t in targets if t.path is None]
    if len(on_stdout) > 1:
        raise UsageError(
            f"{len(on_stdout)} formats write to stdout ({', '.join(on_stdout)})",
            hint="send all but one to files: --format json=report.json",
        )
    return targets


def use_color(choice: str, stream: TextIO) -> bool:
    """--color: auto means a TTY without NO_COLOR; FORCE_COLOR forces colour."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def write_output(path: Path, text: str) -> None:
    """Write a report file atomically (a reader never sees half a report)."""
    if not path.parent.exists():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _cmd_check(args: argparse.Namespace) -> int:
    from gate import api
    from gate.report import render
    from gate.results import Verdict

    targets = parse_formats(args.format)
    report = api.check(
        args.checklist,
        repo=args.repo,
        artifacts=args.artifacts,
        subjects=args.subject or [],
        release_ref=args.release_ref,
        release=args.release,
        stage=args.stage,
        evidence_only=args.evidence_only,
        use_manifest=not args.no_manifest,
        allow_commands=args.allow_commands,
        debug=args.debug,
    )
    stdout_fmt = next((t.fmt for t in targets if t.path is None), None)
    for target in targets:
        if target.path is None:
            color = target.fmt == "text" and use_color(args.color, sys.stdout)
            sys.stdout.write(render(target.fmt, report, color=color))
        else:
            write_output(target.path, render(target.fmt, report, color=False))
            print(f"gate: wrote {target.fmt} report to {target.path}", file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _github_outputs(report, annotations_to_stdout=stdout_fmt in (None, "text"))
    if report.verdict is Verdict.BLOCKED:
        return ExitCode.BLOCKED
    if report.verdict is Verdict.PENDING:
        return ExitCode.PENDING
    return ExitCode.OK


def _github_outputs(report: Report, *, annotations_to_stdout: bool) -> None:
    """Annotations (never mixed into a machine-readable stdout) and the Markdown step summary."""
    from gate.report import github

    (sys.stdout if annotations_to_stdout else sys.stderr).write(github.annotations(report))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(github.step_summary(report))
        except OSError as exc:
            print(f"gate: warning: cannot write the step summary to {summary}: {exc.strerror}", file=sys.stderr)


def _cmd_artifacts_record(args: argparse.Namespace) -> int:
    from gate import gitrepo
    from gate.artifacts import record

    top = gitrepo.toplevel(Path(args.repo))
    commit = gitrepo.resolve_commit(top, args.commit) if args.commit else gitrepo.default_release_commit(top)
    path, count = record(Path(args.artifacts), commit)
    print(
        f"gate: recorded {count} artifact{'s' if count != 1 else ''} for commit {commit[:12]} in {path}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from gate.schema import checklist_schema

    sys.stdout.write(json.dumps(checklist_schema(), indent=2) + "\n")
    return ExitCode.OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from gate import demo
    from gate.report import render

    color = use_color(args.color, sys.stdout)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def show(report: Report) -> None:
        sys.stdout.write(render("text", report, color=color))
        sys.stdout.flush()

    keep = Path(args.keep) if args.keep else None
    outcome = demo.run(keep, say=say, show=show, stop_before_fix=args.stop_before_fix)
    return ExitCode.OK if outcome.ok else ExitCode.BLOCKED


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

    check = sub.add_parser(
        "check",
        help="evaluate a checklist; exit 1 when the release is blocked",
        description="Collect the evidence for every selected item and give the verdict. "
        "Exit 0 passed, 1 blocked (any FAIL or ERROR), 2 bad input, 4 awaiting sign-off.",
    )
    check.add_argument("--checklist", required=True, metavar="PATH", help="the checklist file")
    check.add_argument("--repo", default=".", metavar="DIR", help="the repository (default: the current folder)")
    check.add_argument("--artifacts", metavar="DIR", help="CI artifacts for the release commit (JUnit, SARIF, logs)")
    check.add_argument("--subject", action="append", metavar="PATH", help="a model file for digest evidence (repeat)")
    check.add_argument(
        "--release-ref",
        metavar="REF",
        help="the release commit (default: the newest commit touching anything outside .gate/signoffs/)",
    )
    check.add_argument("--release", metavar="ID", help="the release id sign-offs are bound to")
    check.add_argument("--stage", metavar="STAGE", help="only the items of this stage (default: all items)")
    check.add_argument(
        "--evidence-only", action="store_true", help="check evidence without sign-offs (the output says so)"
    )
    check.add_argument(
        "--no-manifest", action="store_true", help="do not check artifacts against gate-artifacts.json (said in output)"
    )
    check.add_argument("--allow-commands", action="store_true", help="let `command` evidence run its programs")
    check.add_argument(
        "--format",
        action="append",
        metavar="FMT[=PATH]",
        help="text, json, junit, sarif or markdown; to stdout, or to PATH; repeatable (default: text)",
    )
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour in text output")
    check.set_defaults(handler=_cmd_check)

    artifacts = sub.add_parser(
        "artifacts",
        help="record CI artifacts for the release commit (gate-artifacts.json)",
        description="Manage the artifacts manifest that binds CI outputs to the commit they were built from.",
    )
    artifacts_sub = artifacts.add_subparsers(dest="artifacts_command", metavar="ACTION", parser_class=_Parser)
    record = artifacts_sub.add_parser(
        "record",
        help="write DIR/gate-artifacts.json: sha256 of each artifact and the commit built from",
        description="Hash every file under DIR into DIR/gate-artifacts.json with the release commit. Run it in CI "
        "right after the artifacts are built.",
    )
    record.add_argument("--artifacts", required=True, metavar="DIR", help="the artifacts folder")
    record.add_argument("--repo", default=".", metavar="DIR", help="the repository (default: the current folder)")
    record.add_argument("--commit", metavar="REF", help="the commit built from (default: the release commit)")
    record.set_defaults(handler=_cmd_artifacts_record)

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

    demo = sub.add_parser(
        "demo",
        help="build the example RL project, gate it, fix it, gate it again",
        description="Build the bundled example RL project as a real git repository with its CI artifacts, "
        "show the check blocking on CoT-isolation findings, apply the fix and show it passing. Exit 0 when "
        "the demo showed exactly that, 1 otherwise.",
    )
    demo.add_argument("--keep", metavar="DIR", help="build in DIR (new or empty) and keep it for inspection")
    demo.add_argument(
        "--stop-before-fix",
        action="store_true",
        help="stop after the blocked check (DIR keeps the state before the fix)",
    )
    demo.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour in the reports")
    demo.set_defaults(handler=_cmd_demo)
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
