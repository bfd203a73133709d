"""Collector for `sarif` evidence: no static-analysis result at or above a level, and the named tools ran.

Reads SARIF 2.1.0 JSON artifacts through the Context. JSON cannot be judged before it is all read, so each
file is read whole, up to MAX_SARIF_BYTES. Only the structure this collector relies on is validated (fail
closed: a missing or wrong structure is ERROR); the full SARIF JSON schema is not applied at runtime.
Levels, kinds, suppressions and run.results follow the OASIS SARIF 2.1.0 spec (the property sections named below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn
from urllib.parse import unquote, urlsplit

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.evidence.documents import line_col
from gate.evidence.strictjson import NotStrictJson, loads
from gate.model import SarifSpec
from gate.results import Evidence, Observation, Read, Status, evidence

MAX_SARIF_BYTES = 256 * 1024 * 1024
"""A SARIF file larger than this is ERROR. JSON is parsed whole; big CodeQL runs reach tens of MB."""
SARIF_VERSION = "2.1.0"
LEVELS = {"none": 0, "note": 1, "warning": 2, "error": 3}
MESSAGE_LIMIT = 300
"""Characters of a result message kept in an observation."""
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_BASE_PREFIX = re.compile(r"^(%[A-Za-z_][A-Za-z0-9_]*%|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)/")


@dataclass
class _State:
    tools: list[str] = field(default_factory=list)
    runs: int = 0
    counted: list[Observation] = field(default_factory=list)
    suppressed: list[Observation] = field(default_factory=list)
    below: int = 0
    """Failure results of the selected rules below the level."""
    read: list[Read] = field(default_factory=list)


def collect(spec: SarifSpec, ctx: Context) -> Evidence:
    """Judge every result in the matched SARIF reports (see SarifSpec)."""
    files = ctx.artifacts.match(spec.files)
    if not files:
        globs = ", ".join(f"'{g}'" for g in spec.files)
        raise EvidenceUnavailable(
            f"no artifact matches {globs}; the SARIF reports are missing",
            where=", ".join(spec.files),
            hint="make CI write the analyzers' SARIF output into the artifacts folder, then run "
            "`gate artifacts record`",
        )
    state = _State()
    threshold = LEVELS[spec.level]
    rules = set(spec.rules)
    for rel in files:
        data, sha = ctx.artifacts.read_bytes(rel, max_bytes=MAX_SARIF_BYTES)
        state.read.append(Read(path=rel, root="artifacts", sha256=sha))
        _read_log(_parse(data, rel), rel, threshold, rules, state)
    return _judge(spec, state)


def _parse(data: bytes, rel: str) -> Any:
    if not data.strip():
        raise EvidenceUnavailable(f"{rel} is empty; expected a SARIF log", where=rel)
    try:
        text = data.decode(json.detect_encoding(data), "surrogatepass")  # as json.loads decodes bytes
        return loads(text)
    except json.JSONDecodeError as exc:
        raise EvidenceUnavailable(
            f"{rel}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}", where=rel, hint="rebuild the report in CI"
        ) from None
    except NotStrictJson as exc:
        where = rel
        if exc.offset is not None:
            line, col = line_col(text, exc.offset)
            where = f"{rel}:{line}:{col}"
        raise EvidenceUnavailable(
            f"{where}: invalid JSON: {exc.message}", where=rel, hint="rebuild the report in CI"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise EvidenceUnavailable(f"{rel}: invalid JSON: {exc}", where=rel) from None
    except RecursionError:
        raise EvidenceUnavailable(f"{rel}: JSON nested too deeply to read", where=rel) from None


def _bad(rel: str, pointer: str, problem: str) -> NoReturn:
    raise EvidenceUnavailable(
        f"{rel}: {pointer or '/'}: {problem}; not a usable SARIF {SARIF_VERSION} log",
        where=rel,
        hint="make the analyzer write SARIF 2.1.0 (the tool's --output-format sarif or equivalent)",
    )


def _obj(value: Any, rel: str, pointer: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        _bad(rel, pointer, f"{what} must be an object")
    return value


def _opt_obj(parent: Mapping[str, Any], key: str, rel: str, pointer: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    return _obj(value, rel, f"{pointer}/{key}", f"'{key}'")


def _opt_list(parent: Mapping[str, Any], key: str, rel: str, pointer: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        _bad(rel, f"{pointer}/{key}", f"'{key}' must be an array")
    return value


def _read_log(doc: Any, rel: str, threshold: int, rules: set[str], state: _State) -> None:
    log = _obj(doc, rel, "", "the document")
    version = log.get("version")
    if version != SARIF_VERSION:
        shown = f"'{version}'" if isinstance(version, str) else "missing"
        _bad(rel, "/version", f"version is {shown}, expected '{SARIF_VERSION}'")
    runs = log.get("runs")
    if not isinstance(runs, list) or not runs:
        _bad(rel, "/runs", "no runs (a SARIF log needs a non-empty 'runs' array)")
    for i, run_value in enumerate(runs):
        _read_run(_obj(run_value, rel, f"/runs/{i}", "a run"), rel, f"/runs/{i}", threshold, rules, state)


def _read_run(run: Mapping[str, Any], rel: str, ptr: str, threshold: int, rules: set[str], state: _State) -> None:
    tool = _obj(run.get("tool"), rel, f"{ptr}/tool", "'tool'")
    driver = _obj(tool.get("driver"), rel, f"{ptr}/tool/driver", "'tool.driver'")
    name = driver.get("name")
    if not isinstance(name, str) or not name.strip():
        _bad(rel, f"{ptr}/tool/driver/name", "the run's tool has no driver name")
    components = [driver] + [
        _obj(ext, rel, f"{ptr}/tool/extensions/{j}", "an extension")
        for j, ext in enumerate(_opt_list(tool, "extensions", rel, f"{ptr}/tool"))
    ]
    # SARIF run.results: absent only when the tool failed to start or to begin its analysis; "no findings" is [].
    results = run.get("results")
    if not isinstance(results, list):
        problem = "must be an array" if results is not None else "is missing: the analysis did not complete"
        _bad(rel, f"{ptr}/results", f"results of tool '{name}' {problem}")
    for k, invocation in enumerate(_opt_list(run, "invocations", rel, ptr)):
        inv = _obj(invocation, rel, f"{ptr}/invocations/{k}", "an invocation")
        if inv.get("executionSuccessful") is False:
            raise EvidenceUnavailable(
                f"{rel}: {ptr}/invocations/{k}: tool '{name}' reports executionSuccessful: false; its results are "
                "incomplete",
                where=rel,
                hint="fix the analyzer's run in CI (see its toolExecutionNotifications)",
            )
    state.tools.append(name)
    state.runs += 1
    bases = _base_uris(run)
    artifacts = _opt_list(run, "artifacts", rel, ptr)
    for j, value in enumerate(results):
        rptr = f"{ptr}/results/{j}"
        result = _obj(value, rel, rptr, "a result")
        _judge_result(result, rel, rptr, name, components, bases, artifacts, threshold, rules, state)


def _judge_result(
    result: Mapping[str, Any],
    rel: str,
    ptr: str,
    tool: str,
    components: list[Mapping[str, Any]],
    bases: dict[str, str],
    artifacts: list[Any],
    threshold: int,
    rules: set[str],
    state: _State,
) -> None:
    kind = result.get("kind", "fail")
    if not isinstance(kind, str):
        _bad(rel, f"{ptr}/kind", "'kind' must be a string")
    rule_id, rule = _rule(result, rel, ptr, components)
    level = result.get("level")
    if level is None:
        # SARIF result.level: a non-fail kind defaults to "none"; a fail result to its rule's default, else "warning".
        default = _opt_obj(rule, "defaultConfiguration", rel, f"{ptr}/rule")
        level = default.get("level", "warning") if kind == "fail" else "none"
    if not isinstance(level, str) or level not in LEVELS:
        _bad(rel, f"{ptr}/level", f"unknown level {json.dumps(level)}")
    # Only failures count: pass/notApplicable/informational/review/open results, results of other rules and
    # results the baseline comparison marks "absent" (fixed since the baseline) do not.
    if kind != "fail" or (rules and rule_id not in rules) or result.get("baselineState") == "absent":
        return
    if LEVELS[level] < threshold:
        state.below += 1
        return
    text = _message(result, rule, rel, ptr)
    path, line, col = _location(result, bases, artifacts, rel, ptr)
    root: Literal["repo"] | None = "repo" if path and not path.startswith("/") else None
    message = f"{rule_id or '(no rule id)'} ({level}): {text}"
    suppressions = _opt_list(result, "suppressions", rel, ptr)
    if suppressions and _suppressed(suppressions, rel, ptr):
        state.suppressed.append(
            Observation(
                message=f"suppressed: {message}",
                path=path,
                root=root,
                line=line,
                col=col,
                rule=rule_id,
                failing=False,
            )
        )
        return
    state.counted.append(Observation(message=message, path=path, root=root, line=line, col=col, rule=rule_id))


def _suppressed(suppressions: list[Any], rel: str, ptr: str) -> bool:
    """SARIF result.suppressions: suppressed when non-empty and none is rejected or still under review.

    Stricter than "any status but rejected": an underReview suppression is not a decision yet (the SARIF SDK and
    GitLab read it the same way).
    """
    for k, value in enumerate(suppressions):
        status = _obj(value, rel, f"{ptr}/suppressions/{k}", "a suppression").get("status")
        if status in ("rejected", "underReview"):
            return False
    return True


def _rule(
    result: Mapping[str, Any], rel: str, ptr: str, components: list[Mapping[str, Any]]
) -> tuple[str | None, Mapping[str, Any]]:
    """The result's rule id and its reportingDescriptor (empty when the run does not describe it)."""
    ref = _opt_obj(result, "rule", rel, ptr)
    rule_id = result.get("ruleId", ref.get("id"))
    index = result.get("ruleIndex", ref.get("index", -1))
    if rule_id is not None and not isinstance(rule_id, str):
        _bad(rel, f"{ptr}/ruleId", "'ruleId' must be a string")
    if not isinstance(index, int) or isinstance(index, bool):
        _bad(rel, f"{ptr}/ruleIndex", "'ruleIndex' must be an integer")
    component = components[0]
    comp_index = _opt_obj(ref, "toolComponent", rel, f"{ptr}/rule").get("index")
    if isinstance(comp_index, int) and not isinstance(comp_index, bool):
        # A toolComponent reference's index counts tool.extensions (SARIF toolComponentReference.index).
        if not 0 <= comp_index < len(components) - 1:
            _bad(rel, f"{ptr}/rule/toolComponent/index", f"no tool extension {comp_index}")
        component = components[comp_index + 1]
    descriptors = component.get("rules") or []
    if not isinstance(descriptors, list):
        _bad(rel, f"{ptr}", "the tool's 'rules' must be an array")
    rule: Any = None
    if index >= 0:
        if index >= len(descriptors):
            _bad(rel, f"{ptr}/ruleIndex", f"ruleIndex {index} but the tool describes {len(descriptors)} rules")
        rule = descriptors[index]
    elif rule_id is not None:
        rule = next((d for d in descriptors if isinstance(d, dict) and d.get("id") == rule_id), None)
        if rule is None and "/" in rule_id:
            # A hierarchical id "CA2101/1" may be described by its base rule "CA2101" (SARIF result.ruleId).
            base = rule_id.split("/", 1)[0]
            rule = next((d for d in descriptors if isinstance(d, dict) and d.get("id") == base), None)
    if rule is None:
        return rule_id, {}
    rule = _obj(rule, rel, f"{ptr}/rule", "a rule descriptor")
    if rule_id is None and isinstance(rule.get("id"), str):
        rule_id = rule["id"]
    return rule_id, rule


