"""GitLab Code Quality (a Code Climate issue list, JSON): one issue per failing observation, for merge requests.

Every issue has what GitLab requires: `description`, `check_name` (the item id), `fingerprint` (stable across
runs: the item, the path and the message, never the line, so moved code keeps its issue), `severity` and
`location.path` + `location.lines.begin`. No I/O.
Spec: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format

Severity: every FAIL and ERROR blocks the release whatever the item's severity, so no blocking issue is shown
as `minor` or `info`: blocker -> `blocker`, major -> `critical`, minor -> `major`. What does not block is `info`:
a WAIVED item, and sign-offs that are pending or stale. An unretired weakening of the checklist or of the
signers list (`--baseline`) is a `blocker`.
"""

from __future__ import annotations

import json
from typing import Any

from gate.model import canonical_json, sha256_hex
from gate.report import failing, printable, waiver_line
from gate.results import ItemResult, Observation, Report, SignoffStatus, Status

SEVERITIES = {"blocker": "blocker", "major": "critical", "minor": "major"}
"""Item severity -> Code Quality severity of its FAIL, ERROR or REJECTED issues (all of them block)."""
INFO = "info"
"""Issues that do not block by themselves: a WAIVED item, sign-offs PENDING or STALE."""
SIGNERS_PATH = ".gate/signers.yaml"


def render(report: Report) -> str:
    """The report as a GitLab Code Quality JSON array (indented, ending with a newline)."""
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"


def issues(report: Report) -> list[dict[str, Any]]:
    """The issues, in report order; fingerprints are unique within the list."""
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def add(
        check: str, severity: str, description: str, path: str, line: int, key: list[Any], body: str | None
    ) -> None:
        base = sha256_hex(canonical_json([check, *key]))
        # Two identical findings (same item, path and message) still need distinct fingerprints.
        n = seen.get(base, 0)
        seen[base] = n + 1
        issue: dict[str, Any] = {
            "type": "issue",
            "check_name": check,
            "description": printable(description),
            "categories": ["Security"],
            "severity": severity,
            "fingerprint": base if n == 0 else sha256_hex(canonical_json([base, n])),
            "location": {"path": path, "lines": {"begin": max(1, line)}},
        }
        if body:
            issue["content"] = {"body": printable(body)}
        out.append(issue)

    for item in report.items:
        home, home_line = _definition(item)
        if item.status in (Status.FAIL, Status.ERROR, Status.WAIVED):
            severity = SEVERITIES[item.severity] if item.blocking else INFO
            for ev, observations in failing(item):
                for obs in observations or [Observation(message=ev.summary)]:
                    path, line = _place(obs, home, home_line)
                    prefix = "WAIVED " if item.status is Status.WAIVED else f"{ev.status.value} "
                    text = f"{prefix}{item.title}: {_where(obs, path)}{obs.message}"
                    body = waiver_line(item.waiver) if item.status is Status.WAIVED else ev.fix
                    add(item.id, severity, text, path, line, [obs.path or "", obs.message], body)
        state = item.signoff_state
        if state is not None and state.status in (SignoffStatus.PENDING, SignoffStatus.STALE, SignoffStatus.REJECTED):
            severity = SEVERITIES[item.severity] if state.status is SignoffStatus.REJECTED else INFO
            text = f"sign-off {state.status.value} for {item.title}" + (f": {state.progress}" if state.progress else "")
            add(item.id, severity, text, home, home_line, ["signoff", state.status.value], None)
    if report.baseline is not None:
        for w in report.baseline.blocking:
            path = report.baseline.checklist_path if w.subject == "checklist" else SIGNERS_PATH
            text = f"weakened against baseline {report.baseline.ref}: {w.message} (fingerprint {w.fingerprint})"
            hint = (
                f"revert it, or get a holder of '{report.baseline.owner}' (per the baseline) to sign "
                f"`gate sign --retire {w.fingerprint} --baseline {report.baseline.ref}`"
            )
            add(f"weakening/{w.kind}", "blocker", text, path, 1, [w.fingerprint], hint)
    return out


def _definition(item: ItemResult) -> tuple[str, int]:
    """Where the item is defined: `checklists/cot.yaml:13:5` -> (`checklists/cot.yaml`, 13)."""
    parts = item.location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1])
    return item.location, 1


def _place(obs: Observation, home: str, home_line: int) -> tuple[str, int]:
    """A repository file when the observation is in one; else the item's definition (GitLab shows repo paths)."""
    if obs.path and (obs.root or "repo") == "repo":
        return obs.path, obs.line or 1
    return home, home_line


def _where(obs: Observation, path: str) -> str:
    """What the location cannot say: an artifact or subject path, or a commit."""
    if obs.path and path != obs.path:
        return f"{'subject' if obs.root == 'subject' else 'artifact'} {obs.where}: "
    if obs.commit and not obs.path:
        return f"commit {obs.commit[:12]}: "
    return ""


__all__ = ["INFO", "SEVERITIES", "issues", "render"]
