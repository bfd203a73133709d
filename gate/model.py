"""The checklist language as pydantic models: Checklist, Item, one *Spec per evidence kind.

Pure data and validation: stdlib and pydantic only, no I/O. Every model is frozen and refuses unknown
keys; field docstrings become descriptions in `gate schema`. Cross-file rules live in `loader`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_serializer,
    model_validator,
)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
RELEASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

Slug = Annotated[StrictStr, Field(pattern=SLUG_PATTERN, max_length=100)]
Text = Annotated[StrictStr, Field(max_length=20_000)]
Severity = Literal["blocker", "major", "minor"]
SEVERITIES: tuple[Severity, ...] = ("blocker", "major", "minor")


def _one_or_many(value: object) -> object:
    """Let `files: "a/*.yaml"` stand for `files: ["a/*.yaml"]`."""
    return [value] if isinstance(value, str) else value


def _one_or_many_of(item: Any) -> BeforeValidator:
    """`_one_or_many` for a list of `item`, with a JSON schema that also takes a single item, as the loader does."""
    return BeforeValidator(_one_or_many, json_schema_input_type=item | list[item])


def _check_relative_path(value: str) -> str:
    """A path or glob inside its root: relative, POSIX, no `..` segment."""
    if not value:
        raise ValueError("must not be empty")
    if "\\" in value:
        raise ValueError(f"'{value}' uses a backslash; write paths with '/'")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"'{value}' is absolute; paths are relative to their root")
    if ".." in value.split("/"):
        raise ValueError(f"'{value}' escapes its root with '..'")
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def _check_include_path(value: str) -> str:
    """An include: relative to the including file; `..` is allowed, the loader keeps it inside the root."""
    if not value:
        raise ValueError("must not be empty")
    if "\\" in value:
        raise ValueError(f"'{value}' uses a backslash; write paths with '/'")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"include '{value}' is absolute; includes are relative to the including file")
    return value


def _check_regex(value: str) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" FutureWarnings would be noise on stderr
            re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression '{value}': {exc}") from None
    except (OverflowError, RecursionError) as exc:  # not re.error: `a{99999999999}`, or very deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ValueError(f"invalid regular expression '{value}': {reason}") from None
    return value


RelPath = Annotated[StrictStr, AfterValidator(_check_relative_path)]
IncludePath = Annotated[StrictStr, AfterValidator(_check_include_path)]
Globs = Annotated[list[RelPath], _one_or_many_of(RelPath), Field(min_length=1)]
Regex = Annotated[StrictStr, AfterValidator(_check_regex)]
StrList = Annotated[list[StrictStr], _one_or_many_of(StrictStr)]


class Model(BaseModel):
    """Base of every checklist model: frozen, unknown keys refused. Field docstrings describe the fields in the
    JSON Schema (gate.schema reads them when a schema is generated)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        allow_inf_nan=False,
        ser_json_inf_nan="null",
    )


# ---------------------------------------------------------------------------------------------
# Assertions (config and json evidence)

# Strict throughout: a quoted "5" or a boolean is not silently turned into the number 5.0 or 1.0.
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat | None


