"""`junit` evidence: selected test cases in JUnit XML artifacts ran and passed; unsafe or broken XML is ERROR."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from gate.engine import run_collector
from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.evidence.xmlsafe import iterparse
from gate.model import JunitSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import context, make_artifacts

PYTEST = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
<testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4" time="0.1" hostname="ci">
<testcase classname="tests.isolation.test_grader" name="test_grader_never_sees_reasoning" time="0.01" />
<testcase classname="tests.isolation.test_grader" name="test_inputs_filtered[math]" time="0.01" />
<testcase classname="tests.isolation.test_reward" name="test_reward_blind" time="0.01">
<failure message="AssertionError: reward saw 'reasoning'&#10;assert 'reasoning' not in ['prompt', 'reasoning']">
def test_reward_blind():
E   AssertionError</failure>
</testcase>
<testcase classname="tests.test_misc" name="test_gpu" time="0.0">
<skipped type="pytest.skip" message="no GPU">tests/test_misc.py:3: no GPU</skipped>
</testcase>
</testsuite>
</testsuites>
"""

SUREFIRE = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0" name="com.acme.IsolationTest"
    time="0.05" tests="3" errors="1" skipped="0" failures="0">
  <properties>
    <property name="java.version" value="21"/>
  </properties>
  <testcase name="graderSeesNoCot" classname="com.acme.IsolationTest" time="0.01"/>
  <testcase name="flakyButPassed" classname="com.acme.IsolationTest" time="0.01">
    <flakyFailure message="timeout" type="java.lang.AssertionError"><stackTrace>at x</stackTrace></flakyFailure>
  </testcase>
  <testcase name="rewardInit" classname="com.acme.IsolationTest" time="0.02">
    <error message="reward model missing" type="java.lang.NullPointerException">java.lang.NullPointerException
\tat com.acme.Reward.init(Reward.java:12)</error>
    <system-out><![CDATA[loading <reward>]]></system-out>
  </testcase>
</testsuite>
"""

GO = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="1" skipped="1">
\t<testsuite name="example.com/rl/reward" tests="3" failures="1" errors="0" id="0" skipped="1" time="0.010">
\t\t<properties>
\t\t\t<property name="go.version" value="go1.22.0"></property>
\t\t</properties>
\t\t<testcase name="TestReward" classname="example.com/rl/reward" time="0.000"></testcase>
\t\t<testcase name="TestReward/blind" classname="example.com/rl/reward" time="0.000">
\t\t\t<failure message="Failed"><![CDATA[    reward_test.go:12: saw reasoning]]></failure>
\t\t</testcase>
\t\t<testcase name="TestSlow" classname="example.com/rl/reward" time="0.000">
\t\t\t<skipped message="Skipped"><![CDATA[    reward_test.go:20: slow]]></skipped>
\t\t</testcase>
\t</testsuite>
</testsuites>
"""

PASSING = """<?xml version="1.0"?>
<testsuite name="isolation" tests="2">
  <testcase classname="tests.isolation.test_grader" name="test_a"/>
  <testcase classname="tests.isolation.test_grader" name="test_b"/>
</testsuite>
"""


def spec(files: str | list[str] = "reports/*.xml", **fields: Any) -> JunitSpec:
    return JunitSpec.model_validate({"kind": "junit", "files": files, **fields})


def artifacts_ctx(git_repo: Any, tmp_path: Path, files: dict[str, str | bytes], *, record: bool = True) -> Context:
    """A repository with one commit and an artifacts folder recorded for it (or no manifest)."""
    repo = git_repo()
    sha = repo.commit({"README.md": "model\n"})
    folder = make_artifacts(tmp_path / "artifacts", files, commit=sha if record else None)
    return context(repo, folder)


def check(git_repo: Any, tmp_path: Path, artifacts: dict[str, str | bytes], **fields: Any) -> Evidence:
    return run_collector(spec(**fields), artifacts_ctx(git_repo, tmp_path, artifacts))


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def failing(ev: Evidence) -> list[Observation]:
    return [o for o in ev.observations if o.failing]


# PASS


