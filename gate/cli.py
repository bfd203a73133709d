"""The `gate` command: argparse, exit codes, and the one place that prints errors and catches exceptions.

Everything below this module raises GateError subclasses and returns data; here they become one-line
messages on stderr and an ExitCode. A traceback is shown only with --debug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gate import __version__, gitrepo
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
    if args.selftest or args.mutate:
        return _selftest(files, strict=args.strict, mutations=args.mutate)
    if args.strict:
        raise UsageError("--strict applies to --selftest", hint="run `gate lint --selftest --strict PATH...`")
    return ExitCode.OK


def _selftest(files: list[Path], *, strict: bool, mutations: bool) -> int:
    """`gate lint --selftest [--strict] [--mutate]`: the report on stdout, findings and the summary on stderr."""
    from gate import selftest

    report = selftest.run(files, strict=strict, mutations=mutations)
    for line in report.coverage_lines() + report.mutation_lines():
        print(line)
    for finding in report.findings:
        print(f"gate: {finding.level}: {finding}", file=sys.stderr)
        if finding.hint:
            print(f"  hint: {finding.hint}", file=sys.stderr)
    for line in report.summary():
        print(line, file=sys.stderr)
    return report.exit_code


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
    with _progress(sys.stderr, color=use_color(args.color, sys.stderr)) as progress:
        report = api.check(
            args.checklist,  # None: gate.toml names the checklist (and the artifacts and stage, unless given)
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
            baseline=args.baseline,
            progress=progress,
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


@contextmanager
def _progress(stream: TextIO, *, color: bool) -> Iterator[Callable[[str], None] | None]:
    """A status line on stderr while evidence is collected (issue 11): only on a terminal, so it never reaches a
    file, a pipe or CI logs, and never stdout. Rich clears it when the collection ends."""
    if not stream.isatty():
        yield None
        return
    from rich.console import Console

    console = Console(file=stream, no_color=not color, highlight=False)
    with console.status("gate: collecting evidence", spinner="dots") as status:
        yield lambda line: status.update(f"gate: collecting evidence {line}")


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


def _cmd_init(args: argparse.Namespace) -> int:
    """`gate init`: flags, or questions on a terminal; then every file written, or none."""
    from gate import init

    root = init.repository(Path(args.repo))
    roles: dict[str, list[str]] = {}
    for value in args.role or []:
        role, sep, holders = value.partition("=")
        if not sep or not role or not holders:
            raise UsageError(f"--role {value}: expected ROLE=IDENTITY[,IDENTITY...]")
        roles.setdefault(role.strip(), []).extend(h.strip() for h in holders.split(",") if h.strip())
    answers = init.Answers(
        checklist=args.checklist,
        artifacts=args.artifacts,
        stage=args.stage,
        ci=args.ci,
        people=[
            init.Person(
                identity=p["identity"], name=p.get("name"), emails=p["emails"], keys=[Path(k) for k in p["keys"]]
            )
            for p in args.people or []
        ],
        roles=roles,
        with_examples=args.with_examples,
        action=args.action,
    )
    interactive = not args.yes and sys.stdin.isatty()
    if interactive:
        answers = init.interview(root, answers, ask=_ask, say=lambda line: print(line, file=sys.stderr))
    plan = init.plan(root, answers)
    if interactive:
        existing = init.conflicts(plan)
        print(f"gate init will write, in {root}:", file=sys.stderr)
        for line in init.summary(plan):
            print(line + ("  (exists)" if line.strip() in existing else ""), file=sys.stderr)
        if existing and not args.force:
            raise init.InitError(f"refusing to overwrite {', '.join(existing)}", hint="pass --force to overwrite")
        if (_ask("Write these files? (yes/no)", "yes").strip().lower() or "yes") not in ("y", "yes"):
            print("gate: nothing written", file=sys.stderr)
            return ExitCode.OK
    written = init.write(plan, force=args.force)
    for rel in written:
        print(rel)
    print(f"gate: wrote {len(written)} files in {root}", file=sys.stderr)
    for warning in plan.warnings:
        print(f"gate: warning: {warning}", file=sys.stderr)
    for note in plan.notes:
        print(f"gate: note: {note}", file=sys.stderr)
    print(
        f"  next: gate lint {plan.checklist_path} && git add {' '.join(sorted({r.split('/')[0] for r in written}))} "
        "&& git commit -m 'Start gate', then `gate check --evidence-only` (docs/getting-started.md)",
        file=sys.stderr,
    )
    return ExitCode.OK


def _ask(question: str, default: str) -> str:
    """One question on the terminal (stderr, so stdout stays data); '' keeps the default."""
    print(f"{question}{f' [{default}]' if default else ''}: ", end="", file=sys.stderr, flush=True)
    try:
        return input()
    except EOFError:
        raise UsageError(
            "no answer (end of input)", hint="pass --yes and flags to run gate init from a script"
        ) from None


class _PersonAction(argparse.Action):
    """--person ID starts a person; --name, --email and --key after it describe that person."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None
    ) -> None:
        people = getattr(namespace, "people", None) or []
        if self.dest == "people":
            people.append({"identity": str(values), "emails": [], "keys": []})
        elif not people:
            raise argparse.ArgumentError(self, "give --person ID first; --name, --email and --key describe that person")
        elif self.dest == "person_name":
            people[-1]["name"] = str(values)
        else:
            people[-1]["emails" if self.dest == "person_email" else "keys"].append(str(values))
        namespace.people = people