def _finite(value: Any) -> Any:
    """Numbers nested in lists and mappings must be finite too: NaN and infinities have no JSON form, and
    serialised as null they would give `equals: [.nan]` the digest of `equals: [null]`."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number (no .inf or .nan, also inside lists and mappings)")
    if isinstance(value, list):
        for element in value:
            _finite(element)
    elif isinstance(value, dict):
        for element in value.values():
            _finite(element)
    return value


Value = Annotated[Scalar | list[Any] | dict[str, Any], AfterValidator(_finite)]
Number = StrictInt | StrictFloat
OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "matches",
    "exists",
    "absent",
    "gt",
    "ge",
    "lt",
    "le",
)

NULLABLE_OPERATORS = ("contains", "not_contains")


class Assertion(Model):
    """Exactly one operator, applied to the value the query selected."""

    equals: Value = None
    """The value equals this (deep equality)."""
    not_equals: Value = None
    """The value differs from this."""
    in_: list[Value] | None = Field(default=None, alias="in")
    """The value is one of these."""
    not_in: list[Value] | None = None
    """The value is none of these."""
    contains: Value = None
    """The value (a list, or a string) contains this element or substring."""
    not_contains: Value = None
    """The value (a list, or a string) does not contain this element or substring."""
    matches: Regex | None = None
    """The value is a string and this regular expression matches it (re.search)."""
    exists: Literal[True] | None = None
    """The query selects something (not null). Write `exists: true`."""
    absent: Literal[True] | None = None
    """The query selects nothing (null). Write `absent: true`."""
    gt: Number | None = None
    """The value is a number greater than this."""
    ge: Number | None = None
    """The value is a number greater than or equal to this."""
    lt: Number | None = None
    """The value is a number less than this."""
    le: Number | None = None
    """The value is a number less than or equal to this."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = sorted(self.model_fields_set)
        if len(given) != 1:
            names = ", ".join(OPERATORS)
            if not given:
                raise ValueError(f"needs exactly one operator, one of: {names}")
            shown = ", ".join(self._alias(g) for g in given)
            raise ValueError(f"needs exactly one operator, got {len(given)}: {shown}")
        # Each field is optional only so that the others can be left out; an explicit null is a value
        # only where null can be compared with (`contains: null`, a list element).
        operator = self._alias(given[0])
        if getattr(self, given[0]) is None and operator not in NULLABLE_OPERATORS:
            if operator in ("exists", "absent"):
                raise ValueError(f"write `{operator}: true`, not `{operator}: null`")
            if operator in ("equals", "not_equals"):
                # JMESPath cannot tell a null value from a missing key, and a query selecting nothing is
                # ERROR (fail closed): say what is meant instead.
                other = "absent" if operator == "equals" else "exists"
                raise ValueError(
                    f"`{operator}: null` cannot be checked (null means 'selected nothing'); use `{other}: true`"
                )
            raise ValueError(f"`{operator}: null` has nothing to compare with; give a value")
        return self

    @staticmethod
    def _alias(name: str) -> str:
        return "in" if name == "in_" else name

    @model_serializer(mode="plain")
    def _serialize(self) -> dict[str, Any]:
        # Always emit the operator, even when its operand equals a default (`equals: null`):
        # otherwise `equals: null` and `not_equals: null` would digest the same.
        return {self.operator: self.operand}

    @property
    def operator(self) -> str:
        """The operator's name as written in YAML (`in`, not `in_`)."""
        return self._alias(next(iter(self.model_fields_set)))

    @property
    def operand(self) -> Any:
        """The value the operator compares with."""
        return getattr(self, next(iter(self.model_fields_set)))


Each = Literal["file", "any-file", "no-file"]


# ---------------------------------------------------------------------------------------------
# Evidence kinds: one Spec per `kind:`


class Spec(Model):
    """Fields every evidence entry may carry."""

    label: StrictStr | None = Field(default=None, max_length=200)
    """A short human name for this evidence, shown in reports."""


class ConfigSpec(Spec):
    """Config files in the repository (YAML, JSON or TOML) queried with JMESPath."""

    kind: Literal["config"]
    files: Globs
    """Gitignore-style globs, relative to the repository root."""
    query: StrictStr = Field(min_length=1)
    """A JMESPath expression evaluated on each file's document."""
    assert_: Assertion = Field(alias="assert")
    """The assertion the selected value must satisfy."""
    each: Each = "file"
    """file: the assertion holds in every matched file; any-file: in at least one; no-file: in none."""
    min_files: StrictInt = Field(default=1, ge=1)
    """Fewer matched files than this is ERROR."""
    format: Literal["auto", "yaml", "json", "toml"] = "auto"
    """How to parse the files; auto goes by the file extension."""


