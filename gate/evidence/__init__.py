"""Evidence collectors. COLLECTORS maps each `kind:` to the function that collects it.

A collector is `collect(spec, ctx) -> Evidence`: it reads only through `ctx`, never prints or exits,
and raises EvidenceUnavailable when it cannot look (the engine turns that into ERROR).

A collector's module is imported the first time its kind is looked up, so a check pays the start-up of the
kinds its checklist uses only (hyperscan and ISA-L for canary, lxml for junit...; issue 10).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not imported at run time: parse workers import this package and must start light
    from gate.evidence.context import Context
    from gate.results import Evidence

Collector = Callable[[Any, "Context"], "Evidence"]

# One literal that grep can find (STYLE "Registry"): kind -> "module in gate.evidence:function". Tests assert it
# covers every kind in the model.
PLACES: dict[str, str] = {
    "canary": "canary:collect",
    "code.imports": "code:collect_imports",
    "code.pattern": "code:collect_pattern",
    "command": "command:collect",
    "config": "config:collect",
    "digest": "digest:collect",
    "git.authors_disjoint": "git:collect_authors_disjoint",
    "git.codeowners": "git:collect_codeowners",
    "git.file": "git:collect_file",
    "git.ref": "git:collect_ref",
    "git.trailers": "git:collect_trailers",
    "json": "jsonfile:collect",
    "junit": "junit:collect",
    "manual": "manual:collect",
    "sarif": "sarif:collect",
}


class _Registry(MutableMapping[str, Collector]):
    """kind -> collector, importing a collector's module on first lookup (under a lock: the engine looks kinds up
    from worker threads)."""

    def __init__(self, places: dict[str, str]) -> None:
        self._places = places
        self._loaded: dict[str, Collector] = {}
        self._lock = threading.Lock()

    def __getitem__(self, kind: str) -> Collector:
        found = self._loaded.get(kind)
        if found is not None:
            return found
        place = self._places[kind]  # KeyError for an unknown kind
        module, _, name = place.partition(":")
        with self._lock:
            found = self._loaded.get(kind)
            if found is None:
                found = self._loaded[kind] = getattr(importlib.import_module(f"gate.evidence.{module}"), name)
        return found

    def __setitem__(self, kind: str, collect: Collector) -> None:
        with self._lock:
            self._loaded[kind] = collect
            self._places.setdefault(kind, f"{kind}:collect")

    def __delitem__(self, kind: str) -> None:
        with self._lock:
            del self._places[kind]
            self._loaded.pop(kind, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._places))

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, kind: object) -> bool:
        return kind in self._places


COLLECTORS: MutableMapping[str, Collector] = _Registry(dict(PLACES))