def _cmd_artifacts_record(args: argparse.Namespace) -> int:
    from gate import gitrepo
    from gate.artifacts import record

    top = gitrepo.toplevel(Path(args.repo))
    commit = gitrepo.release_commit(top, args.commit)
    path, count = record(Path(args.artifacts), commit)
    print(
        f"gate: recorded {count} artifact{'s' if count != 1 else ''} for commit {commit[:12]} in {path}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _parse_time(text: str, what: str) -> datetime:
    """A date (end of that day, UTC) or an ISO 8601 time with a zone."""
    from datetime import UTC, datetime, time

    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time(23, 59, 59), tzinfo=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: invalid date '{text}' (YYYY-MM-DD or ISO 8601 with a zone)") from None
    if value.tzinfo is None:
        raise UsageError(f"{what}: '{text}' has no time zone (add Z or +00:00)")
    return value.astimezone(UTC)


def _passphrase_prompt(key_file: Path) -> Callable[[], str]:
    """Our own prompt (never a child process's): only on a terminal."""

    def ask() -> str:
        import getpass

        if not sys.stdin.isatty():
            raise UsageError(
                f"{key_file} is encrypted and there is no terminal to ask for its passphrase",
                hint="load the key into ssh-agent (ssh-add) and sign without --key",
            )
        return getpass.getpass(f"passphrase for {key_file}: ")

    return ask


def _cmd_sign(args: argparse.Namespace) -> int:
    from gate import api, ledger, signoff

    decisions = [d for d in ("approve", "reject", "waive", "revoke", "retire") if getattr(args, d)]
    if len(decisions) != 1:
        raise UsageError("give exactly one of --approve, --reject, --waive, --revoke ENTRY, --retire FINGERPRINT")
    decision = decisions[0]
    if decision == "retire":
        return _sign_retire(args)
    loaded = api.load(args.checklist)
    now = ledger.now_utc()
    if args.report:
        report = signoff.read_report(Path(args.report))
        signoff.check_report(report, loaded, args.report)
        top = gitrepo.toplevel(Path(args.repo))
        commit = report.release_commit or ""
        if not commit:
            raise UsageError(f"{args.report} has no release commit")
    else:
        report = api.check(
            args.checklist,
            repo=args.repo,
            artifacts=args.artifacts,
            subjects=args.subject or [],
            release_ref=args.release_ref,
            release=args.release,
            evidence_only=True,
            use_manifest=not args.no_manifest,
            now=now,
        )
        top = gitrepo.toplevel(Path(args.repo))
        commit = report.release_commit or ""
    judged, entries, signers = signoff.evaluate_signoffs(
        report.model_copy(update={"release": args.release}), loaded, top, commit, args.release, now
    )
    identity = signoff.choose_key(signers, Path(args.key) if args.key else None)
    body = signoff.prepare(
        decision=decision,  # type: ignore[arg-type]
        release=args.release,
        report=judged,
        loaded=loaded,
        entries=entries,
        identity=identity,
        comment=args.comment,
        now=now,
        item_id=args.item,
        role=args.role,
        expires=_parse_time(args.expires, "--expires") if args.expires else None,
        revokes=args.revoke,
    )
    signature = ledger.sign_entry(
        body,
        key_file=identity.key_file,
        public_key=identity.agent_key,
        passphrase=_passphrase_prompt(identity.key_file) if identity.key_file else None,
    )
    path = ledger.write_entry(top, body, signature)
    rel = path.relative_to(top).as_posix()
    target = f"item '{body.item}'" if body.item else "the release"
    print(
        f"gate: {identity.signer.identity} signed {decision} of {target} as {body.role or '-'}: {rel}", file=sys.stderr
    )
    message = f"gate: {decision} {body.item or ''}".strip()
    print(f"  commit it: git -C {top} add {rel} && git -C {top} commit -m '{message}'", file=sys.stderr)
    return ExitCode.OK


def _sign_retire(args: argparse.Namespace) -> int:
    """`gate sign --retire FINGERPRINT --baseline REF`: the baseline owner's consent to one weakening."""
    from gate import api, ledger, ratchet, signoff

    if args.item:
        raise UsageError("--retire names a weakening, not an item: drop --item")
    if not args.baseline:
        raise UsageError(
            "--retire needs --baseline REF", hint="the baseline defines the weakening and whose consent counts"
        )
    if args.report:
        raise UsageError("--retire binds no evidence: drop --report (give --repo and --release-ref if needed)")
    loaded = api.load(args.checklist)
    top = gitrepo.toplevel(Path(args.repo))
    commit = gitrepo.release_commit(top, args.release_ref)
    now = ledger.now_utc()
    head_signers = signoff.signers_at(top, commit)
    ledger.verify_entries(ledger.read_entries(top, args.release), head_signers)
    cmp = ratchet.compare(top, commit, loaded, args.baseline, head_signers)
    identity = signoff.choose_key(head_signers, Path(args.key) if args.key else None)
    body = ratchet.prepare_retire(
        cmp=cmp,
        release=args.release,
        signer_identity=identity.signer.identity,
        key_fingerprint=identity.key.key.fingerprint,
        fingerprint=args.retire,
        comment=args.comment,
        now=now,
    )
    signature = ledger.sign_entry(
        body,
        key_file=identity.key_file,
        public_key=identity.agent_key,
        passphrase=_passphrase_prompt(identity.key_file) if identity.key_file else None,
    )
    path = ledger.write_entry(top, body, signature)
    rel = path.relative_to(top).as_posix()
    owner = cmp.base.checklist.owner
    print(
        f"gate: {identity.signer.identity} signed retire of weakening {body.fingerprint} as '{owner}' "
        f"(the owner role at {args.baseline}): {rel}",
        file=sys.stderr,
    )
    message = f"gate: retire {body.fingerprint}"
    print(f"  commit it: git -C {top} add {rel} && git -C {top} commit -m '{message}'", file=sys.stderr)
    return ExitCode.OK


def _cmd_signoff(args: argparse.Namespace) -> int:
    # The one import of gate.tui (DESIGN "Layout": only cli imports it), here so other commands never load textual.
    from gate.tui.app import make_app
    from gate.tui.session import Options

    if args.report and (args.artifacts or args.subject or args.release_ref or args.no_manifest or args.stage):
        raise UsageError(
            "--report signs the digests of a CI report: --artifacts, --subject, --release-ref, --no-manifest and "
            "--stage apply only when the check runs here"
        )
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "gate signoff is a terminal app and needs a terminal", hint="to sign from a script, use `gate sign`"
        )
    from gate import ledger

    ledger.ledger_dir(Path(args.repo), args.release)  # an invalid release id is a usage error before the screen opens
    options = Options(
        release=args.release,
        checklist=Path(args.checklist),
        repo=Path(args.repo),
        report=Path(args.report) if args.report else None,
        artifacts=Path(args.artifacts) if args.artifacts else None,
        subjects=tuple(Path(s) for s in args.subject or []),
        release_ref=args.release_ref,
        use_manifest=not args.no_manifest,
        key=Path(args.key) if args.key else None,
        stage=args.stage,
    )
    app = make_app(options)
    app.run()
    # 0 when the person quit; Textual has already shown a crash of the app itself (a bug): exit 3 for it.
    return ExitCode.OK if app.return_code in (0, None) else ExitCode.INTERNAL