class JsonSpec(Spec):
    """JSON or JSONL artifacts (eval metrics, manifests) queried with JMESPath; a JSONL file is a list of records."""

    kind: Literal["json"]
    files: Globs
    """Globs relative to the artifacts folder."""
    query: StrictStr = Field(min_length=1)
    """A JMESPath expression evaluated on each file's document."""
    assert_: Assertion = Field(alias="assert")
    """The assertion the selected value must satisfy."""
    each: Each = "file"
    """file: the assertion holds in every matched file; any-file: in at least one; no-file: in none."""
    min_files: StrictInt = Field(default=1, ge=1)
    """Fewer matched files than this is ERROR."""
    format: Literal["auto", "json", "jsonl"] = "auto"
    """How to parse the files; auto goes by the extension (.jsonl, .ndjson are JSONL)."""


class CodePatternSpec(Spec):
    """A literal or regular expression that must, or must not, occur in source files."""

    kind: Literal["code.pattern"]
    files: Globs
    """Gitignore-style globs relative to the repository root."""
    pattern: StrictStr = Field(min_length=1)
    """The text to look for: a literal unless `regex: true`."""
    regex: StrictBool = False
    """Treat `pattern` as a Python regular expression."""
    ignore_case: StrictBool = False
    """Match without regard to case."""
    must: Literal["occur", "not_occur"] = "not_occur"
    """occur: at least one match in the files; not_occur: no match outside the allowlist."""
    allowlist: Annotated[list[RelPath], _one_or_many_of(RelPath)] = []
    """Globs of files where a match is allowed (must: not_occur)."""
    ignore_comments: StrictBool = False
    """Skip matches in comments and docstrings (Python files), or in lines starting with `#` or `//` (others)."""
    ignore_strings: StrictBool = False
    """Skip matches in string literals (Python files only; code in an f-string's {...} still counts)."""

    @model_validator(mode="after")
    def _valid_regex(self) -> Self:
        if self.regex:
            _check_regex(self.pattern)
        return self


ModuleName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]


class CodeImportsSpec(Spec):
    """Python modules that must not import (directly, or through other modules) forbidden modules."""

    kind: Literal["code.imports"]
    source: Annotated[list[ModuleName], _one_or_many_of(ModuleName), Field(min_length=1)]
    """Modules (and their submodules) that must not reach the forbidden ones, e.g. `rl.reward`."""
    forbidden: Annotated[list[ModuleName], _one_or_many_of(ModuleName), Field(min_length=1)]
    """Modules (and their submodules) that must not be reached, e.g. `rl.cot`."""
    transitive: StrictBool = True
    """Also follow imports of imports (a chain of any length)."""
    roots: Annotated[list[RelPath], _one_or_many_of(RelPath), Field(min_length=1)] = ["."]
    """Folders (relative to the repository root) that hold the top-level packages."""


Range = Annotated[StrictStr, Field(min_length=1, pattern=r"^[^\s-][^\s]*$")]


class GitTrailersSpec(Spec):
    """Commits touching paths in a range carry required trailers (e.g. Reviewed-by from someone else)."""

    kind: Literal["git.trailers"]
    paths: Globs
    """Gitignore-style globs (as for `files:`) of the paths whose commits are checked."""
    since: StrictStr | None = Field(default=None, min_length=1)
    """A tag pattern (e.g. `v*`): the range starts at the newest matching tag reachable from the release commit."""
    range: Range | None = None
    """An explicit git range (e.g. `v1.2..HEAD`); give `since` or `range`, not both."""
    require: StrList = ["Reviewed-by"]
    """Trailer keys every commit must carry (compared case-insensitively)."""
    not_author: StrictBool = True
    """The required trailers must name someone other than the commit's author (mailmapped emails)."""
    signed: StrictBool = False
    """Every commit must carry a good signature by a key in `allowed_signers`."""
    allowed_signers: RelPath | None = None
    """A file in git's allowed_signers format (repository path); required with `signed: true`."""
    merges: Literal["check", "skip", "first-parent"] = "check"
    """check: merge commits need the trailers too; skip: ignore them; first-parent: follow the first parent only."""
    bots: StrList = []
    """Author emails exempt from the trailer rule (listed explicitly, never by pattern)."""
    min_commits: StrictInt = Field(default=0, ge=0)
    """Fewer commits in the range touching the paths than this is ERROR."""

    @model_validator(mode="after")
    def _range_rules(self) -> Self:
        _one_range(self.since, self.range)
        if self.signed and not self.allowed_signers:
            raise ValueError("signed: true needs allowed_signers (a file in git's allowed_signers format)")
        return self