def _message(result: Mapping[str, Any], rule: Mapping[str, Any], rel: str, ptr: str) -> str:
    """message.text (or markdown, or the rule's message string by id), arguments filled in, first line."""
    message = _opt_obj(result, "message", rel, ptr)
    text = message.get("text") or message.get("markdown")
    if not isinstance(text, str) and isinstance(message.get("id"), str):
        strings = rule.get("messageStrings") if rule else None
        entry = strings.get(message["id"]) if isinstance(strings, dict) else None
        text = entry.get("text") if isinstance(entry, dict) else None
    if not isinstance(text, str) or not text.strip():
        short = rule.get("shortDescription") if rule else None
        text = short.get("text") if isinstance(short, dict) else None
    if not isinstance(text, str) or not text.strip():
        return "(no message)"
    arguments = message.get("arguments")
    if isinstance(arguments, list):
        args = [str(a) for a in arguments]
        text = _PLACEHOLDER.sub(lambda m: args[int(m[1])] if int(m[1]) < len(args) else m[0], text)
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 3] + "..."


def _base_uris(run: Mapping[str, Any]) -> dict[str, str]:
    """originalUriBaseIds that name an absolute file: URI (to strip from absolute result paths)."""
    out: dict[str, str] = {}
    bases = run.get("originalUriBaseIds")
    if isinstance(bases, dict):
        for key, value in bases.items():
            uri = value.get("uri") if isinstance(value, dict) else None
            if isinstance(uri, str) and uri.startswith("file:"):
                path = unquote(urlsplit(uri).path)
                out[key] = path if path.endswith("/") else path + "/"
    return out


