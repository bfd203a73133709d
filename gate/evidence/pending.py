"""Kinds whose collector is not written yet: always ERROR, so an item relying on them can never pass."""

from __future__ import annotations

from typing import Any

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.results import Evidence


def collect(spec: Any, ctx: Context) -> Evidence:
    raise EvidenceUnavailable(
        f"evidence kind '{spec.kind}' is not implemented in this version of gate",
        hint="upgrade gate, or use another evidence kind",
    )
