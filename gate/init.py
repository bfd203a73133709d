"""`gate init`: start gate in an existing repository: signers, a starter checklist, gate.toml and a CI workflow.

Owns what the files say (`plan`), which of them already exist (`conflicts`), writing them all or none (`write`),
and the questions asked on a terminal (`interview`, through `ask`/`say` callbacks the command line gives).
Never prints and never reads stdin itself; never writes a private key or reads one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gate import __version__, gitrepo, loader
from gate.config import CONFIG_FILE, PYPROJECT
from gate.config import read_root as read_config
from gate.errors import GateError, ProblemsError, UsageError
from gate.model import Checklist
from gate.shipped import shipped_path
from gate.signers import DEFAULT_PATH as SIGNERS_PATH
from gate.signers import Signers, parse_signers, quorum_problems
from gate.signing import PublicKey

CI_CHOICES = ("github", "gitlab", "none")
CI_FILES = {"github": ".github/workflows/gate.yml", "gitlab": ".gitlab-ci.yml"}
CI_TEMPLATES = {"github": "ci/github-workflow.yml", "gitlab": "ci/gitlab-ci.yml"}
"""Under the shipped templates/ folder; docs/github-workflow.yml and docs/gitlab-ci.yml are their renderings
with DOCS_VALUES (tests/test_docs.py keeps them equal)."""
DEFAULT_CHECKLIST = "starter"
DEFAULT_ARTIFACTS = "ci-out"
DEFAULT_ACTION = "OWNER/gate@v1"
"""Where the workflow finds gate's GitHub Action (this repository's action.yml); `--action` names your copy."""
CHECKLIST_DIR = "checklists"
DOCS_VALUES = {
    "checklist": "checklists/model-release.yaml",
    "artifacts": DEFAULT_ARTIFACTS,
    "stage": "",
    "action": DEFAULT_ACTION,
}
"""The values docs/github-workflow.yml and docs/gitlab-ci.yml are rendered with."""
SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")


class InitError(UsageError):
    """gate init cannot go on: a file exists, an answer is invalid, a key is unreadable (exit 2)."""


@dataclass
class Person:
    """One signer as given to `gate init`: identity, name, emails and public key files."""

    identity: str
    name: str | None = None
    emails: list[str] = field(default_factory=list)
    keys: list[Path] = field(default_factory=list)


@dataclass
class Answers:
    """Everything `gate init` needs; flags fill it, and on a terminal `interview` asks for what is missing."""

    checklist: str | None = None
    artifacts: str | None = None
    stage: str | None = None
    ci: str | None = None
    people: list[Person] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)
    """Role -> the identities holding it."""
    with_examples: bool = False
    action: str = DEFAULT_ACTION


@dataclass(frozen=True)
class Plan:
    """The files `gate init` writes (repository-relative POSIX path -> content), and what to tell the user."""

    root: Path
    files: dict[str, bytes]
    checklist_path: str
    warnings: list[str]
    notes: list[str]


# ---------------------------------------------------------------------------------------------
# What the shipped data offers


def shipped_checklists() -> list[str]:
    """The names `--checklist` takes: the shipped checklists/*.yaml, without the extension."""
    return sorted(p.stem for p in shipped_path("checklists").glob("*.yaml"))


def shipped_checklist(name: str) -> Path:
    """The shipped checklist file for a name; InitError for an unknown one."""
    names = shipped_checklists()
    if name not in names:
        raise InitError(f"unknown starter checklist '{name}'", hint=f"choose one of: {', '.join(names)}")
    return shipped_path("checklists") / f"{name}.yaml"


def checklist_roles(name: str) -> Checklist:
    """The resolved shipped checklist (roles, stages, items with their includes)."""
    return loader.load(shipped_checklist(name)).checklist


# ---------------------------------------------------------------------------------------------
# The plan


def plan(root: Path, answers: Answers) -> Plan:
    """Every file `gate init` would write, validated; InitError (exit 2) naming the first problem."""
    name = answers.checklist or DEFAULT_CHECKLIST
    source = shipped_checklist(name)
    loaded = loader.load(source)
    checklist = loaded.checklist
    artifacts = _rel_folder(answers.artifacts or DEFAULT_ARTIFACTS, "--artifacts")
    if answers.stage and answers.stage not in checklist.stages:
        raise InitError(
            f"checklist '{name}' has no stage '{answers.stage}'",
            hint=f"its stages: {', '.join(checklist.stages) or 'none'}",
        )
    action = _action_ref(answers.action)
    ci = answers.ci or default_ci(root)
    if ci not in CI_CHOICES:
        raise InitError(f"unknown CI '{ci}'", hint=f"choose one of: {', '.join(CI_CHOICES)}")

    files: dict[str, bytes] = {}
    shipped_dir = shipped_path("checklists")
    checklist_files = list(_with_includes(source, shipped_dir))
    for path in checklist_files:
        rel = path.relative_to(shipped_dir).as_posix()
        files[f"{CHECKLIST_DIR}/{rel}"] = _adapted(path, rel, with_examples=answers.with_examples).encode()
    checklist_path = f"{CHECKLIST_DIR}/{source.name}"
    _check_adapted(loaded, files, checklist_path, with_examples=answers.with_examples)
    if answers.with_examples:
        for fixture in _fixtures(checklist_files):
            for file in sorted(p for p in fixture.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                files[f"{CHECKLIST_DIR}/{file.relative_to(shipped_dir).as_posix()}"] = file.read_bytes()

    signers, signers_text = _signers(answers, checklist)
    files[SIGNERS_PATH] = signers_text.encode()
    files[CONFIG_FILE] = _config_text(checklist_path, artifacts, answers.stage, checklist).encode()
    notes = []
    if ci != "none":
        values = {"checklist": checklist_path, "artifacts": artifacts, "stage": answers.stage or ""}
        files[CI_FILES[ci]] = render_ci(ci, {**values, "action": action}).encode()
        if ci == "github" and action == DEFAULT_ACTION:
            notes.append(
                f"{CI_FILES[ci]} uses '{DEFAULT_ACTION}': point it at your copy of gate's action "
                "(--action OWNER/REPO@REF)"
            )
        if ci == "gitlab":
            notes.append(f"set the CI/CD variable GATE_INSTALL (where pip installs gate from) for {CI_FILES[ci]}")
    warnings = [
        f"{problem} (fix .gate/signers.yaml, or the checklist)" for problem in quorum_problems(signers, checklist)
    ]
    for identity, signer in signers.identities.items():
        if not signer.roles:
            warnings.append(
                f"{identity} holds no role: they cannot sign anything (give one with --role ROLE={identity})"
            )
    return Plan(root=root, files=files, checklist_path=checklist_path, warnings=warnings, notes=notes)


def default_ci(root: Path) -> str:
    """github when the repository has .github/, gitlab when it has .gitlab-ci.yml, else github."""
    if (root / ".github").is_dir():
        return "github"
    if (root / ".gitlab-ci.yml").exists():
        return "gitlab"
    return "github"


def render_ci(ci: str, values: dict[str, str]) -> str:
    """The CI file of `ci` (github or gitlab) with the checklist, artifacts folder, stage and action filled in."""
    text = (shipped_path("templates") / CI_TEMPLATES[ci]).read_text(encoding="utf-8")
    repo, _, ref = values["action"].partition("@")
    tokens = {
        "@@CHECKLIST@@": values["checklist"],
        "@@ARTIFACTS@@": values["artifacts"],
        "@@STAGE@@": values["stage"],
        "@@ACTION@@": values["action"],
        "@@SETUP_ACTION@@": f"{repo}/setup@{ref}" if ref else f"{repo}/setup",
    }
    for token, value in tokens.items():
        text = text.replace(token, value)
    return text


_FOLDER = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
_ACTION = re.compile(r"(\./[A-Za-z0-9._/-]+|[A-Za-z0-9._-]+/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[A-Za-z0-9._/-]+)")


def _rel_folder(value: str, flag: str) -> str:
    """A folder inside the repository, in the characters a workflow can carry unquoted (it is written into one)."""
    path = value.strip().rstrip("/")
    if not _FOLDER.fullmatch(path) or ".." in path.split("/") or path.startswith("."):
        raise InitError(
            f"{flag} '{value}' must be a folder inside the repository, e.g. {DEFAULT_ARTIFACTS}",
            hint="letters, digits, '.', '_', '-' and '/', not starting with '.'",
        )
    return path


def _action_ref(value: str) -> str:
    """OWNER/REPO@REF (or OWNER/REPO/PATH@REF, or ./PATH): written into the workflow's `uses:` as it is."""
    if not _ACTION.fullmatch(value):
        raise InitError(
            f"--action '{value}' is not OWNER/REPO@REF", hint="e.g. your-org/gate@v1 or your-org/gate@<sha>"
        )
    return value


def _with_includes(path: Path, root: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """The checklist file and every file it includes (transitively), each once, top first."""
    seen = set() if seen is None else seen
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    if not real.is_relative_to(root.resolve()):
        raise GateError(f"shipped checklist include {path} is outside the shipped checklists folder")
    yield path
    for include in loader.load_file(path).checklist.include:
        yield from _with_includes(path.parent / include, root, seen)


def _fixtures(checklist_files: list[Path]) -> list[Path]:
    """The example fixture folders the items of these files name, each once, sorted."""
    out = set()
    for path in checklist_files:
        for item in loader.load_file(path).checklist.items:
            for example in item.examples:
                out.add((path.parent / example.fixture).resolve())
    return sorted(out)


_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=\S*\n", flags=re.MULTILINE)
_EXAMPLES_KEY = re.compile(r"^(?P<indent>[ ]*)examples:[ ]*(?P<rest>.*)$")


def _adapted(path: Path, rel: str, *, with_examples: bool) -> str:
    """The shipped checklist text for this repository: a header saying where it came from, the schema comment
    dropped (its relative path points into gate's own tree), and the `examples:` lists dropped unless their
    fixtures are copied too. Comments and layout are kept otherwise."""
    text = path.read_text(encoding="utf-8")
    text = _SCHEMA_LINE.sub("", text, count=1)
    if not with_examples:
        text = _drop_examples(text)
    header = (
        f"# Copied by `gate init` from gate {__version__}'s shipped checklists/{rel}: point the globs and\n"
        "# items at this repository. `gate lint checklists/` checks it; commit it before `gate check`.\n"
    )
    if not with_examples:
        header += (
            "# The items' `examples:` (fixtures proving each check can fail, run by `gate lint --selftest`) were\n"
            "# left out: add fixtures for your version under checklists/examples/ (`gate init --with-examples`\n"
            "# copies gate's own).\n"
        )
    return header + text


def _drop_examples(text: str) -> str:
    """Remove every `examples:` mapping key and its block (a flow list on the line, or the indented lines)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _EXAMPLES_KEY.match(lines[i].rstrip("\n"))
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent = len(match["indent"])
        i += 1
        rest = match["rest"].split("#", 1)[0].strip()
        if rest:  # a flow list or mapping on the key's own line
            continue
        block_end = i
        while block_end < len(lines):
            line = lines[block_end]
            stripped = line.strip()
            lead = len(line) - len(line.lstrip(" "))
            if stripped and not (lead > indent or (lead == indent and stripped.startswith("- "))):
                break
            block_end += 1
        # Blank lines at the end of the block separate it from what follows: keep them.
        while block_end > i and not lines[block_end - 1].strip():
            block_end -= 1
        i = block_end
    return "".join(out)


def _check_adapted(loaded: loader.LoadedChecklist, files: dict[str, bytes], top: str, *, with_examples: bool) -> None:
    """The adapted checklist must load to the shipped one (without examples when they were dropped): a text edit
    that changed an item would be a bug, never a silent weakening."""
    with tempfile.TemporaryDirectory(prefix="gate-init-") as tmp:
        base = Path(tmp)
        for rel, content in files.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        copy = loader.load(base / top).checklist
    want = loaded.checklist
    if not with_examples:
        want = want.model_copy(update={"items": [i.model_copy(update={"examples": []}) for i in want.items]})
    if copy.model_dump(mode="json") != want.model_dump(mode="json"):
        raise GateError(f"the adapted copy of {top} differs from the shipped checklist (a bug in gate init)")


# ---------------------------------------------------------------------------------------------
# Signers


def read_key_file(path: Path) -> list[str]:
    """The public key lines of a .pub (or authorized_keys-style) file; InitError for a private key or bad line."""
    shown = str(path)
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InitError(
            f"no such key file {shown}", hint="give the public key: the .pub file next to your key"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InitError(f"cannot read key file {shown}: {getattr(exc, 'strerror', None) or exc}") from None
    if "PRIVATE KEY" in text:
        # Never echo it, never copy it: only the public half belongs in the repository.
        raise InitError(f"{shown} is a private key", hint=f"give the public key instead: {shown}.pub")
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            PublicKey.parse(line)
        except ValueError as exc:
            raise InitError(f"{shown}:{number}: not an SSH public key: {exc}") from None
        keys.append(line)
    if not keys:
        raise InitError(f"{shown} holds no public key")
    return keys


def _signers(answers: Answers, checklist: Checklist) -> tuple[Signers, str]:
    """The signers file for the answers (validated as gate reads it), and its text."""
    if not answers.people:
        raise InitError(
            "no signers: give at least one person",
            hint="--person ID --email EMAIL --key PUBFILE (repeat per person), then --role ROLE=ID",
        )
    identities = [p.identity for p in answers.people]
    for person in answers.people:
        if not SLUG.fullmatch(person.identity):
            raise InitError(
                f"--person '{person.identity}': an identity is a slug (lower-case letters, digits, '.', '_', '-')"
            )
        if identities.count(person.identity) > 1:
            raise InitError(f"--person '{person.identity}' is given twice")
        if not person.emails:
            raise InitError(f"--person '{person.identity}' has no --email (every address they commit with)")
        if not person.keys:
            raise InitError(
                f"--person '{person.identity}' has no --key (their SSH public key file, e.g. ~/.ssh/id_ed25519.pub)"
            )
    for role, holders in answers.roles.items():
        if role not in checklist.roles:
            raise InitError(
                f"--role {role}: the checklist has no role '{role}'", hint=f"its roles: {', '.join(checklist.roles)}"
            )
        for holder in holders:
            if holder not in identities:
                raise InitError(
                    f"--role {role}={holder}: no --person '{holder}'", hint=f"people given: {', '.join(identities)}"
                )
    data = {
        "version": 1,
        "signers": {
            p.identity: {
                "name": p.name or p.identity,
                "emails": p.emails,
                "roles": [r for r in checklist.roles if p.identity in answers.roles.get(r, [])],
                "keys": [{"key": line} for path in p.keys for line in read_key_file(path)],
            }
            for p in answers.people
        },
    }
    text = SIGNERS_HEADER + yaml.safe_dump(
        data, sort_keys=False, width=4096, allow_unicode=True, default_flow_style=None
    )
    try:
        return parse_signers(text.encode(), SIGNERS_PATH), text
    except ProblemsError as exc:
        problem = exc.problems[0]
        where = f"{problem.field}: " if problem.field else ""
        raise InitError(f"the signers given are invalid: {where}{problem.message}") from None


SIGNERS_HEADER = """\
# Who may sign gate sign-offs and attestations: the emails each person commits with, their SSH public keys
# and the roles they hold (as the checklist names them). Written by `gate init`; `gate signers` lists it.
# Adding a person, key, role or email later is a weakening `gate check --baseline` makes the owner sign.
"""


# ---------------------------------------------------------------------------------------------
# gate.toml


def _config_text(checklist_path: str, artifacts: str, stage: str | None, checklist: Checklist) -> str:
    stages = ", ".join(checklist.stages) or "none declared"
    stage_line = (
        f"stage = {json.dumps(stage)}\n"
        if stage
        else f'# stage = "..."  # one of: {stages}; without it every item is checked\n'
    )
    return (
        "# gate's defaults for this repository: `gate check` (and gate.api.check) with no --checklist uses them.\n"
        '# Written by `gate init`. Keys: checklist, artifacts, stage (README: "Defaults: gate.toml").\n'
        f"checklist = {json.dumps(checklist_path)}\n"
        f"artifacts = {json.dumps(artifacts)}\n"
        f"{stage_line}"
    )


# ---------------------------------------------------------------------------------------------
# Writing


def conflicts(plan: Plan) -> list[str]:
    """The planned files that already exist (and a [tool.gate] that gate.toml would shadow)."""
    out = [rel for rel in plan.files if (plan.root / rel).exists() or (plan.root / rel).is_symlink()]
    if CONFIG_FILE in plan.files and not (plan.root / CONFIG_FILE).exists():
        try:
            if read_config(plan.root).source is not None:
                out.append(f"{PYPROJECT} [tool.gate]")
        except GateError:
            out.append(f"{PYPROJECT} [tool.gate]")
    return out


def write(plan: Plan, *, force: bool) -> list[str]:
    """Write every planned file, or none: all targets are checked first, then each file is written to a temporary
    name and renamed into place. Refuses (InitError, exit 2) any existing file without `force`."""
    existing = conflicts(plan)
    if existing and not force:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise InitError(f"refusing to overwrite {shown}", hint="move it away, or pass --force to overwrite")
    for rel in plan.files:
        # A folder (or a file where a folder must go) cannot be replaced even with --force.
        target = plan.root / rel
        if target.is_dir():
            raise InitError(f"{rel} is a folder; gate init writes a file there")
        for parent in Path(rel).parents:
            if parent != Path() and (plan.root / parent).exists() and not (plan.root / parent).is_dir():
                raise InitError(f"{parent.as_posix()} is a file; gate init needs a folder there for {rel}")
    staged: list[tuple[Path, Path]] = []
    try:
        for rel, content in plan.files.items():
            target = plan.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((Path(name), target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        for temp, target in staged:
            if target.is_symlink():
                target.unlink()
            os.replace(temp, target)
    except OSError as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise InitError(f"cannot write {exc.filename}: {exc.strerror}") from None
    return list(plan.files)


def repository(path: Path) -> Path:
    """The top of the git work tree gate init runs in; InitError outside one."""
    try:
        return gitrepo.toplevel(path)
    except GateError:
        raise InitError(
            f"{path} is not inside a git repository", hint="gate init starts gate in an existing repository: git init"
        ) from None


# ---------------------------------------------------------------------------------------------
# Questions (on a terminal only; the command line gives ask and say)

Ask = Callable[[str, str], str]
"""ask(question, default) -> the answer ('' keeps the default)."""
Say = Callable[[str], None]


def interview(root: Path, answers: Answers, ask: Ask, say: Say) -> Answers:
    """Ask for everything the flags left open; each answer is checked, and asked again when invalid."""
    names = shipped_checklists()
    if answers.checklist is None:
        answers.checklist = _choose(ask, say, f"Starter checklist ({', '.join(names)})", DEFAULT_CHECKLIST, names)
    checklist = checklist_roles(answers.checklist)
    if not answers.people:
        answers.people = _ask_people(root, ask, say)
    identities = [p.identity for p in answers.people]
    for role, spec in checklist.roles.items():
        if role in answers.roles:
            continue
        default = identities[0] if len(identities) == 1 else ""
        about = f" ({spec.description})" if spec.description else ""
        while True:
            reply = ask(f"Who holds '{role}'{about}? identities, comma-separated", default)
            holders = [h.strip() for h in (reply or default).split(",") if h.strip()]
            unknown = [h for h in holders if h not in identities]
            if not unknown:
                break
            say(f"  unknown: {', '.join(unknown)} (people: {', '.join(identities)})")
        answers.roles[role] = holders
    if answers.artifacts is None:
        answers.artifacts = ask("Folder of the CI outputs gate reads (JUnit, SARIF, logs)", DEFAULT_ARTIFACTS) or (
            DEFAULT_ARTIFACTS
        )
    if answers.stage is None and checklist.stages:
        choices = ["", *checklist.stages]
        stage = _choose(ask, say, f"Default stage ({', '.join(checklist.stages)}; empty: every item)", "", choices)
        answers.stage = stage or None
    if answers.ci is None:
        answers.ci = _choose(ask, say, f"CI ({', '.join(CI_CHOICES)})", default_ci(root), list(CI_CHOICES))
    return answers


def _choose(ask: Ask, say: Say, question: str, default: str, choices: list[str]) -> str:
    while True:
        reply = ask(question, default).strip() or default
        if reply in choices:
            return reply
        say(f"  choose one of: {', '.join(c or '(empty)' for c in choices)}")


def _ask_people(root: Path, ask: Ask, say: Say) -> list[Person]:
    git_name = _git_config(root, "user.name")
    git_email = _git_config(root, "user.email")
    default_key = next(
        (
            str(p)
            for p in (Path.home() / ".ssh" / n for n in ("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"))
            if p.is_file()
        ),
        "",
    )
    people: list[Person] = []
    say("Who signs? One person at a time: an identity (a short name such as alice), their emails and SSH public key.")
    while True:
        first = not people
        suggested = _slug(git_name.split()[0]) if first and git_name else ""
        identity = ask("Identity (empty when done)" if people else "Identity", suggested).strip() or suggested
        if not identity:
            if people:
                return people
            say("  at least one person signs")
            continue
        if not SLUG.fullmatch(identity) or identity in [p.identity for p in people]:
            say("  an identity is a new slug: lower-case letters, digits, '.', '_', '-'")
            continue
        name = ask("  Name", git_name if first else "").strip() or (git_name if first else identity)
        while True:
            emails = [
                e.strip()
                for e in (
                    ask("  Emails they commit with, comma-separated", git_email if first else "")
                    or (git_email if first else "")
                ).split(",")
                if e.strip()
            ]
            if emails and all("@" in e for e in emails):
                break
            say("  give at least one email address")
        while True:
            key = ask("  SSH public key file", default_key if first else "").strip() or (default_key if first else "")
            try:
                read_key_file(Path(key).expanduser())
                break
            except InitError as exc:
                say(f"  {exc}" + (f"; {exc.hint}" if exc.hint else ""))
        people.append(Person(identity=identity, name=name, emails=emails, keys=[Path(key).expanduser()]))


def _git_config(root: Path, key: str) -> str:
    try:
        return gitrepo.run(root, ["config", "--get", key], check=False).decode("utf-8", "replace").strip()
    except GateError:
        return ""


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return slug if SLUG.fullmatch(slug) else ""


def summary(plan: Plan) -> list[str]:
    """One line per file, for the confirmation and the final report."""
    return [f"  {rel}" for rel in plan.files if not rel.startswith(f"{CHECKLIST_DIR}/examples/")] + (
        [f"  {CHECKLIST_DIR}/examples/ ({sum(r.startswith(f'{CHECKLIST_DIR}/examples/') for r in plan.files)} files)"]
        if any(r.startswith(f"{CHECKLIST_DIR}/examples/") for r in plan.files)
        else []
    )


__all__ = [
    "CI_CHOICES",
    "CI_FILES",
    "DEFAULT_ACTION",
    "DEFAULT_ARTIFACTS",
    "DEFAULT_CHECKLIST",
    "DOCS_VALUES",
    "Answers",
    "InitError",
    "Person",
    "Plan",
    "conflicts",
    "interview",
    "plan",
    "render_ci",
    "repository",
    "shipped_checklists",
    "summary",
    "write",
]
