"""The fast `junit` reader (libxml2, and lines from the bytes it read) says what expat's reader says, or steps aside.

Random JUnit-like documents (multi-line tags, CR and CRLF line ends, comments, CDATA and processing
instructions holding '<testcase', namespaces, nested suites and test cases, entities) go through both readers;
where the fast one gives up (NotFast), the collector reads the report with expat's reader, so that is fine too.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from pathlib import Path
from typing import Any

import pytest

from gate.evidence import junit
from gate.evidence.xmlsafe import NotFast, TagLines, iter_complete, qname, start_lines
from gate.model import JunitSpec
from gate.results import Observation, Status
from tests.evidence.test_junit import BILLION_LAUGHS, GO, PASSING, PYTEST, SUREFIRE, assert_error, check


class Stream(io.BytesIO):
    """An in-memory stand-in for the Context's HashingReader; with `pieces`, reads return at most that many bytes
    (chunk boundaries everywhere: in tags, in '<![CDATA[', between CR and LF)."""

    def __init__(self, data: bytes, pieces: int = 0) -> None:
        super().__init__(data)
        self.pieces = pieces

    def read(self, size: int | None = -1, /) -> bytes:
        if self.pieces and size is not None and size > 0:
            size = min(size, self.pieces)
        return super().read(size)

    def finish(self) -> str:
        return hashlib.sha256(self.getvalue()).hexdigest()


def fast(doc: bytes, spec: JunitSpec, *, track: bool = False, pieces: int = 0) -> tuple[junit._Tally, int]:
    """The fast reader and, for the lines it could not give, the second pass, as junit._read runs them; returns
    the tally and how many lines the second pass gave."""
    state = junit._State(track_duplicates=track, selects=junit._selector(spec.select))
    tally = junit._read_fast(Stream(doc, pieces), "r.xml", 0, ["r.xml", "s.xml"], spec, state)
    ordinals = [o for o, _, _, _ in tally.found]
    missing = [o for o, _, _, line in tally.found if line is None]
    again = iter(start_lines(Stream(doc, pieces), "testcase", missing))
    # Every line the first pass gave is the one the second pass gives.
    assert [line for _, _, _, line in tally.found if line is not None] == [
        line
        for o, line in zip(ordinals, start_lines(Stream(doc), "testcase", ordinals), strict=True)
        if o not in missing
    ]
    tally.failing = [
        Observation(message=m, path="r.xml", root="artifacts", line=next(again) if line is None else line, test=t)
        for _, m, t, line in tally.found
    ]
    return tally, len(missing)


def exact(doc: bytes, spec: JunitSpec, *, track: bool = False) -> junit._Tally:
    state = junit._State(track_duplicates=track, selects=junit._selector(spec.select))
    return junit._read_exact(Stream(doc), "r.xml", 0, ["r.xml", "s.xml"], spec, state)


def make_spec(**fields: Any) -> JunitSpec:
    return JunitSpec.model_validate({"kind": "junit", "files": "*.xml", **fields})


WORDS = ["alpha", "beta", "gamma", "delta", "reward", "grader", "<testcase name='x'/>", "a > b", "x&amp;y", "é"]


def _space(rng: random.Random, eol: str) -> str:
    return rng.choice([" ", "  ", eol, eol + "  ", "\t"])


def _attr(rng: random.Random, name: str, value: str, eol: str) -> str:
    quote = rng.choice(['"', "'"])
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(quote, "&quot;" if quote == '"' else "&apos;")
    if rng.random() < 0.1:
        value = value.replace(" ", eol, 1)  # a line end inside a value: one space once normalised
    if rng.random() < 0.05:
        value += "&#10;more"
    return f"{_space(rng, eol)}{name}={quote}{value}{quote}"


def _junk(rng: random.Random, eol: str) -> str:
    """Something between elements that is no element: text, a comment, CDATA or a PI, often holding markup."""
    return rng.choice(
        [
            eol,
            eol + "    ",
            f"<!-- <testcase name='ghost'/>{eol}-->",
            f"<![CDATA[<testcase name='ghost'>{eol}]]>",
            "<?pi <testcase name='ghost'/>?>",
            "text &amp; more",
            "",
        ]
    )


def _case(rng: random.Random, i: int, eol: str, depth: int = 0) -> str:
    attrs = [("name", f"test_{i}_{rng.choice(WORDS)}"), ("time", "0.1")]
    if rng.random() < 0.8:
        attrs.append(("classname", f"pkg.mod{i % 3}"))
    if rng.random() < 0.02:
        attrs[0] = ("name", "")
    rng.shuffle(attrs)
    tag = "testcase"
    xmlns = ""
    if rng.random() < 0.03:
        xmlns = ' xmlns="urn:x"'
    head = f"<{tag}{xmlns}" + "".join(_attr(rng, k, v, eol) for k, v in attrs) + rng.choice(["", " ", eol])
    kids = []
    for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
        kinds = ["failure", "error", "skipped", "system-out", "flakyFailure", "properties", "testcase", "testcases"]
        kind = rng.choice(kinds)
        if kind == "testcase" and depth < 2:
            kids.append(_case(rng, i * 100 + len(kids), eol, depth + 1))
            continue
        message = rng.choice(["", f"{rng.choice(WORDS)} failed{eol}second line", "  ", "boom"])
        attr = _attr(rng, "message", message, eol) if message or rng.random() < 0.3 else ""
        if rng.random() < 0.3:
            attr += _attr(rng, "type", rng.choice(["AssertionError", ""]), eol)
        body = rng.choice(
            [
                "",
                f"{eol}  first{eol}second",
                f"<![CDATA[{eol}  in cdata <b>{eol}]]>",
                f"a<!-- c -->b{eol}c",
                f"x<inner>hidden</inner>{eol}tail",
                "&#10;&#10;after refs",
            ]
        )
        kids.append(f"<{kind}{attr}/>" if not body and rng.random() < 0.5 else f"<{kind}{attr}>{body}</{kind}>")
    if not kids and rng.random() < 0.7:
        return head + "/>"
    return head + ">" + "".join(_junk(rng, eol) + k for k in kids) + _junk(rng, eol) + f"</{tag}>"


def _suite(rng: random.Random, start: int, eol: str, depth: int) -> tuple[str, int]:
    tag = "testsuite"
    attrs = "".join(_attr(rng, "name", f"suite{start}", eol) for _ in range(1 if rng.random() < 0.8 else 0))
    parts = []
    i = start
    for _ in range(rng.randrange(0, 12)):
        roll = rng.random()
        if roll < 0.12 and depth < 3:
            inner, i = _suite(rng, i, eol, depth + 1)
            parts.append(inner)
        elif roll < 0.17:
            parts.append(f"<properties><property name='p' value='v'/>{eol}</properties>")
        elif roll < 0.2:
            parts.append(f"<x:testcase xmlns:x='urn:y' name='prefixed{i}'/><testcases/><testcase-log{eol}/>")
        else:
            parts.append(_case(rng, i, eol))
            i += 1
    return f"<{tag}{attrs}>" + "".join(_junk(rng, eol) + p for p in parts) + _junk(rng, eol) + f"</{tag}>", i


def document(seed: int) -> bytes:
    rng = random.Random(seed)
    eol = rng.choice(["\n", "\n", "\r\n", "\r"])
    prolog = rng.choice(['<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>', "", "\ufeff"]) + eol
    prolog += rng.choice(["", f"<!-- generated -->{eol}", f"<?stylesheet x?>{eol}"])
    root, _ = _suite(rng, 0, eol, 0)
    if rng.random() < 0.5:
        body = "".join(_suite(rng, 1000 * k, eol, 1)[0] + _junk(rng, eol) for k in range(rng.randrange(1, 4)))
        root = f"<testsuites>{eol}{body}</testsuites>"
    return (prolog + root + eol).encode()


@pytest.mark.parametrize("seed", range(400))
def test_fast_reader_agrees_with_expat(seed: int) -> None:
    doc = document(seed)
    rng = random.Random(seed)
    fields: dict[str, Any] = rng.choice(
        [{}, {"allow_skipped": True}, {"select": {"classname": "pkg.mod1"}}, {"select": {"name": "test_1*"}}]
    )
    spec = make_spec(**fields)
    track = rng.random() < 0.3
    try:
        want = exact(doc, spec, track=track)
    except junit.EvidenceUnavailable:
        want = None
    try:
        got, _ = fast(doc, spec, track=track, pieces=rng.choice([0, 0, 1, 7, 64, 333]))
    except NotFast:
        return  # the collector reads this one with expat's reader
    assert want is not None, "the fast reader accepted what expat's reader refuses"
    assert got.counts == want.counts
    assert got.total == want.total
    assert got.failing == want.failing
    assert got.duplicate_count == want.duplicate_count


def test_fast_reader_reads_most_random_documents() -> None:
    """Guard for the test above: NotFast must stay the exception, or it would compare nothing; and the first
    pass gives the lines of findings in files without a lone CR (the second pass is for the others)."""
    fell_back = found = second = 0
    for seed in range(400):
        doc = document(seed)
        try:
            tally, missing = fast(doc, make_spec())
        except (NotFast, junit.EvidenceUnavailable):
            fell_back += 1
            continue
        found += len(tally.found)
        if not re.search(rb"\r(?!\n)", doc):  # CRLF is fine: libxml2 counts its LF
            second += missing
    assert fell_back < 100
    assert found > 500
    assert second == 0


def test_iter_complete_batches_cover_every_child_once_in_document_order() -> None:
    cases = "".join(
        f'<testcase name="t{i}"><system-out>{"x" * (i % 50)}</system-out></testcase>\n' for i in range(3000)
    )
    doc = f'<testsuites><testsuite name="a">{cases}</testsuite><testsuite name="b">{cases}</testsuite></testsuites>'
    names: list[str] = []
    batches = 0
    stream = io.BytesIO(doc.encode())
    for path, count in iter_complete(stream, "x.xml", roots=junit.SUITES, opaque="testcase", chunk=4096):
        batches += 1
        assert qname(path[0]) == "testsuites"
        for child in path[-1][:count]:
            assert len(path[-1]) > count or path == [path[0]]  # the open element's last child stays for later
            names += [c.get("name", "") for c in child.iter("testcase")]
    assert batches > 50
    assert names == [f"t{i}" for i in range(3000)] * 2


def test_start_lines_counts_like_expat() -> None:
    doc = (
        b"<?xml version='1.0'?>\r\n<r>\r<!-- <testcase a='1'/>\n -->\n<testcase\r\n a='1'/>"
        b"<![CDATA[\n<testcase/>]]>\n<testcases/><testcase/>\r\n"
    )
    assert start_lines(io.BytesIO(doc), "testcase", [0, 1, 2]) == [5, 8, 8]
    for chunk in (1, 2, 3, 7, 16):
        assert start_lines(io.BytesIO(doc), "testcase", [0, 2], chunk=chunk) == [5, 8]
    with pytest.raises(NotFast):
        start_lines(io.BytesIO(doc), "testcase", [3])


@pytest.mark.parametrize("pieces", [1, 2, 5])
def test_tag_lines_tells_crlf_from_a_lone_cr_across_chunks(pieces: int) -> None:
    crlf, lone = TagLines("testcase", chunks=100), TagLines("testcase", chunks=100)
    for lines, doc in ((crlf, b"<r>\r\n<testcase a='1'\r\n/>\r\n</r>"), (lone, b"<r>\r\n<testcase/>\r</r>")):
        for i in range(0, len(doc), pieces):
            lines.feed(doc[i : i + pieces])
        lines.feed(b"")
    assert crlf.line(0, 3) == 2
    assert lone.line(0, 2) is None


# The collector's choice of reader, end to end


def test_junit_reads_a_namespace_error_with_expat(git_repo: Any, tmp_path: Path) -> None:
    """libxml2 refuses an undeclared prefix, which expat (without namespaces) reads: expat's reader decides."""
    xml = (
        '<testsuite name="s">\n<x:testcase name="a"/>\n<testcase name="b"><failure message="m"/></testcase></testsuite>'
    )
    ev = check(git_repo, tmp_path, {"reports/ns.xml": xml})
    assert ev.summary == "1 selected test: 0 passed, 1 failed"
    assert [(o.line, o.test) for o in ev.observations if o.failing] == [(3, "s::b")]