def test_junit_passes_when_every_selected_test_passed(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/pytest.xml": PYTEST}, select={"classname": "tests.isolation.test_grader"})
    assert ev.status is Status.PASS
    assert ev.summary == "2 selected tests passed (0 skipped)"
    assert ev.fix is None
    assert ev.observations == [
        Observation(message="4 test cases, 2 selected", path="reports/pytest.xml", root="artifacts", failing=False)
    ]
    assert ev.read == [Read(path="reports/pytest.xml", root="artifacts", sha256=sha(PYTEST))]


def test_junit_allows_skipped_tests_when_told(git_repo: Any, tmp_path: Path) -> None:
    ev = check(
        git_repo,
        tmp_path,
        {"reports/pytest.xml": PYTEST},
        select={"name": ["test_grader_*", "test_gpu"]},
        allow_skipped=True,
    )
    assert ev.status is Status.PASS
    assert ev.summary == "2 selected tests passed (1 skipped)"
    assert failing(ev) == []


def test_junit_empty_selection_passes_when_min_count_is_zero(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/pytest.xml": PYTEST}, select={"classname": "tests.e2e.*"}, min_count=0)
    assert ev.status is Status.PASS
    assert ev.summary == "0 of 4 test cases match classname 'tests.e2e.*'"


# FAIL


def test_junit_fails_on_a_failed_test_naming_test_file_and_line(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/pytest.xml": PYTEST}, select={"classname": "tests.isolation.*"})
    assert ev.status is Status.FAIL
    assert ev.summary == "3 selected tests: 2 passed, 1 failed"
    assert failing(ev) == [
        Observation(
            message="AssertionError: reward saw 'reasoning'",
            path="reports/pytest.xml",
            root="artifacts",
            line=6,
            test="tests.isolation.test_reward::test_reward_blind",
        )
    ]
    assert ev.fix == "fix the failing tests (or get a waiver), then rebuild the reports in CI"


def test_junit_fails_on_a_skipped_selected_test(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/pytest.xml": PYTEST}, select={"name": "test_gpu"})
    assert ev.status is Status.FAIL
    assert ev.summary == "1 selected test: 0 passed, 1 skipped"
    assert failing(ev) == [
        Observation(
            message="skipped: no GPU",
            path="reports/pytest.xml",
            root="artifacts",
            line=11,
            test="tests.test_misc::test_gpu",
        )
    ]
    assert ev.fix == "make the skipped tests run, or set allow_skipped: true if skipping them is acceptable"


def test_junit_fails_when_the_selected_tests_did_not_run(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/misc.xml": GO}, select={"classname": "tests.isolation.*"})
    assert ev.status is Status.FAIL
    assert (
        ev.summary == "0 test cases match classname 'tests.isolation.*' (min_count 1): the selected tests did not run"
    )
    assert failing(ev) == [
        Observation(
            message="0 test cases match classname 'tests.isolation.*' (min_count 1); the reports hold 3 test cases: "
            "the selected tests did not run"
        )
    ]
    assert ev.fix == (
        "make CI run the selected tests and write their JUnit report where 'files' matches (check the select patterns)"
    )


def test_junit_fails_when_fewer_tests_than_min_count_ran(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/ok.xml": PASSING}, min_count=5)
    assert ev.status is Status.FAIL
    assert ev.summary == (
        "2 test cases in 1 report (min_count 5): fewer tests ran than required; 2 selected tests passed (0 skipped)"
    )


def test_junit_selection_needs_a_name_and_a_classname_match(git_repo: Any, tmp_path: Path) -> None:
    ev = check(
        git_repo,
        tmp_path,
        {"reports/pytest.xml": PYTEST},
        select={"name": ["test_reward_*", "test_gpu"], "classname": "tests.isolation.*"},
    )
    assert ev.summary == "1 selected test: 0 passed, 1 failed"
    assert [o.test for o in failing(ev)] == ["tests.isolation.test_reward::test_reward_blind"]


def test_junit_patterns_are_case_sensitive(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/ok.xml": PASSING}, select={"classname": "Tests.*"})
    assert ev.status is Status.FAIL
    assert ev.summary == "0 test cases match classname 'Tests.*' (min_count 1): the selected tests did not run"


def test_junit_reads_maven_surefire_errors_and_ignores_flaky_reruns(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"target/surefire-reports/TEST-Isolation.xml": SUREFIRE}, files="**/TEST-*.xml")
    assert ev.status is Status.FAIL
    assert ev.summary == "3 selected tests: 2 passed, 1 error"
    assert failing(ev) == [
        Observation(
            message="reward model missing",
            path="target/surefire-reports/TEST-Isolation.xml",
            root="artifacts",
            line=11,
            test="com.acme.IsolationTest::rewardInit",
        )
    ]


def test_junit_reads_go_junit_report_subtests(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/go.xml": GO})
    assert ev.summary == "3 selected tests: 1 passed, 1 failed, 1 skipped"
    assert failing(ev) == [
        Observation(
            message="Failed",
            path="reports/go.xml",
            root="artifacts",
            line=8,
            test="example.com/rl/reward::TestReward/blind",
        ),
        Observation(
            message="skipped: Skipped",
            path="reports/go.xml",
            root="artifacts",
            line=11,
            test="example.com/rl/reward::TestSlow",
        ),
    ]


def test_junit_failure_message_falls_back_to_the_text_then_the_type(git_repo: Any, tmp_path: Path) -> None:
    xml = """<testsuite name="s">
<testcase classname="c" name="text"><failure>

    first line of text
second</failure></testcase>
<testcase classname="c" name="type"><error type="TimeoutError"/></testcase>
<testcase classname="c" name="bare"><failure/></testcase>
</testsuite>"""
    ev = check(git_repo, tmp_path, {"reports/x.xml": xml})
    assert [(o.test, o.message) for o in failing(ev)] == [
        ("c::text", "first line of text"),
        ("c::type", "TimeoutError"),
        ("c::bare", "failed"),
    ]
    assert ev.summary == "3 selected tests: 0 passed, 2 failed, 1 error"


def test_junit_failure_wins_over_a_teardown_error(git_repo: Any, tmp_path: Path) -> None:
    xml = """<testsuite name="s"><testcase classname="c" name="t">
<error message="failed on teardown"/><failure message="assert False"/></testcase></testsuite>"""
    ev = check(git_repo, tmp_path, {"reports/x.xml": xml})
    assert ev.summary == "1 selected test: 0 passed, 1 failed"
    assert [o.message for o in failing(ev)] == ["assert False"]


def test_junit_reads_nested_suites_and_uses_the_suite_for_a_missing_classname(git_repo: Any, tmp_path: Path) -> None:
    xml = """<testsuite name="all">
  <testsuite name="unit"><testcase name="a" classname="u"/></testsuite>
  <testsuite name="e2e"><testsuite name="e2e.grader"><testcase name="b"><failure message="boom"/></testcase></testsuite>
  </testsuite>
  <testcase name="c" classname="top"/>
</testsuite>"""
    ev = check(git_repo, tmp_path, {"reports/nested.xml": xml})
    assert ev.summary == "3 selected tests: 2 passed, 1 failed"
    assert [o.test for o in failing(ev)] == ["e2e.grader::b"]


def test_junit_merges_several_reports_and_notes_duplicate_test_ids(git_repo: Any, tmp_path: Path) -> None:
    files = {"reports/a/pytest.xml": PYTEST, "reports/b/isolation.xml": PASSING, "reports/c/surefire.xml": SUREFIRE}
    ev = check(git_repo, tmp_path, {**files, "reports/b/other.txt": "not a report"}, files="reports/**/*.xml")
    assert ev.status is Status.FAIL
    assert ev.summary == "9 selected tests: 6 passed, 1 failed, 1 error, 1 skipped"
    assert [o.test for o in failing(ev)] == [
        "tests.isolation.test_reward::test_reward_blind",
        "tests.test_misc::test_gpu",
        "com.acme.IsolationTest::rewardInit",
    ]
    assert [o.message for o in ev.observations if not o.failing] == [
        "4 test cases, 4 selected",
        "2 test cases, 2 selected",
        "3 test cases, 3 selected",
    ]
    assert ev.read == [Read(path=p, root="artifacts", sha256=sha(t)) for p, t in sorted(files.items())]

    dup = PASSING.replace("test_b", "test_c")
    ev = check(git_repo, tmp_path / "dup", {"reports/1.xml": PASSING, "reports/2.xml": dup})
    assert ev.status is Status.PASS
    assert ev.summary == "4 selected tests passed (0 skipped); 1 test id seen in more than one report (each counted)"
    assert ev.observations[0] == Observation(
        message="tests.isolation.test_grader::test_a is in reports/1.xml and in reports/2.xml; both are counted",
        path="reports/2.xml",
        root="artifacts",
        test="tests.isolation.test_grader::test_a",
        failing=False,
    )


def test_junit_counts_a_large_report_exactly(git_repo: Any, tmp_path: Path) -> None:
    cases = []
    for i in range(20_000):
        body = ""
        if i % 1000 == 999:
            body = f'<failure message="case {i} failed">{"x" * 10_000}</failure>'
        elif i % 500 == 0:
            body = '<skipped message="slow"/>'
        cls = "tests.isolation.t" if i % 2 else "tests.other.t"
        cases.append(f'<testcase classname="{cls}{i % 7}" name="test_{i}" time="0.001">{body}</testcase>\n')
    xml = '<?xml version="1.0"?>\n<testsuites><testsuite name="big">\n' + "".join(cases) + "</testsuite></testsuites>\n"
    ev = check(git_repo, tmp_path, {"reports/big.xml": xml}, select={"classname": "tests.isolation.*"})
    # Odd i are selected: 10_000 cases; i % 1000 == 999 is odd (20 failures); i % 500 == 0 is even (no skips).
    assert ev.summary == "10000 selected tests: 9980 passed, 20 failed"
    assert len(failing(ev)) == 20
    assert failing(ev)[0] == Observation(
        message="case 999 failed",
        path="reports/big.xml",
        root="artifacts",
        line=1002,
        test="tests.isolation.t5::test_999",
    )
    ev = check(git_repo, tmp_path / "all", {"reports/big.xml": xml}, allow_skipped=True)
    assert ev.summary == "20000 selected tests: 19940 passed, 20 failed, 40 skipped"


# ERROR


def assert_error(ev: Evidence, message: str, path: str | None) -> None:
    assert ev.status is Status.ERROR
    assert ev.summary == message
    assert ev.observations == [Observation(message=message, path=path)]


def test_junit_glob_matching_no_artifact_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/other.json": "{}"})
    assert_error(ev, "no artifact matches 'reports/*.xml'; the JUnit reports are missing", "reports/*.xml")
    assert ev.fix == "make CI write the JUnit report into the artifacts folder, then run `gate artifacts record`"


def test_junit_malformed_xml_is_an_error_naming_file_and_line(git_repo: Any, tmp_path: Path) -> None:
    xml = '<testsuite name="s">\n<testcase name="a">\n</testsuite>\n'
    ev = check(git_repo, tmp_path, {"reports/bad.xml": xml})
    assert_error(ev, "reports/bad.xml:3:3: malformed XML: mismatched tag", "reports/bad.xml")


def test_junit_truncated_xml_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    xml = PASSING[: PASSING.index("<testcase", 60) + 20]
    ev = check(git_repo, tmp_path, {"reports/cut.xml": xml})
    assert_error(
        ev,
        "reports/cut.xml:3:3: truncated XML: the document ends before it is complete (unclosed token)",
        "reports/cut.xml",
    )
    assert ev.fix == "the file was cut short (an interrupted write or upload?); rebuild it in CI"
    ev = check(git_repo, tmp_path / "2", {"reports/cut.xml": PASSING[: PASSING.index("</testsuite>")]})
    assert_error(
        ev,
        "reports/cut.xml:5:1: truncated XML: the document ends before it is complete (no element found)",
        "reports/cut.xml",
    )


def test_junit_empty_file_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/empty.xml": ""})
    assert_error(ev, "reports/empty.xml is empty; expected an XML document", "reports/empty.xml")


def test_junit_wrong_root_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/page.xml": "<?xml version='1.0'?>\n<html><body/></html>"})
    assert_error(
        ev,
        "reports/page.xml:2:1: root element is <html>, not <testsuites> or <testsuite>; not a JUnit report",
        "reports/page.xml",
    )


def test_junit_testcase_without_a_name_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/x.xml": '<testsuite name="s">\n  <testcase classname="c"/></testsuite>'})
    assert_error(ev, "reports/x.xml:2:3: <testcase> without a name", "reports/x.xml")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE testsuite [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite name="&lol9;"><testcase classname="c" name="&lol9;"/></testsuite>
"""


def test_junit_billion_laughs_is_refused_before_any_expansion(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/lol.xml": BILLION_LAUGHS})
    assert_error(
        ev, "reports/lol.xml:2: XML with a DTD or entities is refused (found <!DOCTYPE testsuite>)", "reports/lol.xml"
    )
    assert "lollol" not in ev.model_dump_json()
    # The parser stops at the DOCTYPE: no element, attribute or entity text ever reaches the caller.
    seen: list[str] = []
    with pytest.raises(EvidenceUnavailable, match="XML with a DTD or entities is refused"):
        for _, element in iterparse(io.BytesIO(BILLION_LAUGHS.encode()), "lol.xml"):
            seen.append(element.tag)
    assert seen == []


def test_junit_external_entity_is_refused_and_never_read(git_repo: Any, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file://{secret}">]>
<testsuite name="s"><testcase classname="c" name="&xxe;"><failure message="&xxe;"/></testcase></testsuite>
"""
    ev = check(git_repo, tmp_path, {"reports/xxe.xml": xxe})
    assert_error(
        ev, "reports/xxe.xml:2: XML with a DTD or entities is refused (found <!DOCTYPE testsuite>)", "reports/xxe.xml"
    )
    assert "TOP-SECRET" not in ev.model_dump_json()
    assert ev.fix == "produce the report without a DOCTYPE or entity declarations"


def test_junit_external_dtd_and_parameter_entities_are_refused(git_repo: Any, tmp_path: Path) -> None:
    external = '<?xml version="1.0"?>\n<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/junit.dtd">\n<testsuite/>\n'
    ev = check(git_repo, tmp_path, {"reports/dtd.xml": external})
    assert ev.summary == "reports/dtd.xml:2: XML with a DTD or entities is refused (found <!DOCTYPE testsuite>)"
    parameter = (
        '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>\n<t/>\n'
    )
    ev = check(git_repo, tmp_path / "2", {"reports/pe.xml": parameter})
    assert ev.summary == "reports/pe.xml:2: XML with a DTD or entities is refused (found <!DOCTYPE t>)"


def test_junit_undefined_entity_reference_is_refused(git_repo: Any, tmp_path: Path) -> None:
    xml = '<testsuite name="s">\n<testcase classname="c" name="&xxe;"/></testsuite>'
    ev = check(git_repo, tmp_path, {"reports/ent.xml": xml})
    assert_error(
        ev,
        "reports/ent.xml:2: XML with a DTD or entities is refused (found a reference to an undefined entity)",
        "reports/ent.xml",
    )


def test_junit_changed_artifact_is_stale(git_repo: Any, tmp_path: Path) -> None:
    ctx = artifacts_ctx(git_repo, tmp_path, {"reports/ok.xml": PASSING})
    changed = PASSING.replace("test_b", "test_b_renamed")
    (tmp_path / "artifacts/reports/ok.xml").write_text(changed)
    ev = run_collector(spec(), ctx)
    message = (
        f"stale artifact: reports/ok.xml has sha256 {sha(changed)[:12]}, "
        f"gate-artifacts.json recorded {sha(PASSING)[:12]}"
    )
    assert_error(ev, message, "reports/ok.xml")


def test_junit_changed_artifact_that_no_longer_parses_is_reported_stale(git_repo: Any, tmp_path: Path) -> None:
    ctx = artifacts_ctx(git_repo, tmp_path, {"reports/ok.xml": PASSING})
    (tmp_path / "artifacts/reports/ok.xml").write_text(PASSING[:-30])
    ev = run_collector(spec(), ctx)
    assert ev.status is Status.ERROR
    assert ev.summary.startswith("stale artifact: reports/ok.xml has sha256 ")


def test_junit_without_a_manifest_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    repo = git_repo()
    repo.commit({"README.md": "model\n"})
    folder = make_artifacts(tmp_path / "artifacts", {"reports/ok.xml": PASSING}, commit=None)
    ev = run_collector(spec(), context(repo, folder))
    assert ev.status is Status.ERROR
    assert ev.summary.startswith("no gate-artifacts.json in the artifacts folder;")
    ev = run_collector(spec(), context(repo, folder, use_manifest=False))
    assert ev.status is Status.PASS


def test_junit_unrecorded_artifact_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ctx = artifacts_ctx(git_repo, tmp_path, {"reports/ok.xml": PASSING})
    (tmp_path / "artifacts/reports/late.xml").write_text(PASSING)
    ev = run_collector(spec(), ctx)
    assert_error(
        ev,
        "reports/late.xml is not recorded in gate-artifacts.json; it was not built by the recorded CI run",
        "reports/late.xml",
    )


def test_xmlsafe_keeps_element_text_bounded(git_repo: Any) -> None:
    doc = b"<r><a>" + b"y" * 100_000 + b"<b/>z</a></r>"
    ends = [(el.tag, len(el.text)) for event, el in iterparse(io.BytesIO(doc), "x.xml", chunk=1000) if event == "end"]
    assert ends == [("b", 0), ("a", 4096), ("r", 0)]


def test_junit_absurdly_deep_nesting_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    xml = "<testsuites>\n" + "<testsuite>" * 300 + "</testsuite>" * 300 + "</testsuites>"
    ev = check(git_repo, tmp_path, {"reports/deep.xml": xml})
    assert_error(ev, "reports/deep.xml:2: XML nested deeper than 256 elements; refusing to read it", "reports/deep.xml")