def _location(
    result: Mapping[str, Any], bases: dict[str, str], artifacts: list[Any], rel: str, ptr: str
) -> tuple[str | None, int | None, int | None]:
    """The first location's path (relative where it can be made so), start line and start column."""
    locations = _opt_list(result, "locations", rel, ptr)
    if not locations:
        return None, None, None
    location = _obj(locations[0], rel, f"{ptr}/locations/0", "a location")
    physical = _opt_obj(location, "physicalLocation", rel, f"{ptr}/locations/0")
    where = _opt_obj(physical, "artifactLocation", rel, f"{ptr}/locations/0/physicalLocation")
    uri = where.get("uri")
    index = where.get("index")
    if not isinstance(uri, str) and isinstance(index, int) and 0 <= index < len(artifacts):
        listed = artifacts[index].get("location") if isinstance(artifacts[index], dict) else None
        uri = listed.get("uri") if isinstance(listed, dict) else None
    path = _relative(uri, bases) if isinstance(uri, str) and uri else None
    region = _opt_obj(physical, "region", rel, f"{ptr}/locations/0/physicalLocation")
    line, col = region.get("startLine"), region.get("startColumn")
    return (
        path,
        line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else None,
        col if isinstance(col, int) and not isinstance(col, bool) and col > 0 else None,
    )


