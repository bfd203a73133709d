"""Evidence collectors. COLLECTORS maps each `kind:` to the function that collects it.

A collector is `collect(spec, ctx) -> Evidence`: it reads only through `ctx`, never prints or exits,
and raises EvidenceUnavailable when it cannot look (the engine turns that into ERROR).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gate.evidence import canary, code, command, config, digest, git, jsonfile, junit, manual, sarif
from gate.evidence.context import Context
from gate.results import Evidence

Collector = Callable[[Any, Context], Evidence]

# One literal that grep can find (STYLE "Registry"); tests assert it covers every kind in the model.
COLLECTORS: dict[str, Collector] = {
    "canary": canary.collect,
    "code.imports": code.collect_imports,
    "code.pattern": code.collect_pattern,
    "command": command.collect,
    "config": config.collect,
    "digest": digest.collect,
    "git.authors_disjoint": git.collect_authors_disjoint,
    "git.codeowners": git.collect_codeowners,
    "git.file": git.collect_file,
    "git.ref": git.collect_ref,
    "git.trailers": git.collect_trailers,
    "json": jsonfile.collect,
    "junit": junit.collect,
    "manual": manual.collect,
    "sarif": sarif.collect,
}
