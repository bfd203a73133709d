"""The SARIF 2.1.0 report, for code scanning: one rule per item, one result per failing observation.

Results of WAIVED items carry an external suppression; `partialFingerprints` let code scanning match a
finding across runs. Paths are made URIs relative to SRCROOT (the repository) or ARTIFACTS. No I/O.
Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from gate.model import canonical_json, sha256_hex
from gate.report import failing, waiver_line
from gate.results import ItemResult, Observation, Report, Status

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://gate.invalid/"
FINGERPRINT_KEY = "gateFinding/v1"
URI_BASES = {"repo": "SRCROOT", "artifacts": "ARTIFACTS", "subject": "SUBJECTS"}
LEVELS = {"blocker": "error", "major": "error", "minor": "warning"}


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (indented JSON, ending with a newline)."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rules = [_rule(item) for item in report.items]
    results = [result for index, item in enumerate(report.items) for result in _results(index, item)]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gate",
                "version": report.gate_version,
                "semanticVersion": report.gate_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        # Code scanning keeps one set of alerts per category: one per checklist.
        "automationDetails": {"id": f"gate/{report.checklist.id}/"},
        "originalUriBaseIds": {
            "SRCROOT": {"description": {"text": "The repository root, at the release commit"}},
            "ARTIFACTS": {"description": {"text": "The CI artifacts folder (--artifacts)"}},
            "SUBJECTS": {"description": {"text": "The folder of the release subjects (--subject)"}},
        },
        "results": results,
        "properties": {
            "checklist": report.checklist.model_dump(mode="json"),
            "release": report.release,
            "releaseCommit": report.release_commit,
            "stage": report.stage,
            "verdict": report.verdict.value,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(item: ItemResult) -> dict[str, Any]:
    return {
        "id": item.id,
        "shortDescription": {"text": item.title},
        "defaultConfiguration": {"level": LEVELS[item.severity]},
        "properties": {"severity": item.severity},
    }


def _results(index: int, item: ItemResult) -> list[dict[str, Any]]:
    if item.status not in (Status.FAIL, Status.ERROR, Status.WAIVED):
        return []
    out = []
    for ev, observations in failing(item):
        # An entry that fails without saying where still gets one result, with its summary.
        for obs in observations or [Observation(message=ev.summary)]:
            result: dict[str, Any] = {
                "ruleId": item.id,
                "ruleIndex": index,
                "level": "error",
                "message": {"text": f"{item.title}: {obs.message}"},
            }
            if obs.path:
                result["locations"] = [_location(obs, obs.path)]
            result["partialFingerprints"] = {FINGERPRINT_KEY: _fingerprint(item.id, obs)}
            if item.status is Status.WAIVED:
                result["suppressions"] = [
                    {"kind": "external", "status": "accepted", "justification": waiver_line(item.waiver)}
                ]
            properties: dict[str, Any] = {"status": ev.status.value, "kind": ev.kind}
            for name in ("commit", "test", "rule", "pointer"):
                if (value := getattr(obs, name)) is not None:
                    properties[name] = value
            if ev.fix:
                properties["fix"] = ev.fix
            result["properties"] = properties
            out.append(result)
    return out


def _location(obs: Observation, path: str) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": URI_BASES[obs.root or "repo"]}
    }
    if obs.line and obs.line > 0:
        region: dict[str, Any] = {"startLine": obs.line}
        if obs.col and obs.col > 0:
            region["startColumn"] = obs.col
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(item_id: str, obs: Observation) -> str:
    """Stable across runs and clones: the item, the path and the message, not the line (code moves)."""
    return sha256_hex(canonical_json([item_id, obs.path or "", obs.message]))
