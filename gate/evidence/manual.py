"""Collector for `manual` evidence (not written yet)."""

from __future__ import annotations

from typing import Any

from gate.evidence.context import Context
from gate.evidence.pending import collect as _pending
from gate.results import Evidence


def collect(spec: Any, ctx: Context) -> Evidence:
    return _pending(spec, ctx)