def _cmd_diff(args: argparse.Namespace) -> int:
    from gate import ratchet
    from gate.report import printable

    repo = Path(args.repo)
    if args.signers:
        changes = ratchet.diff_signers(ratchet.read_signers(args.base, repo), ratchet.read_signers(args.head, repo))
    else:
        base = ratchet.read_checklist(args.base, repo)
        head = ratchet.read_checklist(args.head, repo)
        changes = ratchet.diff_checklists(
            base.checklist,
            head.checklist,
            base_includes=ratchet.include_paths(base),
            head_includes=ratchet.include_paths(head),
        )
    if args.format == "json":
        sys.stdout.write(json.dumps([c.as_json() for c in changes], indent=2, ensure_ascii=False) + "\n")
    else:
        for c in changes:
            fp = c.fingerprint if c.effect == "weakening" else ""
            print(f"{c.effect:<13}  {fp:<16}  {printable(c.where)}: {printable(c.message)}")
    counts = {e: sum(c.effect == e for c in changes) for e in ("weakening", "strengthening", "neutral")}
    shown = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for word, n in counts.items()).replace(
        "neutral", "neutral change"
    )
    print(f"gate: {shown} from {printable(args.base)} to {printable(args.head)}", file=sys.stderr)
    if counts["weakening"]:
        print(
            "  hint: a holder of the baseline's owner role consents to one with "
            "`gate sign --release ID --retire FINGERPRINT --baseline REF`",
            file=sys.stderr,
        )
    return ExitCode.BLOCKED if counts["weakening"] else ExitCode.OK