def _relative(uri: str, bases: dict[str, str]) -> str:
    """A result URI as a root-relative POSIX path: no file://, no %SRCROOT%/ prefix, no known base folder.

    An absolute path that no originalUriBaseIds entry explains is kept as written (the report said so).
    """
    if uri.startswith("file:"):
        path = unquote(urlsplit(uri).path)
        for base in sorted(bases.values(), key=len, reverse=True):
            if path.startswith(base):
                return path[len(base) :]
        return path
    path = unquote(uri)
    path = _BASE_PREFIX.sub("", path, count=1)
    while path.startswith("./"):
        path = path[2:]
    return path


def _judge(spec: SarifSpec, state: _State) -> Evidence:
    present = {t.casefold() for t in state.tools}
    missing = [t for t in spec.tools if t.casefold() not in present]
    head: list[Observation] = []
    problems: list[str] = []
    fixes: list[str] = []
    if missing:
        names = ", ".join(f"'{t}'" for t in missing)
        text = (
            f"tool {names} has no run in the SARIF reports: the analyzer did not run"
            if len(missing) == 1
            else f"tools {names} have no run in the SARIF reports: the analyzers did not run"
        )
        problems.append(text)
        head.append(Observation(message=text))
        fixes.append("run the missing analyzers in CI with SARIF output and record their reports")
    scope = f"level '{spec.level}' or above" if spec.level != "error" else "level 'error'"
    if spec.rules:
        scope += (" for rule " if len(spec.rules) == 1 else " for rules ") + ", ".join(f"'{r}'" for r in spec.rules)
    tools = ", ".join(dict.fromkeys(state.tools))
    runs = f"{state.runs} SARIF run{'s' if state.runs != 1 else ''} ({tools})"
    n = len(state.counted)
    found = f"{n} result{'s' if n != 1 else ''} at {scope} in {runs}" if n else f"no results at {scope} in {runs}"
    if n:
        fixes.append("fix the reported findings (or suppress them with a reviewed justification), then rerun CI")
    extras = []
    if state.suppressed:
        extras.append(f"{len(state.suppressed)} suppressed")
    if state.below:
        extras.append(f"{state.below} below the level")
    summary = "; ".join([*problems, found, *([", ".join(extras)] if extras else [])])
    return evidence(
        "sarif",
        Status.FAIL if head or n else Status.PASS,
        summary,
        [*head, *state.counted, *state.suppressed],
        label=spec.label,
        fix="; ".join(fixes) or None,
        read=state.read,
    )


__all__ = ["MAX_SARIF_BYTES", "collect"]