def _one_range(since: str | None, range_: str | None) -> None:
    if since is None and range_ is None:
        raise ValueError("needs `since` (a tag pattern) or `range` (e.g. 'v1.2..HEAD')")
    if since is not None and range_ is not None:
        raise ValueError("give `since` or `range`, not both")


class GitAuthorsDisjointSpec(Spec):
    """No author of commits touching paths belongs to a group (e.g. graders vs reward authors)."""

    kind: Literal["git.authors_disjoint"]
    paths: Globs
    """Gitignore-style globs (as for `files:`) of the paths whose commits are checked."""
    since: StrictStr | None = Field(default=None, min_length=1)
    """A tag pattern: the range starts at the newest matching tag reachable from the release commit."""
    range: Range | None = None
    """An explicit git range; give `since` or `range`, not both."""
    group_file: RelPath
    """A repository file listing the group's emails, one per line (# comments allowed)."""
    mailmap: StrictBool = True
    """Map emails through the repository's .mailmap before comparing."""

    @model_validator(mode="after")
    def _range_rules(self) -> Self:
        _one_range(self.since, self.range)
        return self


class GitRefSpec(Spec):
    """A tag exists (optionally annotated, signed, at the release commit) and the tree is clean."""

    kind: Literal["git.ref"]
    tag: StrictStr = Field(min_length=1)
    """The tag name; `{release}` stands for the release id."""
    annotated: StrictBool = False
    """The tag must be annotated (not lightweight)."""
    signed: StrictBool = False
    """The tag must carry a good signature by a key in `allowed_signers`."""
    allowed_signers: RelPath | None = None
    """A file in git's allowed_signers format; required with `signed: true`."""
    at_release_commit: StrictBool = True
    """The tag must point at the release commit."""
    clean: StrictBool = False
    """The working tree must have no changes to tracked files."""

    @model_validator(mode="after")
    def _signers(self) -> Self:
        if self.signed and not self.allowed_signers:
            raise ValueError("signed: true needs allowed_signers (a file in git's allowed_signers format)")
        if self.signed and not self.annotated:
            raise ValueError("signed: true needs annotated: true (lightweight tags cannot be signed)")
        return self


class GitFileSpec(Spec):
    """A file exists, or is absent, in the tree at a ref (the release commit by default)."""

    kind: Literal["git.file"]
    path: RelPath
    """A repository path."""
    state: Literal["exists", "absent"] = "exists"
    """exists: the path is a file at the ref; absent: it is not."""
    ref: StrictStr | None = Field(default=None, min_length=1)
    """A git ref; the release commit when not given."""


class GitCodeownersSpec(Spec):
    """Paths are owned under CODEOWNERS semantics; optionally an owner approved the change."""

    kind: Literal["git.codeowners"]
    paths: Globs
    """Repository paths (globs) that must have an owner."""
    codeowners_file: RelPath | None = None
    """The CODEOWNERS file; by default .github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS, first found."""
    owners: StrList = []
    """When given, the owner of each path must be one of these (e.g. '@org/safety')."""
    approvals: RelPath | None = None
    """An artifact: PR approvals exported from the forge's API (JSON); an owner must be among them."""


class JunitSelect(Model):
    """Which test cases count: fnmatch-style patterns on name and classname (all when empty)."""

    name: StrList = []
    """Patterns on the test case name."""
    classname: StrList = []
    """Patterns on the test case classname."""


class JunitSpec(Spec):
    """JUnit XML reports: the selected tests ran and passed."""

    kind: Literal["junit"]
    files: Globs
    """Globs relative to the artifacts folder; several files are merged."""
    select: JunitSelect = JunitSelect()
    """Which test cases count."""
    min_count: StrictInt = Field(default=1, ge=0)
    """Fewer selected test cases than this is FAIL."""
    allow_skipped: StrictBool = False
    """A skipped selected test does not fail the item."""


