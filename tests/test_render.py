"""The Markdown and HTML attestation documents: a fixed in-memory Statement, the shipped and user templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gate import render
from gate.attest import Statement
from gate.errors import UsageError

HOSTILE = '<script>alert("x")</script>'
D = "ab" * 32  # a digest-shaped value
E1, E2, E3 = "1" * 64, "2" * 64, "3" * 64


def entry(decision: str, signer: str, role: str, item: str, comment: str, **extra: Any) -> dict[str, Any]:
    body = {
        "schema_version": 1,
        "type": "gate-signoff",
        "decision": decision,
        "release": "v1.3",
        "checklist_id": "cot",
        "checklist_digest": D,
        "item": item,
        "item_digest": D,
        "evidence_digest": D,
        "role": role,
        "signer": signer,
        "key": "SHA256:abc",
        "signed_at": "2026-03-01T10:00:00Z",
        "comment": comment,
        **extra,
    }
    return body


def statement(title: str = f"Graders never see {HOSTILE}") -> Statement:
    return Statement.model_validate(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "model.safetensors", "digest": {"sha256": D}}],
            "predicateType": "https://gate.invalid/attestation/release-gate/v1",
            "predicate": {
                "release": "v1.3",
                "releaseCommit": "c" * 40,
                "verdict": "passed",
                "checklist": {
                    "id": "cot",
                    "version": 3,
                    "title": "CoT isolation",
                    "digest": D,
                    "path": "checklists/cot.yaml",
                    "owner": "safety-lead",
                    "releaseRole": "release-manager",
                },
                "items": [
                    {
                        "id": "graders",
                        "title": title,
                        "severity": "blocker",
                        "status": "WAIVED",
                        "itemDigest": D,
                        "evidenceDigest": D,
                        "evidence": [
                            {
                                "kind": "config",
                                "status": "FAIL",
                                "summary": "1 of 7 files: grader.inputs contains 'reasoning'",
                                "observations": [f"rl/envs/math.yaml:9:22: grader.inputs contains {HOSTILE}"],
                                "omitted": 3,
                            }
                        ],
                        "signoff": [{"role": "safety-lead", "count": 1}],
                        "waiverPolicy": {"roles": ["safety-lead"], "maxDays": 14},
                        "emails": [],
                        "signoffStatus": "APPROVED",
                        "approvals": [{"role": "safety-lead", "signer": "alice", "entry": E2}],
                    },
                    {
                        "id": "reviewed",
                        "title": "Reward changes were reviewed | **by someone else**",
                        "severity": "major",
                        "status": "PASS",
                        "itemDigest": D,
                        "evidenceDigest": D,
                        "evidence": [{"kind": "git.trailers", "status": "PASS", "summary": "3 commits reviewed"}],
                        "signoff": [{"role": "auditor", "count": 1, "independentOf": "authors"}],
                        "emails": ["alice@lab.example"],
                        "signoffStatus": "APPROVED",
                        "approvals": [{"role": "auditor", "signer": "bob", "entry": E3}],
                    },
                ],
                "signoffs": [
                    {
                        "id": E1,
                        "entry": entry(
                            "waive", "carol", "safety-lead", "graders", "fix in v1.4", expires="2026-03-10T23:59:59Z"
                        ),
                        "signature": "sig",
                    },
                    {"id": E2, "entry": entry("approve", "alice", "safety-lead", "graders", HOSTILE), "signature": "s"},
                    {"id": E3, "entry": entry("approve", "bob", "auditor", "reviewed", "ok"), "signature": "s"},
                ],
                "signoffSetDigest": D,
                "waivers": [
                    {
                        "item": "graders",
                        "entry": E1,
                        "by": "carol",
                        "role": "safety-lead",
                        "justification": "fix in v1.4",
                        "signedAt": "2026-03-01T10:00:00Z",
                        "expires": "2026-03-10T23:59:59Z",
                    }
                ],
                "signersFile": {"path": ".gate/signers.yaml", "sha256": D},
                "baseline": None,
                "retired": [],
                "tool": {"name": "gate", "version": "0.1.0"},
                "attestedAt": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                "attestedBy": {"signer": "carol", "key": "SHA256:abc"},
            },
        }
    )


def test_the_html_is_one_self_contained_printable_page() -> None:
    html = render.render(statement(), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, flags=re.IGNORECASE)
    assert not re.search(r"<(link|img|iframe|object|embed|base)\b", html, flags=re.IGNORECASE)
    assert "url(" not in html and "@import" not in html
    assert "@media print" in html and html.count("<style>") == 1


def test_the_html_escapes_what_it_read(capsys: pytest.CaptureFixture[str]) -> None:
    html = render.render(statement(), "html")
    assert "Graders never see &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "grader.inputs contains &lt;script&gt;" in html  # an observation
    assert "<td>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td>" in html  # a sign-off comment


def test_the_html_shows_verdict_items_signoffs_waivers_and_digests() -> None:
    html = render.render(statement(), "html")
    assert '<span class="verdict">PASSED</span>' in html
    assert '<span class="status WAIVED">WAIVED</span> graders' in html
    assert "<td>approve</td><td>alice</td><td>safety-lead</td><td>2026-03-01 10:00:00 UTC</td>" in html
    assert "until <strong>2026-03-10 23:59:59 UTC</strong>: fix in v1.4" in html
    assert "<li>... and 3 more</li>" in html
    assert "1 auditor (independent of authors)" in html
    assert f'<td class="hex">{D}</td>' in html
    assert "2026-03-02 09:30:00 UTC" in html


def test_the_markdown_escapes_what_it_read() -> None:
    md = render.render(statement(), "md")
    assert "<script>" not in md
    assert r"Graders never see \<script\>alert(\"x\")\</script\>" not in md  # quotes are not Markdown
    assert r"Graders never see \<script\>alert(" in md
    assert r"Reward changes were reviewed \| \*\*by someone else\*\*" in md
    assert "| approve | alice | safety-lead | 2026-03-01 10:00:00 UTC | \\<script\\>" in md
    assert "| graders | carol | safety-lead | 2026-03-01 10:00:00 UTC | 2026-03-10 23:59:59 UTC | fix in v1.4 |" in md
    assert md.startswith("# Release gate attestation: v1.3\n\n**Verdict: PASSED.**")


def test_control_and_bidi_characters_are_shown_as_escapes() -> None:
    html = render.render(statement("evil\u202eefil\x1b[31m"), "html")
    assert "evil\\u202eefil\\u001b[31m" in html


def test_a_user_template_renders_with_the_same_context(tmp_path: Path) -> None:
    mine = tmp_path / "brief.md.j2"
    mine.write_text(
        "{{ predicate.release }} {{ verdict }}: {% for v in items %}{{ v.item.id }}={{ v.item.status.value }}"
        "({{ v.entries | length }}) {% endfor %}\n{{ subjects[0].name | md }}\n"
    )
    assert render.render(statement(), "md", template=mine) == (
        "v1.3 passed: graders=WAIVED(2) reviewed=PASS(1) model.safetensors\n"  # trim_blocks: no newline after a tag
    )
    page = tmp_path / "mine.html.j2"
    page.write_text("<p>{{ items[0].item.title }}</p>")
    assert render.render(statement(), "html", template=page) == (
        "<p>Graders never see &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>\n"
    )


def test_a_misspelt_name_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    mine = tmp_path / "typo.md.j2"
    mine.write_text("{{ predicate.relase }}\n")
    with pytest.raises(render.TemplateError, match=r"typo.md.j2: 'gate.attest.Predicate object' has no attribute"):
        render.render(statement(), "md", template=mine)


def test_the_sandbox_refuses_internals(tmp_path: Path) -> None:
    mine = tmp_path / "escape.md.j2"
    mine.write_text("{{ predicate.__class__.__mro__ }}\n")
    with pytest.raises(render.TemplateError):
        render.render(statement(), "md", template=mine)
    mine.write_text("{{ ''.__class__.__subclasses__() }}\n")
    with pytest.raises(render.TemplateError):
        render.render(statement(), "md", template=mine)


def test_a_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    mine = tmp_path / "broken.html.j2"
    mine.write_text("<p>\n{% for x in items %}\n")
    with pytest.raises(render.TemplateError, match=r"broken.html.j2:2: Unexpected end of template"):
        render.render(statement(), "html", template=mine)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.md.j2", "md"), ("a.md", "md"), ("a.markdown.j2", "md"), ("a.html.j2", "html"), ("A.HTM", "html")],
)
def test_the_template_name_says_its_format(name: str, fmt: str) -> None:
    assert render.template_format(Path(name)) == fmt


def test_a_template_of_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot tell the format of template"):
        render.template_format(Path("a.txt.j2"))
    mine = tmp_path / "a.md.j2"
    mine.write_text("x")
    with pytest.raises(UsageError, match="is not a html template"):
        render.render(statement(), "html", template=mine)
