"""Heavy or optional packages stay out of the checklist language and the command line's startup.

import-linter cannot see deferred imports (inside functions); a fresh interpreter can.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """\
import sys
import gate.loader, gate.model, gate.cli
heavy = sorted(name for name in ("textual", "jinja2", "git", "rich") if name in sys.modules)
print(",".join(heavy))
"""


def test_loader_model_and_cli_do_not_import_textual_jinja2_git_or_rich() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "\n", f"imported at startup: {result.stdout.strip()}"


def test_python_m_gate_help_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gate", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: gate ")


ENGINE_PROBE = """\
import sys
import gate.engine, gate.api
heavy = sorted(name for name in ("textual", "jinja2", "rich", "git") if name in sys.modules)
print(",".join(heavy))
"""


def test_engine_and_api_do_not_import_textual_jinja2_rich_or_gitpython() -> None:
    # GitPython costs ~95 ms at import and runs `git version`: collectors run git through gate.gitrepo.
    result = subprocess.run(
        [sys.executable, "-c", ENGINE_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "\n", f"imported by the engine: {result.stdout.strip()}"
