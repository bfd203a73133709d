"""Import records: grimp's parser (read back from the text) gives exactly what CPython's parser gives, or hands over."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from gate.evidence import pyimports
from gate.evidence.pyimports import FROM, IMPORT, Unparsed


def cpython(text: str) -> list[pyimports.Record] | Unparsed:
    tree = pyimports.parse("m.py", text)
    return tree if isinstance(tree, Unparsed) else pyimports.extract(tree, text)


# Read from the text at the lines grimp reports (simple lines, and logical lines of import statements only).
READ = [
    "import os\nimport a.b.c as d, e\n",
    "from . import x\nfrom .. import (y,\n    z,  # a comment\n)\n",
    "from ...a.b import c as d, e\n",
    "from . . a import b\n",
    "from.a import b\nfrom .import c\n",
    "import a; import b.c; from d import e;\n",
    "x = 1; \\\nimport a\n",
    "import a\\\n.b\nimport c.d \\\n    as e\nfrom f import g, \\\n    h\n",
    "def f():\n    import a.b\n    if x:\n        from c import (d as e)\n",
    "class A:\n    '''import fake\n    from fake import x'''\n    import real\n",
    "s = '''\nimport fake\n'''\nimport real  # the real one\n",
    "import a\r\nimport b\r\n",
    "import a\rimport b\r",
    "if x:\n\timport a\n",
    "if x:\n\f    import a\n",
    "NAME = 'r\u00e9compense'\nimport rl.cot\n",
    "from a import *\nfrom a import (b)\nimport a\nimport a\n",
    "try:\n    import a\nexcept ImportError:\n    import b\nelse:\n    import c\nfinally:\n    import d\n",
    "match x:\n    case 1:\n        import a\n",
    "async def f():\n    async with x:\n        import a\n\n@dec\ndef g():\n    import b\n",
    "from __future__ import annotations\nimport typing\nif typing.TYPE_CHECKING:\n    from a import b\n",
    "from .......... import deep\nfrom . import (\n    a,\n    b,\n)\n",
    "",
    "x = 1\n",
    "x = f'{a}_{{i}}'\n",
]
# Handed to CPython's parser: not an import-only logical line, not certain, or refused by grimp.
HANDED_OVER = [
    "if TYPE_CHECKING: import a\n",
    "x = 1; import a\n",
    "import a  # don't\n",
    "import r\u00e9sum\u00e9\n",
    "try: import a\nexcept ImportError: pass\n",
    "lazy import a\n",
    "import a\nx = = 1\n",
    "f(a=1, a=2)\nimport a\n",
]


@pytest.mark.parametrize("text", READ)
def test_grimp_records_are_cpythons(text: str) -> None:
    assert pyimports.scan([text]) == [cpython(text)]


@pytest.mark.parametrize("text", HANDED_OVER)
def test_lines_gate_cannot_read_exactly_are_handed_to_cpython(text: str) -> None:
    assert pyimports.scan([text]) == [None]


def test_control_characters_and_dynamic_imports_are_for_cpython_only() -> None:
    assert not pyimports.cpython_only("import a\n\fx = '\t'\r\n")
    assert pyimports.cpython_only("import a\nx = '\x00'\n")  # no Python accepts a NUL; grimp's parser does
    assert pyimports.cpython_only("x = '\x1b[0m'\n")
    assert pyimports.cpython_only("m = importlib.import_module('a')\n")
    assert pyimports.cpython_only("m = \uff49mport_module('a')\n")  # NFKC: importlib's name, fullwidth


def test_records_say_where_each_statement_is() -> None:
    text = "import a.b as c, d\n\nif x:\n    from ..e import (f,\n        g)\n"
    assert pyimports.scan([text]) == [[(IMPORT, 1, 1, ("a.b", "d")), (FROM, 4, 5, 2, "e", ("f", "g"))]]


def test_what_gate_reads_must_be_what_grimp_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "import rl.cot.dump\nimport os\n"
    names = {"rl", "rl.cot", "rl.cot.dump"}
    assert pyimports.scan([text], names) == [[(IMPORT, 1, 1, ("rl.cot.dump",)), (IMPORT, 2, 1, ("os",))]]
    # A misreading (here a name cut short) does not pass the comparison: CPython's parser decides then.
    real = pyimports._simple
    monkeypatch.setattr(pyimports, "_simple", lambda line, n: (IMPORT, n, 1, ("rl.cot",)) if n == 1 else real(line, n))
    assert pyimports.scan([text], names) == [None]


def test_a_module_grimp_refuses_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyimports, "SCAN_CHUNK", 4)
    texts = [f"import m{i}\n" if i % 3 else f"import m{i}\nx = = {i}\n" for i in range(10)]
    got = pyimports.scan(texts)
    assert [g is None for g in got] == [i % 3 == 0 for i in range(10)]
    assert got[1] == [(IMPORT, 1, 1, ("m1",))]


def test_everything_goes_to_cpython_when_grimp_is_missing_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import grimp._rustgrimp as rust

    def panic(**_: Any) -> None:
        raise BaseException("a Rust panic")  # what pyo3 raises: PanicException derives from BaseException

    monkeypatch.setattr(rust, "scan_for_imports", panic)
    assert pyimports.scan(["import a\n", "import b\n"]) == [None, None]
    monkeypatch.setitem(sys.modules, "grimp._rustgrimp", None)  # import fails
    assert pyimports.scan(["import a\n"]) == [None]


def test_a_deep_relative_import_does_not_upset_grimp(capfd: pytest.CaptureFixture[str]) -> None:
    text = "from " + "." * 40 + " import x\n"
    assert pyimports.scan([text]) == [[(FROM, 1, 1, 40, "", ("x",))]]
    assert capfd.readouterr().err == ""  # no panic message


def test_only_a_newer_python_accepts_is_read_rather_than_refused() -> None:
    # PEP 695 is Python 3.12: grimp's parser reads it, so its imports count (CPython 3.11 refuses the file).
    text = "type Alias = int\nimport rl.cot\n"
    assert pyimports.scan([text]) == [[(IMPORT, 2, 1, ("rl.cot",))]]


def test_decoding_follows_pep_263() -> None:
    assert pyimports.decode("m.py", b"import a\n") == "import a\n"
    assert pyimports.decode("m.py", b"\xef\xbb\xbfimport a\n") == "import a\n"
    assert (
        pyimports.decode("m.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
        == "# -*- coding: latin-1 -*-\nx = '\u00e9'\n"
    )
    bad = pyimports.decode("m.py", b"# coding: nope\nimport a\n")
    assert bad == Unparsed(
        "cannot parse m.py: unknown encoding: nope; an unparseable module might hide an import",
        f"fix the file; gate parses with the grammar of {pyimports.GRAMMAR}",
    )
    assert isinstance(pyimports.decode("m.py", b"x = '\xff'\n"), Unparsed)


def test_the_worker_wire_carries_records_and_errors_as_data() -> None:
    assert pyimports.extract_wire(("m.py", "import a\n")) == [(IMPORT, 1, 1, ("a",))]
    wire = pyimports.extract_wire(("m.py", "x = = 1\n"))
    assert wire == ("cannot parse m.py:1: invalid syntax; an unparseable module might hide an import", wire[1])
    assert pyimports.from_wire(wire) == Unparsed(*wire)
    assert pyimports.from_wire([(IMPORT, 1, 1, ("a",))]) == [(IMPORT, 1, 1, ("a",))]
    assert pyimports.from_wire("garbage") is None


def test_importing_the_parser_module_stays_light() -> None:
    code = "import sys, gate.evidence.pyimports; print(sorted(m for m in ('pydantic', 'grimp') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
