"""Evidence collectors. COLLECTORS maps each `kind:` to the function that collects it.

A collector is `collect(spec, ctx) -> Evidence`: it reads only through `ctx`, never prints or exits,
and raises EvidenceUnavailable when it cannot look (the engine turns that into ERROR).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gate.evidence import canary, command, config, digest, jsonfile, junit, manual, pending, sarif
from gate.evidence.context import Context
from gate.results import Evidence

Collector = Callable[[Any, Context], Evidence]

# One literal that grep can find (STYLE "Registry"); tests assert it covers every kind in the model.
COLLECTORS: dict[str, Collector] = {
    "canary": canary.collect,
    "code.imports": pending.collect,
    "code.pattern": pending.collect,
    "command": command.collect,
    "config": config.collect,
    "digest": digest.collect,
    "git.authors_disjoint": pending.collect,
    "git.codeowners": pending.collect,
    "git.file": pending.collect,
    "git.ref": pending.collect,
    "git.trailers": pending.collect,
    "json": jsonfile.collect,
    "junit": junit.collect,
    "manual": manual.collect,
    "sarif": sarif.collect,
}
