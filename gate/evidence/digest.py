"""`digest` evidence: a subject file (model weights) has the expected sha256, inline or from a JSON manifest.

Streams the subject once through its HashingReader; the expected value comes from the spec or from a
JMESPath key into a JSON artifact. Anything that cannot be read or does not select a digest is ERROR.
"""

from __future__ import annotations

import json
import re

import jmespath
import jmespath.exceptions

from gate.errors import EvidenceUnavailable
from gate.evidence.canary import human_size
from gate.evidence.context import Context
from gate.evidence.documents import line_col
from gate.evidence.strictjson import NotStrictJson, loads
from gate.model import DigestSpec
from gate.results import Evidence, Observation, Read, Status, evidence

SHOWN = 12
"""Hex digits of a digest shown in messages."""
_HEX64 = re.compile(r"[0-9a-f]{64}")


def collect(spec: DigestSpec, ctx: Context) -> Evidence:
    """Hash the subject and compare it with the expected digest."""
    read: list[Read] = []
    if spec.sha256 is not None:
        expected, source = spec.sha256, "the checklist"
    else:
        assert spec.manifest is not None and spec.key is not None  # the model validates this pairing
        expected, manifest_sha = _from_manifest(spec.manifest, spec.key, ctx)
        source = f"{spec.manifest} '{spec.key}'"
        read.append(Read(path=spec.manifest, root="artifacts", sha256=manifest_sha))

    try:
        with ctx.subjects.open(spec.file) as fh:
            actual = fh.finish()
            size = fh.size
    except OSError as exc:
        raise EvidenceUnavailable(f"cannot read subject {spec.file}: {exc.strerror or exc}", where=spec.file) from None
    read.append(Read(path=spec.file, root="subject", sha256=actual))

    if actual == expected:
        summary = f"{spec.file} ({human_size(size)}): sha256 {actual[:SHOWN]} matches {source}"
        return evidence(spec.kind, Status.PASS, summary, label=spec.label, read=read)
    message = f"sha256 is {actual[:SHOWN]}, {source} expects {expected[:SHOWN]}"
    summary = f"{spec.file} ({human_size(size)}): {message}"
    obs = Observation(message=message, path=spec.file, root="subject")
    fix = (
        "pass the model file the digest was recorded for (--subject), or, if this is a new model, "
        f"update the expected digest in {source}"
    )
    return evidence(spec.kind, Status.FAIL, summary, [obs], label=spec.label, fix=fix, read=read)


def _from_manifest(rel: str, key: str, ctx: Context) -> tuple[str, str]:
    """The digest selected by `key` in the JSON artifact `rel`, and the artifact's sha256."""
    data, sha = ctx.artifacts.read_bytes(rel)
    try:
        text = data.decode(json.detect_encoding(data), "surrogatepass")  # as json.loads decodes bytes
        doc = loads(text)
    except NotStrictJson as exc:
        where = rel
        if exc.offset is not None:
            line, col = line_col(text, exc.offset)
            where = f"{rel}:{line}:{col}"
        raise EvidenceUnavailable(f"{where}: invalid JSON: {exc.message}", where=rel) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise EvidenceUnavailable(f"{rel} is not valid JSON: {exc}", where=rel) from None
    try:
        value = jmespath.search(key, doc)
    except jmespath.exceptions.JMESPathError as exc:
        raise EvidenceUnavailable(f"{rel}: key '{key}' cannot be evaluated: {exc}", where=rel) from None
    if value is None:
        raise EvidenceUnavailable(f"{rel}: key '{key}' selects nothing", where=rel)
    if not isinstance(value, str):
        raise EvidenceUnavailable(
            f"{rel}: key '{key}' selects a {_json_type(value)}, not a sha256 hex string", where=rel
        )
    if not _HEX64.fullmatch(value.lower()):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise EvidenceUnavailable(
            f"{rel}: key '{key}' selects '{shown}', not a sha256 (64 hex digits)",
            where=rel,
            hint="select the bare hex digest (without a 'sha256:' prefix)" if value.startswith("sha256:") else None,
        )
    return value.lower(), sha


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__
