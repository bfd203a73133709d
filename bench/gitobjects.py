"""Write git objects directly (loose, zlib) and sign commits with SSHSIG, deterministically.

The signed-commit workload needs commits whose signatures are reproducible from a seed. `git commit -S`
would start one ssh-keygen per commit and needs key files; here the Ed25519 keys derive from the seed and
the SSHSIG blobs are built in-process (PROTOCOL.sshsig), so the same seed gives the same repository, byte
for byte. Only the bench uses this module.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class ObjectWriter:
    """Loose objects under a repository's .git/objects (no packing: the bench repos are small)."""

    def __init__(self, git_dir: Path) -> None:
        self.objects = git_dir / "objects"

    def write(self, kind: str, body: bytes) -> str:
        raw = f"{kind} {len(body)}".encode() + b"\0" + body
        sha = hashlib.sha1(raw).hexdigest()
        path = self.objects / sha[:2] / sha[2:]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(zlib.compress(raw, 1))
        return sha

    def blob(self, data: bytes) -> str:
        return self.write("blob", data)

    def tree(self, files: dict[str, str]) -> str:
        """A tree for {path: blob sha} (nested folders written too), entries in git's order."""
        here: dict[str, str] = {}
        folders: dict[str, dict[str, str]] = {}
        for path, sha in files.items():
            head, sep, rest = path.partition("/")
            if sep:
                folders.setdefault(head, {})[rest] = sha
            else:
                here[head] = sha
        entries: list[tuple[bytes, bytes]] = []  # (sort key, entry)
        for name, sha in here.items():
            entries.append((name.encode(), b"100644 " + name.encode() + b"\0" + bytes.fromhex(sha)))
        for name, sub in folders.items():
            sha = self.tree(sub)
            # git sorts a folder as if its name ended with '/'.
            entries.append((name.encode() + b"/", b"40000 " + name.encode() + b"\0" + bytes.fromhex(sha)))
        return self.write("tree", b"".join(entry for _, entry in sorted(entries)))


@dataclass(frozen=True)
class SshKey:
    """An Ed25519 key derived from a seed, able to produce `ssh-keygen -Y sign -n git` signatures."""

    private: Ed25519PrivateKey

    @classmethod
    def from_seed(cls, seed: str) -> SshKey:
        return cls(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest()))

    @property
    def public_blob(self) -> bytes:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return _string(b"ssh-ed25519") + _string(raw)

    @property
    def openssh(self) -> str:
        """The public key line (`ssh-ed25519 AAAA...`)."""
        return "ssh-ed25519 " + base64.b64encode(self.public_blob).decode()

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` and git's %GF show it: SHA256:base64 without padding."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.public_blob).digest()).decode().rstrip("=")

    def sign(self, message: bytes, namespace: bytes = b"git") -> str:
        """An armored SSHSIG signature (hash sha512, as git and ssh-keygen make them)."""
        signed = b"SSHSIG" + _string(namespace) + _string(b"") + _string(b"sha512")
        signed += _string(hashlib.sha512(message).digest())
        signature = _string(b"ssh-ed25519") + _string(self.private.sign(signed))
        blob = b"SSHSIG" + struct.pack(">I", 1) + _string(self.public_blob) + _string(namespace)
        blob += _string(b"") + _string(b"sha512") + _string(signature)
        text = base64.b64encode(blob).decode()
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]
        return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def commit_body(
    *,
    tree: str,
    parents: list[str],
    author: str,
    committer: str,
    when: int,
    message: str,
) -> bytes:
    """A commit object's content without a signature (what a signature signs)."""
    head = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    head += [f"author {author} {when} +0000", f"committer {committer} {when} +0000"]
    return ("\n".join(head) + "\n\n" + message).encode()


def with_signature(body: bytes, signature: str) -> bytes:
    """Insert a gpgsig header after the committer line, as `git commit -S` does."""
    head, sep, message = body.partition(b"\n\n")
    lines = signature.rstrip("\n").split("\n")
    header = "gpgsig " + "\n ".join(lines)
    return head + b"\n" + header.encode() + sep + message