class SarifSpec(Spec):
    """SARIF reports (static analysis): no result at or above a level."""

    kind: Literal["sarif"]
    files: Globs
    """Globs relative to the artifacts folder."""
    level: Literal["error", "warning", "note"] = "error"
    """Results at this level or above fail the item."""
    rules: StrList = []
    """Only these rule ids count (all when empty)."""
    tools: StrList = []
    """These tools (driver names) must each have a run in the reports."""


class CanarySpec(Spec):
    """Canary strings planted in the CoT must never appear in grader logs (plain or gzip)."""

    kind: Literal["canary"]
    files: Globs
    """Logs to scan, globs relative to the artifacts folder (.gz files are decompressed)."""
    canaries_file: RelPath
    """An artifact with one canary string per line."""
    must_occur_in: Annotated[list[RelPath], _one_or_many_of(RelPath)] = []
    """Positive control: artifacts (e.g. the CoT dump) where every canary must be found."""
    min_bytes: StrictInt = Field(default=1, ge=0)
    """Scanned logs smaller than this in total (decompressed) are ERROR."""


Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]


class DigestSpec(Spec):
    """A subject file (model weights) has the expected sha256, inline or from a manifest."""

    kind: Literal["digest"]
    file: RelPath
    """The subject's path, relative to the subject root (--subject)."""
    sha256: Sha256 | None = None
    """The expected digest, lower-case hex."""
    manifest: RelPath | None = None
    """An artifact (JSON) holding the expected digest."""
    key: StrictStr | None = Field(default=None, min_length=1)
    """JMESPath into the manifest selecting the digest."""

    @model_validator(mode="after")
    def _source(self) -> Self:
        if (self.sha256 is None) == (self.manifest is None):
            raise ValueError("give either sha256 or manifest (with key)")
        if self.manifest is not None and self.key is None:
            raise ValueError("manifest needs key (a JMESPath expression selecting the digest)")
        if self.sha256 is not None and self.key is not None:
            raise ValueError("key goes with manifest, not with sha256")
        return self


class ManualSpec(Spec):
    """A document people review; its digest is bound to the sign-off. Human-only evidence."""

    kind: Literal["manual"]
    path: RelPath
    """The document, a repository path."""
    instructions: Text | None = None
    """What the reviewer must check in it."""


class CommandSpec(Spec):
    """A command whose exit status is the evidence. Runs only with --allow-commands, else ERROR."""

    kind: Literal["command"]
    argv: Annotated[list[StrictStr], Field(min_length=1)]
    """The program and its arguments (no shell)."""
    timeout: Number = Field(default=60, gt=0, le=3600)
    """Seconds before the command is killed (ERROR)."""
    expect_exit: StrictInt = 0
    """The exit status that means PASS."""


EvidenceSpec = Annotated[
    ConfigSpec
    | JsonSpec
    | CodePatternSpec
    | CodeImportsSpec
    | GitTrailersSpec
    | GitAuthorsDisjointSpec
    | GitRefSpec
    | GitFileSpec
    | GitCodeownersSpec
    | JunitSpec
    | SarifSpec
    | CanarySpec
    | DigestSpec
    | ManualSpec
    | CommandSpec,
    Field(discriminator="kind"),
]
EVIDENCE_KINDS: tuple[str, ...] = (
    "canary",
    "code.imports",
    "code.pattern",
    "command",
    "config",
    "digest",
    "git.authors_disjoint",
    "git.codeowners",
    "git.file",
    "git.ref",
    "git.trailers",
    "json",
    "junit",
    "manual",
    "sarif",
)


# ---------------------------------------------------------------------------------------------
# Items and checklists


class SignoffRequirement(Model):
    """How many distinct people holding a role must approve the item."""

    role: Slug
    """A role defined under `roles:`."""
    count: StrictInt = Field(default=1, ge=1, le=100)
    """Distinct people needed."""
    independent_of: Literal["authors"] | None = None
    """authors: the signer authored, committed or co-authored none of the commits the item read."""