def test_junit_reads_utf16_with_expat(git_repo: Any, tmp_path: Path) -> None:
    xml = PASSING.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    ev = check(git_repo, tmp_path, {"reports/u16.xml": xml.encode("utf-16")})
    assert ev.status is Status.PASS
    assert ev.summary == "2 selected tests passed (0 skipped)"


def test_junit_wrong_root_with_broken_content_reports_what_expat_sees_first(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/page.xml": "<html>\n<body></html>"})
    assert_error(ev, "reports/page.xml:2:9: malformed XML: mismatched tag", "reports/page.xml")


def test_junit_multi_line_test_case_is_reported_at_its_first_line(git_repo: Any, tmp_path: Path) -> None:
    xml = '<testsuite name="s">\r\n<testcase\r\n  classname="c"\r  name="t">\n<failure message="no"/></testcase>'
    xml += "</testsuite>"
    ev = check(git_repo, tmp_path, {"reports/multi.xml": xml})
    assert [(o.line, o.message) for o in ev.observations if o.failing] == [(2, "no")]


def test_junit_internal_subset_is_refused_before_libxml2_sees_it(git_repo: Any, tmp_path: Path) -> None:
    xml = '<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE testsuite [<!ENTITY a "b">]>\n<testsuite name="&a;"/>'
    ev = check(git_repo, tmp_path, {"reports/dtd.xml": xml})
    assert_error(
        ev, "reports/dtd.xml:3: XML with a DTD or entities is refused (found <!DOCTYPE testsuite>)", "reports/dtd.xml"
    )


def test_junit_refused_documents_never_reach_libxml2(
    git_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lxml import etree

    fed: list[bytes] = []
    real = etree.XMLPullParser

    class Recording(real):  # type: ignore[misc, valid-type]
        def feed(self, data: bytes) -> None:
            fed.append(data)
            super().feed(data)

    monkeypatch.setattr(etree, "XMLPullParser", Recording)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    padding = "<!-- " + "p" * 300_000 + " -->\n"  # the DTD comes after the first chunk
    for name, doc in [
        ("lol.xml", BILLION_LAUGHS),
        ("xxe.xml", f'<?xml version="1.0"?>\n{padding}<!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]><t>&x;</t>'),
        ("dtd.xml", '<?xml version="1.0"?>\n<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/x.dtd">\n<testsuite/>'),
    ]:
        ev = check(git_repo, tmp_path / name, {f"reports/{name}": doc})
        assert ev.status is Status.ERROR
        assert "XML with a DTD or entities is refused" in ev.summary
        assert not any(b"<!DOCTYPE" in data or b"ENTITY" in data for data in fed)
    assert fed  # the padded document's first chunk (only comment) did reach libxml2


def test_junit_huge_text_is_read_by_expat_with_flat_memory(git_repo: Any, tmp_path: Path) -> None:
    """libxml2 refuses a text node over 10 MB (without its huge-tree mode, which lifts its other limits too):
    expat's reader, which keeps 4096 characters of it, reads the report instead."""
    out = "log line\n" * 1_300_000
    xml = f'<testsuite name="s">\n<testcase name="a"><system-out>{out}</system-out></testcase>\n'
    xml += '<testcase name="b"><failure message="late"/></testcase></testsuite>'
    ev = check(git_repo, tmp_path, {"reports/big.xml": xml})
    assert ev.summary == "2 selected tests: 1 passed, 1 failed"
    assert [(o.line, o.test) for o in ev.observations if o.failing] == [(1_300_003, "s::b")]


def test_junit_duplicates_are_counted_once_when_a_report_is_read_again(git_repo: Any, tmp_path: Path) -> None:
    """The fast reader records a report's test ids, then gives up (a namespace error at the end); the second
    read must not count them as duplicates of themselves."""
    late = PASSING.replace("</testsuite>", "<x:late/></testsuite>")
    ev = check(git_repo, tmp_path, {"reports/1.xml": PASSING, "reports/2.xml": late})
    assert ev.summary == "4 selected tests passed (0 skipped); 2 test ids seen in more than one report (each counted)"


def test_junit_a_huge_test_case_is_read_by_expat(git_repo: Any, tmp_path: Path) -> None:
    """libxml2 would hold a test case whole until it ends: one spanning megabytes of small elements goes to expat."""
    props = "".join(f'<property name="p{i}" value="v"/>\n' for i in range(100_000))
    xml = (
        f'<testsuite name="s">\n<testcase name="a"><properties>\n{props}</properties><failure message="m"/></testcase>'
    )
    xml += '\n<testcase name="b"/></testsuite>'
    assert len(xml) > 3 * 1024 * 1024
    with pytest.raises(NotFast):
        for _ in iter_complete(io.BytesIO(xml.encode()), "x", roots=junit.SUITES, opaque="testcase"):
            pass
    ev = check(git_repo, tmp_path, {"reports/huge.xml": xml})
    assert ev.summary == "2 selected tests: 1 passed, 1 failed"
    assert [(o.line, o.test) for o in ev.observations if o.failing] == [(2, "s::a")]


def test_junit_reads_the_dialects_without_expat(git_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialects' reports go the fast way, findings and lines included (no second read of any kind)."""

    def refuse(*_: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(junit, "_read_exact", refuse)
    monkeypatch.setattr(junit, "_second_pass", refuse)
    files = {"reports/pytest.xml": PYTEST, "reports/surefire.xml": SUREFIRE, "reports/go.xml": GO}
    ev = check(git_repo, tmp_path, files, files="reports/*.xml")
    assert ev.summary == "10 selected tests: 5 passed, 2 failed, 1 error, 2 skipped"
    assert [(o.path, o.line, o.message) for o in ev.observations if o.failing] == [
        ("reports/go.xml", 8, "Failed"),
        ("reports/go.xml", 11, "skipped: Skipped"),
        ("reports/pytest.xml", 6, "AssertionError: reward saw 'reasoning'"),
        ("reports/pytest.xml", 11, "skipped: no GPU"),
        ("reports/surefire.xml", 11, "reward model missing"),
    ]
