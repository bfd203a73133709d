"""Markdown and HTML attestation documents from Jinja2 templates. The only module that imports jinja2.

One sandboxed environment per template folder (the shipped `templates/`, or the folder of a `--template FILE`),
StrictUndefined (a misspelt name is an error, never an empty string) and autoescaping for HTML templates. It
renders the Statement it is given; it never reads the ledger, never signs, never prints, never writes a file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from gate.attest import AttestedItem, Statement, WaiverRecord
from gate.errors import GateError, UsageError

Format = Literal["md", "html"]
TEMPLATES: dict[Format, str] = {"md": "attestation.md.j2", "html": "attestation.html.j2"}
"""The shipped template of each format, in the shipped `templates/` folder."""
MAX_TEMPLATE_BYTES = 1024 * 1024


class TemplateError(GateError):
    """A template that does not load or render (syntax, an undefined name, a sandbox refusal): exit 2."""


def template_format(path: Path) -> Format:
    """A template's format from its name: `*.html.j2`, `*.htm.j2`, `*.html` -> html; `*.md.j2`, `*.md` -> md."""
    name = path.name.lower().removesuffix(".j2").removesuffix(".jinja")
    if name.endswith((".html", ".htm")):
        return "html"
    if name.endswith((".md", ".markdown")):
        return "md"
    raise UsageError(
        f"cannot tell the format of template {path} from its name",
        hint="name it *.md.j2 (Markdown) or *.html.j2 (HTML)",
    )


# ---------------------------------------------------------------------------------------------
# Filters

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&#!])")
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(value: object) -> str:
    """Control and bidi characters shown as escapes: text from the repository must not reorder what is read."""

    def show(char: str) -> str:
        if char in _BIDI or (unicodedata.category(char) == "Cc" and char not in "\n\t"):
            return f"\\u{ord(char):04x}"
        return char

    return "".join(show(c) for c in str(value))


def markdown(value: object) -> str:
    """Plain text safe in Markdown: on one line, with every character Markdown or HTML acts on escaped."""
    return _MARKDOWN.sub(r"\\\1", printable(value).replace("\n", " ").replace("\t", " "))


def when(value: object) -> str:
    """A time as `2026-01-05 10:00:00 UTC`."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def short(value: object, size: int = 12) -> str:
    """A digest or id, shortened for people (the full value is in the .intoto.json)."""
    return str(value)[:size]


# ---------------------------------------------------------------------------------------------
# The context templates see


@dataclass(frozen=True)
class EntryRow:
    """A sign-off entry on an item, for display."""

    id: str
    decision: str
    signer: str
    role: str | None
    signed_at: datetime
    comment: str
    expires: datetime | None
    counted: bool
    """True for the approvals that meet the quorum and the waiver that applies."""


@dataclass(frozen=True)
class ItemView:
    """An attested item with its sign-off entries and its waiver."""

    item: AttestedItem
    entries: list[EntryRow]
    waiver: WaiverRecord | None


def context(statement: Statement) -> dict[str, Any]:
    """What a template sees: `statement`, `predicate`, `subjects`, `items` (ItemView), `waivers`, `verdict`."""
    pred = statement.predicate
    waivers = {w.item: w for w in pred.waivers}
    items = []
    for item in pred.items:
        counted = {a.entry for a in item.approvals}
        if item.id in waivers:
            counted.add(waivers[item.id].entry)
        rows = []
        for signed in pred.signoffs:
            body = signed.entry
            if body.get("item") != item.id:
                continue
            rows.append(
                EntryRow(
                    id=signed.id,
                    decision=str(body.get("decision", "")),
                    signer=str(body.get("signer", "")),
                    role=str(body["role"]) if body.get("role") is not None else None,
                    signed_at=_time(body.get("signed_at")),
                    comment=str(body.get("comment", "")),
                    expires=_time(body["expires"]) if body.get("expires") is not None else None,
                    counted=signed.id in counted,
                )
            )
        rows.sort(key=lambda r: (r.signed_at, r.id))
        items.append(ItemView(item, rows, waivers.get(item.id)))
    return {
        "statement": statement,
        "predicate": pred,
        "subjects": statement.subject,
        "items": items,
        "waivers": pred.waivers,
        "verdict": pred.verdict,
    }


def _time(value: object) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    raise ValueError(f"not a time: {value!r}")


# ---------------------------------------------------------------------------------------------
# Rendering


def environment(folder: Path) -> Any:
    """The sandboxed environment for the templates in `folder`: StrictUndefined, HTML templates autoescaped."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)),
        autoescape=lambda name: name is not None and _is_html(name),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update({"md": markdown, "printable": printable, "when": when, "short": short})
    return env


def _is_html(name: str) -> bool:
    try:
        return template_format(Path(name)) == "html"
    except UsageError:
        return False


def render(statement: Statement, fmt: Format, *, template: Path | None = None, folder: Path | None = None) -> str:
    """The attestation document in `fmt`: from `template` (a user's file, whose name must say the same format),
    else the shipped `templates/attestation.<fmt>.j2` (or the one in `folder`)."""
    import jinja2
    from jinja2.exceptions import SecurityError

    if template is not None:
        if template_format(template) != fmt:
            raise UsageError(f"template {template} is not a {fmt} template")
        if not template.is_file():
            raise UsageError(f"template {template} does not exist or is not a file")
        if template.stat().st_size > MAX_TEMPLATE_BYTES:
            raise UsageError(f"template {template} is over {MAX_TEMPLATE_BYTES} bytes")
        folder, name = template.parent, template.name
    else:
        if folder is None:
            from gate.shipped import shipped_path

            folder = shipped_path("templates")
        name = TEMPLATES[fmt]
    shown = str(template) if template is not None else f"templates/{name}"
    try:
        env = environment(folder)
        out: str = env.get_template(name).render(context(statement))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{shown}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"{shown}: {exc.message}", hint="the names a template sees are listed in the README"
        ) from None
    except SecurityError as exc:
        raise TemplateError(f"{shown}: refused by the sandbox: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{shown}: {exc}") from None
    return out if out.endswith("\n") else out + "\n"