class WaiverPolicy(Model):
    """Who may waive a FAIL, and for how long."""

    roles: Annotated[list[Slug], _one_or_many_of(Slug), Field(min_length=1)]
    """Roles allowed to sign a waiver."""
    max_days: StrictInt = Field(ge=1, le=365)
    """The longest a waiver may last."""


class Example(Model):
    """A fixture the item is run against by `gate lint --selftest`, and the outcome it must give."""

    fixture: RelPath
    """A folder relative to the checklist's folder, e.g. examples/leaky-grader."""
    expect: Literal["pass", "fail", "error"]
    """The outcome the item must have on this fixture."""
    observation: StrictStr | None = None
    """Text an observation must contain."""


class Item(Model):
    """One invariant: evidence that must hold, and who signs it off."""

    id: Slug
    """Unique across the checklist and its includes."""
    title: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    """One line saying what must be true."""
    rationale: Text = ""
    """Why this matters (the incident, the risk)."""
    severity: Severity = "blocker"
    """Orders the report and the sign-off work; every FAIL or ERROR blocks whatever the severity."""
    stages: Annotated[list[Slug], _one_or_many_of(Slug), Field(min_length=1)] | None = None
    """Stages the item runs in (declared at the top); every stage when not given; never empty."""
    evidence: Annotated[list[EvidenceSpec], Field(min_length=1)]
    """What must hold; all entries must PASS."""
    signoff: list[SignoffRequirement] = []
    """Roles that must approve the item."""
    waiver: WaiverPolicy | None = None
    """Who may waive a FAIL; no waivers when not given."""
    examples: list[Example] = []
    """Fixtures proving the item can fail (and pass)."""

    @model_validator(mode="after")
    def _roles_once(self) -> Self:
        seen: set[str] = set()
        for req in self.signoff:
            if req.role in seen:
                raise ValueError(f"signoff lists role '{req.role}' twice; use count: instead")
            seen.add(req.role)
        return self


class RoleDef(Model):
    """A role people hold in signers.yaml."""

    description: Annotated[StrictStr, Field(min_length=1, max_length=2000)]
    """What the role is responsible for."""


class Checklist(Model):
    """A checklist file: the invariants for a release, their evidence and their sign-offs."""

    id: Slug
    """Stable identifier of the checklist."""
    version: StrictInt = Field(ge=1)
    """Bump on every change."""
    title: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    """Human name."""
    description: Text = ""
    """What the checklist protects."""
    owner: Slug
    """The role that must sign any weakening of this checklist."""
    release_role: Slug
    """The role whose holder signs the attestation."""
    stages: Annotated[list[Slug], _one_or_many_of(Slug)] = []
    """Stages items may run in, e.g. pre-training, pre-release."""
    roles: dict[Slug, RoleDef] = Field(default={}, max_length=200)
    """Roles used by owner, release_role, sign-offs and waivers."""
    include: Annotated[list[IncludePath], _one_or_many_of(IncludePath)] = []
    """Checklists whose items are added (union only), relative to this file."""
    items: list[Item] = []
    """The invariants."""

    @model_validator(mode="after")
    def _stages_once(self) -> Self:
        dupes = sorted({s for s in self.stages if self.stages.count(s) > 1})
        if dupes:
            raise ValueError(f"stage '{dupes[0]}' declared twice")
        return self

    def items_for(self, stage: str | None) -> list[Item]:
        """The items selected by a stage (all of them when stage is None)."""
        if stage is None:
            return list(self.items)
        return [i for i in self.items if i.stages is None or stage in i.stages]


# ---------------------------------------------------------------------------------------------
# Digests (DESIGN "Digests")


def canonical_json(data: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8; the form every digest is taken over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_digest(model: BaseModel) -> str:
    """sha256 of the canonical JSON of a model, defaults left out so an explicit default digests the same."""
    return sha256_hex(canonical_json(model.model_dump(mode="json", by_alias=True, exclude_defaults=True)))


def checklist_digest(checklist: Checklist) -> str:
    """Digest of a *resolved* checklist (includes merged): comments and formatting do not count."""
    return model_digest(checklist)


def item_digest(item: Item) -> str:
    """Digest of one item's definition."""
    return model_digest(item)
