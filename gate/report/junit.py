"""The JUnit XML report: one testsuite for the checklist, one testcase per item, for CI test dashboards.

FAIL -> <failure>, ERROR -> <error>, WAIVED -> <skipped>. Built with ElementTree so that escaping is
right; characters XML 1.0 cannot carry are shown as escapes. No I/O.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gate.report import failing, failing_summary, observation_line, waiver_line
from gate.results import ItemResult, Report, Status

# XML 1.0 "Char": everything else (most C0 controls, lone surrogates, U+FFFE/U+FFFF) makes the document
# unparseable, so it cannot be written even escaped as a character reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: Report) -> str:
    """The report as a JUnit XML document (a <testsuites> holding one <testsuite>)."""
    s = report.summary
    counts = {
        "tests": str(s.items),
        "failures": str(s.failed),
        "errors": str(s.errors),
        "skipped": str(s.waived),
    }
    suites = ET.Element("testsuites", {"name": "gate", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": f"gate: {report.checklist.id}", **counts})
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("checklist", report.checklist.id),
        ("checklist.version", str(report.checklist.version)),
        ("checklist.digest", report.checklist.digest),
        ("stage", report.stage),
        ("release", report.release),
        ("release_commit", report.release_commit),
        ("verdict", report.verdict.value),
        ("gate_version", report.gate_version),
    ):
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": _xml(value)})
    for item in report.items:
        suite.append(_testcase(report.checklist.id, item))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(checklist_id: str, item: ItemResult) -> ET.Element:
    case = ET.Element("testcase", {"classname": f"gate.{checklist_id}", "name": item.id})
    if item.status in (Status.FAIL, Status.ERROR):
        tag = "failure" if item.status is Status.FAIL else "error"
        outcome = ET.SubElement(case, tag, {"message": _xml(failing_summary(item)), "type": item.severity})
        outcome.text = _xml(_details(item))
    elif item.status is Status.WAIVED:
        ET.SubElement(case, "skipped", {"message": _xml(waiver_line(item.waiver))})
    out = ET.SubElement(case, "system-out")
    out.text = _xml(f"{item.title}\n" + "".join(f"{ev.kind}: {ev.summary}\n" for ev in item.evidence))
    return case


def _details(item: ItemResult) -> str:
    lines: list[str] = []
    for ev, observations in failing(item):
        lines.extend(observation_line(o) for o in observations)
        if not observations:
            lines.append(ev.summary)
        if ev.omitted:
            lines.append(f"+{ev.omitted} more")
        if ev.fix:
            lines.append(f"fix: {ev.fix}")
    return "\n".join(lines) + "\n"


def _xml(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", value)
