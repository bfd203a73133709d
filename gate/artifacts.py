"""`gate artifacts record`: write DIR/gate-artifacts.json (sha256 of each artifact, the commit built from).

The final gate reuses the artifacts recorded for the release commit, never a rebuild; a changed file or a
manifest from another commit makes artifact evidence ERROR ("stale artifact").
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

from gate import __version__
from gate.errors import GateError
from gate.evidence.context import CHUNK, MANIFEST_NAME, MANIFEST_SCHEMA_VERSION


def sha256_file(path: Path) -> tuple[str, int]:
    """Stream a file: its sha256 and size."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb", buffering=0) as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def record(folder: Path, commit: str) -> tuple[Path, int]:
    """Hash every regular file under folder into gate-artifacts.json. Symlinks and special files are refused."""
    if not folder.is_dir():
        raise GateError(f"artifacts folder {folder} does not exist")
    entries: dict[str, dict[str, object]] = {}
    for base, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if (Path(base) / d).is_symlink()]):
            path = Path(base) / name
            rel = path.relative_to(folder).as_posix()
            if rel == MANIFEST_NAME:
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise GateError(f"{rel} is a symlink; copy the file into the artifacts folder instead")
            if not stat.S_ISREG(mode):
                raise GateError(f"{rel} is not a regular file")
            sha, size = sha256_file(path)
            entries[rel] = {"sha256": sha, "size": size}
    if not entries:
        raise GateError(f"artifacts folder {folder} holds no files")
    doc = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "commit": commit,
        "gate_version": __version__,
        "artifacts": dict(sorted(entries.items())),
    }
    target = folder / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".gate-artifacts.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, len(entries)