def _cmd_ledger_verify(args: argparse.Namespace) -> int:
    from gate import ledger, signoff

    top = gitrepo.toplevel(Path(args.repo))
    commit = gitrepo.release_commit(top, args.release_ref)
    signers = signoff.signers_at(top, commit)
    entries = ledger.read_entries(top, args.release)
    ledger.verify_entries(entries, signers)
    for entry in entries:
        b = entry.body
        print(
            f"ok  {entry.id[:12]}  {b.decision:<8} {b.item or b.fingerprint or '-'}  {b.signer} ({b.role or '-'})  "
            f"{b.signed_at:%Y-%m-%dT%H:%M:%SZ}"
        )
    print(
        f"gate: {len(entries)} sign-off entr{'y' if len(entries) == 1 else 'ies'} of release {args.release} verified "
        f"against {signoff.SIGNERS_PATH} at {commit[:12]}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _cmd_signers(args: argparse.Namespace) -> int:
    from gate import gitrepo, loader, signers

    if args.file:
        path = Path(args.file)
    else:
        try:
            path = gitrepo.toplevel(Path.cwd()) / signers.DEFAULT_PATH
        except gitrepo.GitError:
            raise UsageError("not inside a git repository", hint="pass --file PATH naming the signers file") from None
    listed = signers.load_signers(path)
    checklist = loader.load(Path(args.checklist)) if args.checklist else None
    sys.stdout.write(signers.allowed_signers(listed) if args.allowed_signers else signers.table(listed))
    if checklist is None:
        return ExitCode.OK
    problems = signers.quorum_problems(listed, checklist.checklist)
    for problem in problems:
        print(f"gate: error: {problem}", file=sys.stderr)
    if problems:
        return ExitCode.BLOCKED
    print(f"gate: every role and sign-off quorum in {checklist.shown} has enough holders", file=sys.stderr)
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


def _cmd_attest(args: argparse.Namespace) -> int:
    from gate import api, attest, ledger
    from gate import render as rendering

    templates: dict[str, Path] = {}
    for value in args.template or []:
        path = Path(value)
        fmt = rendering.template_format(path)
        if fmt in templates:
            raise UsageError(f"two --template files for {fmt}: {templates[fmt]} and {path}")
        if not path.is_file():
            raise UsageError(f"template {path} does not exist or is not a file")
        templates[fmt] = path
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder")
    now = ledger.now_utc()
    loaded = api.load(args.checklist)
    report = api.check(
        args.checklist,
        repo=args.repo,
        artifacts=args.artifacts,
        subjects=args.subject,
        release_ref=args.release_ref,
        release=args.release,
        stage=args.stage,
        use_manifest=not args.no_manifest,
        baseline=args.baseline,
        debug=args.debug,
        now=now,
    )
    key = Path(args.key) if args.key else None
    made = attest.attest(
        report,
        loaded,
        root=gitrepo.toplevel(Path(args.repo)),
        subjects=[Path(s) for s in args.subject],
        key_file=key,
        passphrase=_passphrase_prompt(key) if key else None,
        now=now,
    )
    documents = {fmt: rendering.render(made.statement, fmt, template=templates.get(fmt)) for fmt in rendering.TEMPLATES}
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{args.release}.intoto.json"]
    write_output(written[0], made.envelope.decode())
    for fmt, text in documents.items():
        written.append(out / f"{args.release}.{fmt}")
        write_output(written[-1], text)
    for path in written:
        print(path)
    pred = made.statement.predicate
    print(
        f"gate: {made.signer} attested release {args.release} ({len(pred.items)} items cleared, "
        f"{len(pred.signoffs)} sign-off entries, {len(made.statement.subject)} subject"
        f"{'s' if len(made.statement.subject) != 1 else ''})",
        file=sys.stderr,
    )
    print(f"  verify it: gate verify {written[0]} --repo {args.repo}", file=sys.stderr)
    return ExitCode.OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from gate import attest

    result = attest.verify_file(
        Path(args.attestation),
        signers_file=Path(args.signers) if args.signers else None,
        repo=Path(args.repo) if args.repo else None,
        subjects=[Path(s) for s in args.subject or []],
        checklist=Path(args.checklist) if args.checklist else None,
    )
    pred = result.statement.predicate
    cl = pred.checklist
    print(f"ok  signature: {result.signer} ({cl.release_role}), key {result.key}, trusted from {result.trusted}")
    for s in result.statement.subject:
        mark = "matches the given file" if s.name in result.subjects_checked else "not checked: no --subject"
        print(f"ok  subject {s.name}: sha256 {s.sha256} ({mark})")
    checked = (
        ("recomputed from the repository" if args.repo else f"matches the trusted {args.checklist}")
        if result.checklist_checked
        else "as recorded"
    )
    print(f"ok  checklist {cl.id} v{cl.version} ({cl.path}): digest {cl.digest[:12]} {checked}")
    print(
        f"ok  {len(pred.signoffs)} sign-off entries: signatures, signers, roles and keys; "
        f"set digest {pred.signoff_set_digest[:12]}"
    )
    waived = sum(1 for i in pred.items if i.status.value == "WAIVED")
    if pred.stage is not None:
        print(f"ok  stage {pred.stage}: the attestation covers the items of this stage only")
    print(
        f"ok  {len(pred.items)} items cleared ({waived} waived): quorum, independence, rejects, waivers unexpired at "
        f"{pred.attested_at:%Y-%m-%dT%H:%M:%SZ}"
    )
    if result.signers_file_matches is False:
        print(
            f"gate: note: {result.trusted} is not the signers file of the release commit (digest "
            f"{pred.signers_file.sha256[:12]}); the verification used the one you gave",
            file=sys.stderr,
        )
    print(
        f"gate: {args.attestation} is valid: release {pred.release} at commit {pred.release_commit[:12]}, "
        f"attested by {result.signer} at {pred.attested_at:%Y-%m-%dT%H:%M:%SZ}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _add_local_check_options(parser: argparse.ArgumentParser) -> None:
    """Where `gate sign` and `gate signoff` find the evidence when they check locally (no --report)."""
    parser.add_argument("--repo", default=".", metavar="DIR", help="the repository (default: the current folder)")
    parser.add_argument("--artifacts", metavar="DIR", help="CI artifacts, when checking locally (no --report)")
    parser.add_argument("--subject", action="append", metavar="PATH", help="a model file for digest evidence")
    parser.add_argument("--release-ref", metavar="REF", help="the release commit (default as for check)")
    parser.add_argument("--no-manifest", action="store_true", help="do not check artifacts against gate-artifacts.json")


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
    check.add_argument(
        "--checklist",
        metavar="PATH",
        help="the checklist file (default: gate.toml's, whose artifacts and stage then apply unless given)",
    )
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
        "--baseline",
        metavar="REF",
        help="block when the checklist or .gate/signers.yaml is weaker than at REF, unless the baseline's owner "
        "retired the weakening (needs --release)",
    )
    check.add_argument(
        "--format",
        action="append",
        metavar="FMT[=PATH]",
        help="text, json, junit, sarif, markdown or codeclimate (GitLab Code Quality); to stdout, or to PATH; "
        "repeatable (default: text)",
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

    sign = sub.add_parser(
        "sign",
        help="sign a decision on an item (approve, reject, waive, revoke) with your SSH key",
        description="Write one signed sign-off entry under .gate/signoffs/RELEASE/, bound to the release, the "
        "checklist digest, the item's definition and its evidence digest. Refuses (exit 1) what would not "
        "count: a role you do not hold, an approval by an author for an independent requirement, approving "
        "failing evidence that is not waived, waiving passing evidence or an ERROR.",
    )
    sign.add_argument("--release", required=True, metavar="ID", help="the release id")
    sign.add_argument("--item", metavar="ID", help="the item")
    action = sign.add_mutually_exclusive_group(required=True)
    action.add_argument("--approve", action="store_true", help="approve the item's evidence")
    action.add_argument("--reject", action="store_true", help="reject it (blocks until revoked)")
    action.add_argument("--waive", action="store_true", help="waive a FAIL until --expires (never an ERROR)")
    action.add_argument("--revoke", metavar="ENTRY", help="withdraw an entry (its id or a unique prefix)")
    action.add_argument(
        "--retire",
        metavar="FINGERPRINT",
        help="consent, as the baseline's owner, to one weakening `gate diff` lists (with --baseline, no --item)",
    )
    sign.add_argument("--comment", required=True, metavar="TEXT", help="why (a waiver's justification)")
    sign.add_argument("--expires", metavar="DATE", help="a waiver's expiry: YYYY-MM-DD (end of day UTC) or ISO 8601")
    sign.add_argument("--role", metavar="ROLE", help="the role you sign as, when you hold several that fit")
    sign.add_argument("--key", metavar="FILE", help="private key file (default: your key in ssh-agent)")
    sign.add_argument("--report", metavar="FILE", help="sign the digests of a CI JSON report instead of re-checking")
    sign.add_argument("--checklist", required=True, metavar="PATH", help="the checklist file")
    _add_local_check_options(sign)
    sign.add_argument("--baseline", metavar="REF", help="with --retire: the baseline the weakening is measured against")
    sign.set_defaults(handler=_cmd_sign)

    signoff_parser = sub.add_parser(
        "signoff",
        help="the sign-off terminal app: review each item's evidence and sign decisions",
        description="Open the sign-off app on a release: every item with its evidence, sign-off state and quorum; "
        "approve, reject, waive or revoke with your SSH key (an encrypted key's passphrase is asked in the app). "
        "It loads a CI report (--report) or runs the check here.",
    )
    signoff_parser.add_argument("--release", required=True, metavar="ID", help="the release id")
    signoff_parser.add_argument("--checklist", required=True, metavar="PATH", help="the checklist file")
    signoff_parser.add_argument(
        "--report", metavar="FILE", help="review the digests of a CI JSON report instead of re-checking"
    )
    _add_local_check_options(signoff_parser)
    signoff_parser.add_argument("--stage", metavar="STAGE", help="only the items of this stage (when checking here)")
    signoff_parser.add_argument("--key", metavar="FILE", help="private key file (default: your key in ssh-agent)")
    signoff_parser.set_defaults(handler=_cmd_signoff)

    ledger_parser = sub.add_parser(
        "ledger",
        help="verify the signed sign-off entries of a release",
        description="Inspect the sign-off ledger (.gate/signoffs/RELEASE/).",
    )
    ledger_sub = ledger_parser.add_subparsers(dest="ledger_command", metavar="ACTION", parser_class=_Parser)
    verify_ledger = ledger_sub.add_parser(
        "verify",
        help="verify every entry's signature, signer, key validity and role against signers.yaml",
        description="Exit 0 when every entry verifies against .gate/signers.yaml at the release commit; exit 1 "
        "naming the first entry that is tampered, replayed, signed by an unknown key or claims a role its signer "
        "does not hold.",
    )
    verify_ledger.add_argument("--release", required=True, metavar="ID", help="the release id")
    verify_ledger.add_argument("--repo", default=".", metavar="DIR", help="the repository (default: .)")
    verify_ledger.add_argument("--release-ref", metavar="REF", help="the release commit (default as for check)")
    verify_ledger.set_defaults(handler=_cmd_ledger_verify)

    diff = sub.add_parser(
        "diff",
        help="list how a checklist (or the signers list) changed: weakenings, strengthenings; exit 1 if weakened",
        description="Compare two checklists, each resolved with its includes, or with --signers two signers files. "
        "Each side is a file or REF:path read from git (path from the repository root, e.g. "
        "v1.2:checklists/cot-isolation.yaml). Every change is listed as a weakening (with the fingerprint a retire "
        "entry cites), a strengthening or neutral. Exit 0 when nothing weakened, 1 when anything did, 2 bad input.",
    )
    diff.add_argument("base", metavar="BASE", help="the baseline: a file or REF:path")
    diff.add_argument("head", metavar="HEAD", help="the new version: a file or REF:path")
    diff.add_argument("--signers", action="store_true", help="BASE and HEAD are signers files (.gate/signers.yaml)")
    diff.add_argument("--repo", default=".", metavar="DIR", help="the repository REF:path is read from (default: .)")
    diff.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    diff.set_defaults(handler=_cmd_diff)

    signers_parser = sub.add_parser(
        "signers",
        help="list .gate/signers.yaml; check that enough people hold each role",
        description="Validate and list the signers file (identities, roles, emails, keys). With --checklist, also "
        "check that distinct people hold enough of each role to meet every sign-off requirement (exit 1 if not).",
    )
    signers_parser.add_argument(
        "--file", metavar="PATH", help="the signers file (default: .gate/signers.yaml in the current repository)"
    )
    signers_parser.add_argument("--checklist", metavar="PATH", help="check every role and quorum of this checklist")
    signers_parser.add_argument(
        "--allowed-signers",
        action="store_true",
        help="print the derived allowed_signers file (for ssh-keygen -Y verify and git) instead of the table",
    )
    signers_parser.set_defaults(handler=_cmd_signers)

    lint = sub.add_parser(
        "lint",
        help="check checklist files for every problem (file:line:col)",
        description="Load every checklist (with its includes) and report every problem. "
        "Folders are searched for *.yaml and *.yml outside examples/ folders. With --selftest, also run every item "
        "against its example fixtures: exit 1 when a counterexample passes or any example ends otherwise than "
        "expected.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="checklist files or folders")
    lint.add_argument(
        "--max-bytes",
        type=_byte_count,
        default=2 * 1024 * 1024,
        metavar="N",
        help="size cap per checklist file (default 2 MiB)",
    )
    lint.add_argument(
        "--selftest",
        action="store_true",
        help="run every item against its example fixtures; exit 1 on any mismatch",
    )
    lint.add_argument(
        "--strict",
        action="store_true",
        help="with --selftest: an item without a failing and a passing example is an error, not a warning",
    )
    lint.add_argument(
        "--mutate",
        action="store_true",
        help="with --selftest (implied): mutate each passing example per kind; the item must FAIL at the change",
    )
    lint.set_defaults(handler=_cmd_lint)

    schema = sub.add_parser(
        "schema", help="print the checklist JSON Schema", description="Print the JSON Schema of the checklist format."
    )
    schema.set_defaults(handler=_cmd_schema)

    attest_parser = sub.add_parser(
        "attest",
        help="write the signed release attestation (in-toto in DSSE) and its Markdown and HTML renderings",
        description="Run the full check with sign-offs and, only when the gate is cleared, write "
        "DIR/RELEASE.intoto.json (an in-toto Statement v1 in a DSSE envelope, signed with your SSH key in the "
        "namespace gate-attestation), DIR/RELEASE.md and DIR/RELEASE.html. The signer must hold the checklist's "
        "release_role. Exit 0 written, 1 refused (every reason listed), 2 bad input.",
    )
    attest_parser.add_argument("--release", required=True, metavar="ID", help="the release id")
    attest_parser.add_argument("--checklist", required=True, metavar="PATH", help="the checklist file (committed)")
    attest_parser.add_argument(
        "--subject", action="append", required=True, metavar="PATH", help="a model file to attest (repeat)"
    )
    attest_parser.add_argument("--out", required=True, metavar="DIR", help="where the three files are written")
    attest_parser.add_argument("--key", metavar="FILE", help="private key file (default: your key in ssh-agent)")
    attest_parser.add_argument(
        "--repo", default=".", metavar="DIR", help="the repository (default: the current folder)"
    )
    attest_parser.add_argument("--artifacts", metavar="DIR", help="CI artifacts for the release commit")
    attest_parser.add_argument("--release-ref", metavar="REF", help="the release commit (default as for check)")
    attest_parser.add_argument(
        "--stage", metavar="STAGE", help="attest the items of this stage only (recorded in the attestation)"
    )
    attest_parser.add_argument(
        "--baseline",
        metavar="REF",
        help="refuse unless the checklist and signers list are not weakened against REF (or every weakening is "
        "retired); the attestation records the baseline and the retire entries",
    )
    attest_parser.add_argument(
        "--no-manifest", action="store_true", help="do not check artifacts against gate-artifacts.json"
    )
    attest_parser.add_argument(
        "--template",
        action="append",
        metavar="FILE",
        help="your own Jinja2 template for the .md or .html (its name says which: *.md.j2, *.html.j2); repeatable",
    )
    attest_parser.set_defaults(handler=_cmd_attest)

    verify_parser = sub.add_parser(
        "verify",
        help="verify a release attestation offline against signers you trust",
        description="Verify an attestation: the envelope signature by a holder of the release role, the subjects, "
        "every sign-off entry, the sign-off set digest, quorum, independence and waivers; with --repo also the "
        "checklist and signers file at the recorded release commit. People and keys come only from --signers or "
        "the repository, never from the attestation. Exit 0 valid, 1 invalid (the reason), 2 unreadable input.",
    )
    verify_parser.add_argument("attestation", metavar="ATTESTATION", help="the .intoto.json file")
    trust = verify_parser.add_mutually_exclusive_group(required=True)
    trust.add_argument("--signers", metavar="FILE", help="a signers file you trust (the format of .gate/signers.yaml)")
    trust.add_argument(
        "--repo", metavar="DIR", help="trust .gate/signers.yaml of this repository at the attested release commit"
    )
    verify_parser.add_argument(
        "--checklist",
        metavar="FILE",
        help="with --signers: the checklist you trust; the release role and sign-off requirements come from it",
    )
    verify_parser.add_argument(
        "--subject", action="append", metavar="FILE", help="a file that must be one of the subjects (repeat)"
    )
    verify_parser.set_defaults(handler=_cmd_verify)

    init_parser = sub.add_parser(
        "init",
        help="start gate in this repository: signers, a starter checklist, gate.toml and a CI workflow",
        description="Write .gate/signers.yaml (the people who sign, their emails and SSH public keys, their roles), "
        "a starter checklist copied from gate's own into checklists/, gate.toml (the defaults of `gate check`) "
        "and a CI workflow. On a terminal it asks for what the flags leave open; with --yes (or without a "
        "terminal) the flags say everything. It refuses to overwrite any file without --force, and writes all "
        "of them or none. Exit 0 written, 2 refused or bad input.",
    )
    init_parser.add_argument(
        "--checklist", metavar="NAME", help="the starter: starter (default), cot-isolation or model-release"
    )
    init_parser.add_argument("--artifacts", metavar="DIR", help="the CI outputs folder gate reads (default: ci-out)")
    init_parser.add_argument("--stage", metavar="STAGE", help="the default stage in gate.toml (default: every item)")
    init_parser.add_argument(
        "--ci", choices=["github", "gitlab", "none"], help="the CI workflow to write (default: from the repository)"
    )
    init_parser.add_argument(
        "--person", dest="people", action=_PersonAction, metavar="ID", help="a signer's identity (repeat per person)"
    )
    init_parser.add_argument("--name", dest="person_name", action=_PersonAction, metavar="NAME", help="their name")
    init_parser.add_argument(
        "--email",
        dest="person_email",
        action=_PersonAction,
        metavar="EMAIL",
        help="an address they commit with (repeat)",
    )
    init_parser.add_argument(
        "--key", dest="person_key", action=_PersonAction, metavar="PUBFILE", help="their SSH public key file (repeat)"
    )
    init_parser.add_argument(
        "--role", action="append", metavar="ROLE=ID[,ID]", help="who holds a role of the checklist (repeat)"
    )
    init_parser.add_argument(
        "--with-examples",
        action="store_true",
        help="also copy the example fixtures of the checklist's items (for `gate lint --selftest`)",
    )
    init_parser.add_argument(
        "--action", default="OWNER/gate@v1", metavar="OWNER/REPO@REF", help="where the workflow finds gate's Action"
    )
    init_parser.add_argument("--repo", default=".", metavar="DIR", help="the repository (default: the current folder)")
    init_parser.add_argument("--yes", action="store_true", help="ask nothing, even on a terminal")
    init_parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    init_parser.set_defaults(handler=_cmd_init)

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
