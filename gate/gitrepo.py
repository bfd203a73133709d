"""Git, read in bulk: one `git` process per question, never one per file or commit.

Owns repository discovery, the release commit (DESIGN "Where evidence is read"), the tree at a commit,
which files are dirty or untracked, and the bulk history readers of the git.* collectors (one `git log` per
range with a NUL-separated format, one `check-mailmap --stdin` for every identity, tags in one `for-each-ref`).
Runs git with a fixed environment (no pager, no prompts, C locale, no pathspec overrides) so output does not
depend on the user's settings. Raises EvidenceUnavailable or GateError.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from gate.errors import GateError

SIGNOFF_DIR = ".gate/signoffs"


class GitError(GateError):
    """A git command failed or git is missing."""


def git_env() -> dict[str, str]:
    """The environment git runs with: no prompts, no pager, C locale, no replace objects."""
    env = dict(os.environ)
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "LC_ALL": "C",
            "LANG": "C",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_OPTIONAL_LOCKS": "0",
        }
    )
    # GIT_*_PATHSPECS would change what pathspec magic like `:(glob)` / `:(exclude)` means (GIT_LITERAL_PATHSPECS
    # turns it off, so a log would silently select nothing): evidence must not depend on them.
    pathspec_vars = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", *pathspec_vars):
        env.pop(name, None)
    return env


def run(root: Path, args: Sequence[str], *, check: bool = True, input_: bytes | None = None) -> bytes:
    """Run `git -C root ARGS` and return stdout; a failure raises GitError with git's message."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            input=input_,
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", hint="install git (https://git-scm.com)") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])} failed: {message[-1] if message else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def toplevel(path: Path) -> Path:
    """The work tree that contains path; GitError when there is none."""
    out = run(path, ["rev-parse", "--show-toplevel"], check=False).decode().strip()
    if not out:
        raise GitError(f"{path} is not inside a git work tree", hint="pass --repo DIR pointing at the repository")
    return Path(out)


def resolve_commit(root: Path, ref: str) -> str:
    """A ref -> the full commit sha; GitError when it does not name a commit."""
    out = run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], check=False)
    sha = out.decode().strip()
    if not sha:
        raise GitError(f"'{ref}' does not name a commit in {root}")
    return sha


def default_release_commit(root: Path) -> str:
    """The newest commit at or before HEAD that touches anything outside .gate/signoffs/."""
    try:
        out = run(root, ["log", "-1", "--format=%H", "HEAD", "--", ".", f":(exclude){SIGNOFF_DIR}"]).decode().strip()
    except GitError:
        resolve_commit(root, "HEAD")  # the clearer error when HEAD names no commit (one process less otherwise)
        raise
    if not out:
        raise GitError("no commit at or before HEAD touches anything outside .gate/signoffs/")
    return out


def release_commit(root: Path, ref: str | None) -> str:
    """`--release-ref REF` resolved to a commit, or the default release commit when no ref is given."""
    return resolve_commit(root, ref) if ref else default_release_commit(root)


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str


def tree(root: Path, commit: str) -> dict[str, TreeEntry]:
    """Every file at a commit: repo-relative POSIX path -> mode and blob sha."""
    return tree_and_gitlinks(root, commit)[0]


def tree_and_gitlinks(root: Path, commit: str) -> tuple[dict[str, TreeEntry], set[str]]:
    """Every file at a commit (as `tree` gives them) and the paths of its submodules (gitlinks, mode 160000),
    which `tree` leaves out: git does not descend into them, so their files are in no tree of this repository."""
    out = run(root, ["ls-tree", "-r", "-z", "--full-tree", commit])
    entries: dict[str, TreeEntry] = {}
    gitlinks: set[str] = set()
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split(" ")
        if kind == "blob":
            entries[path.decode("utf-8", "surrogateescape")] = TreeEntry(mode, sha)
        elif kind == "commit":
            gitlinks.add(path.decode("utf-8", "surrogateescape"))
    return entries, gitlinks


def changed_since(root: Path, commit: str) -> set[str]:
    """Tracked paths whose work-tree or index content differs from the commit (modified, deleted, added)."""
    out = run(root, ["diff", "--no-renames", "--name-only", "-z", commit, "--"])
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def work_tree_files(root: Path) -> tuple[set[str], set[str]]:
    """From one `git ls-files -v --cached --others`: the files git neither tracks nor ignores (tag '?'), and the
    tracked files whose work-tree changes git does not report, flagged assume-unchanged (a lower-case tag) or
    skip-worktree ('S')."""
    out = run(root, ["ls-files", "-v", "-z", "--cached", "--others", "--exclude-standard"])
    untracked: set[str] = set()
    unwatched: set[str] = set()
    for record in out.split(b"\0"):
        if len(record) < 3:
            continue
        tag, path = record[:1], record[2:].decode("utf-8", "surrogateescape")
        if tag == b"?":
            untracked.add(path)
        elif tag.islower() or tag == b"S":
            unwatched.add(path)
    return untracked, unwatched


def is_shallow(root: Path) -> bool:
    return run(root, ["rev-parse", "--is-shallow-repository"]).decode().strip() == "true"


# ---------------------------------------------------------------------------------------------------------------
# Bulk readers for the git.* collectors: one process per question, whatever the number of commits.

_SETTINGS = (
    # Pin what user or repository config could change, so evidence is identical across clones (DESIGN "Digests").
    "-c",
    "core.quotepath=true",
    "-c",
    "core.commentChar=#",
    "-c",
    "diff.renames=false",
    "-c",
    "i18n.logOutputEncoding=UTF-8",
    "-c",
    "log.follow=false",
    "-c",
    "log.showSignature=false",
    "-c",
    "mailmap.blob=",
    "-c",
    "mailmap.file=",
    "-c",
    "trailer.separators=:",
)
"""Only the work tree's .mailmap counts (the collector checks it is committed); never one from user config."""

_IDENT_FIELDS = ("%an", "%ae", "%aN", "%aE", "%cn", "%ce", "%cN", "%cE")
# git's trailer parser (the final paragraph only, continuation lines unfolded) prints each trailer as one
# `Key:value` token. A key is letters, digits and '-' (git's trailer grammar), so the first ':' splits it.
_TRAILERS = "%(trailers:only,unfold,separator=%x00,key_value_separator=:)"
_LOG_FORMAT = "%x00".join(["%H", "%P", "%s", *_IDENT_FIELDS, _TRAILERS]) + "%x00"
"""One header line per commit: sha, parents, subject, then the people (the identities and the trailers, which
repeat from commit to commit: parsed once per distinct text, see _LogParser). NUL-separated: commit content
cannot contain NUL, and none of these fields can contain a newline (the subject and the trailers are unfolded)."""
_TRAILER_TOKEN = re.compile(rb"^[A-Za-z0-9-]+:")
_SHA = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class Ident(NamedTuple):
    """A name and email as git prints them (not lower-cased)."""

    name: str
    email: str


class People(NamedTuple):
    """Who made a commit, and its trailers. The commits of one `log` by the same people with the same trailers
    share ONE People, so what a collector derives from it can be worked out once per distinct People (keyed by
    `id`: hashing a People hashes all of it)."""

    author: Ident
    author_mapped: Ident
    committer: Ident
    committer_mapped: Ident
    trailers: tuple[tuple[str, str], ...]
    """(key as written, value) in order, as git's own trailer parser finds them."""


class LogCommit(NamedTuple):
    """One commit as `log` reads it. `*_mapped` are after the repository's .mailmap. A NamedTuple, as People and
    Ident are: a long history makes tens of thousands of them, and frozen dataclasses take 3-4 times as long to
    make and to collect (issue 10)."""

    sha: str
    parents: tuple[str, ...]
    subject: str
    people: People
    paths: tuple[str, ...] = ()
    """Paths the commit changes inside the pathspec (a merge: against its first parent)."""
    signature: str = ""
    """git's %G? (G = good signature by an allowed key) when signatures were checked, else ''."""
    signing_key: str = ""
    """git's %GF: the signing key's fingerprint, when there is a signature."""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def author(self) -> Ident:
        return self.people.author

    @property
    def author_mapped(self) -> Ident:
        return self.people.author_mapped

    @property
    def committer(self) -> Ident:
        return self.people.committer

    @property
    def committer_mapped(self) -> Ident:
        return self.people.committer_mapped

    @property
    def trailers(self) -> tuple[tuple[str, str], ...]:
        return self.people.trailers


def log(
    root: Path,
    *,
    include: Sequence[str],
    exclude: Sequence[str] = (),
    pathspecs: Sequence[str] = (),
    first_parent: bool = False,
    no_merges: bool = False,
    allowed_signers: Path | None = None,
    names: bool = True,
    each: Callable[[list[LogCommit]], None] | None = None,
) -> list[LogCommit]:
    """Every commit reachable from `include` but not from `exclude` that changes `pathspecs`: ONE git process.

    History is not simplified (`--full-history`), so no commit on a side branch is hidden; merges are listed
    when they differ from a parent, with the paths they change against their first parent. With
    `allowed_signers`, each commit's signature is verified against that file (SSH format) and reported in
    `signature` as git's %G? would (see `signatures`). Output layout (no -z, so paths are C-quoted one per
    line): a header line whose fields are NUL-separated (commit content cannot contain NUL), then the changed
    paths, one per line. With `names=False` the paths are not listed (`paths` is empty): listing them costs git
    a diff per commit, a third of the time on a long history; `changed_paths` gets them for a few commits.
    git's output is parsed as it comes, so on a long history the parsing is done when git is (issue 10); `each`,
    when given, is called with the commits parsed so far (a few hundred at a time), for work that can go with it.
    """
    args = [
        *_SETTINGS,
        "log",
        "--no-color",
        "--no-renames",
        "--full-history",
        "--diff-merges=first-parent",
        *(["--name-only"] if names else []),
        "--format=" + _LOG_FORMAT,
    ]
    if first_parent:
        args.append("--first-parent")
    if no_merges:
        args.append("--no-merges")
    args += ["--end-of-options", *include, *(f"^{rev}" for rev in exclude), "--", *pathspecs]
    parser = _LogParser(each)
    run_streaming(root, args, parser.feed)
    commits = parser.close()
    if allowed_signers is None or not commits:
        return commits
    checked = signatures(root, [c.sha for c in commits], allowed_signers)
    return [c._replace(signature=checked[c.sha][0], signing_key=checked[c.sha][1]) for c in commits]


def run_streaming(root: Path, args: Sequence[str], consume: Callable[[bytes], None]) -> None:
    """Run `git -C root ARGS` like `run`, but hand stdout to `consume` in chunks as git writes it, so that the
    caller's parsing overlaps git's work instead of following it. A failure raises GitError with git's message;
    an exception from `consume` stops git and propagates."""
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                ["git", "-C", str(root), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                env=git_env(),
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH", hint="install git (https://git-scm.com)") from None
        assert proc.stdout is not None
        try:
            fd = proc.stdout.fileno()
            while chunk := os.read(fd, 1 << 20):
                consume(chunk)
        except BaseException:
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {' '.join(args[:2])} failed: {message[-1] if message else 'exit ' + str(code)}")


def changed_paths(root: Path, shas: Sequence[str], pathspecs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The paths inside `pathspecs` that each commit changes (a merge: against its first parent), as `log`
    lists them with names: ONE `git log --no-walk`. A commit that changes none of them maps to ()."""
    if not shas:
        return {}
    args = [
        *_SETTINGS,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--no-color",
        "--no-renames",
        "--full-history",
        "--diff-merges=first-parent",
        "--name-only",
        "--format=%x00%H",
        "--",
        *pathspecs,
    ]
    out = run(root, args, input_="".join(f"{sha}\n" for sha in shas).encode())
    found: dict[str, list[str]] = {sha: [] for sha in shas}
    current: list[str] | None = None
    for line in out.split(b"\n"):
        if line.startswith(b"\0"):
            current = found.setdefault(line[1:].decode(), [])
        elif line and current is not None:
            current.append(unquote_path(line))
    return {sha: tuple(paths) for sha, paths in found.items()}


def tags_matching(root: Path, pattern: str) -> list[TagRef]:
    """Tags matching a glob, newest first, reachable or not (no history walk; see tags_merged)."""
    out = run(root, ["tag", "--list", "--sort=-creatordate", f"--format={_TAG_FORMAT}", "--", pattern])
    return _tag_refs(root, out)


def signatures(root: Path, shas: Sequence[str], allowed_signers: Path) -> dict[str, tuple[str, str]]:
    """Each commit's (%G?, %GF) as `git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=FILE log` gives them.

    git starts ssh-keygen twice per signed commit (~10 ms each: seconds for a few hundred commits, issue 10).
    The commits are read in one `git cat-file --batch` and their SSH signatures verified in-process
    (`_check_commit`) when the allowed_signers file and the signature are of the plain kinds whose result is
    certain; every other commit (other key types, options in allowed_signers, PGP signatures, malformed
    signatures, a revocation file or another ssh program configured) is left to git itself, in one more
    `git log --no-walk`. tests/evidence/test_signatures.py compares both ways on every case.
    """
    answers: dict[str, tuple[str, str]] = {}
    signers = None if _ssh_config_set(root) else _AllowedSigners.load(allowed_signers)
    if signers is not None:
        for sha, raw in cat_commits(root, shas).items():
            answer = _check_commit(raw, signers, "gpgsig-sha256" if len(sha) == 64 else "gpgsig")
            if answer is not None:
                answers[sha] = answer
    rest = [sha for sha in shas if sha not in answers]
    if rest:
        answers.update(_git_signatures(root, rest, allowed_signers))
    return answers


def _ssh_config_set(root: Path) -> bool:
    """Whether git's config changes how it checks SSH signatures (a revocation file, another ssh-keygen)."""
    code, _ = _run_status(root, ["config", "--get-regexp", r"^gpg\.ssh\.(revocationfile|program)$"])
    return code != 1  # 1: none set


def cat_commits(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """The raw objects of commits, in ONE `git cat-file --batch`."""
    out = run(root, ["cat-file", "--batch"], input_="".join(f"{sha}\n" for sha in shas).encode())
    objects: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        head = out[pos:end].split(b" ")
        if len(head) != 3:
            raise GitError(f"git cat-file: unexpected answer {out[pos:end][:80]!r}")
        size = int(head[2])
        objects[head[0].decode()] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return objects


def _git_signatures(root: Path, shas: Sequence[str], allowed_signers: Path) -> dict[str, tuple[str, str]]:
    args = [
        *_SETTINGS,
        "-c",
        "gpg.format=ssh",
        "-c",
        f"gpg.ssh.allowedSignersFile={allowed_signers}",
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--format=%H%x00%G?%x00%GF",
    ]
    out = run(root, args, input_="".join(f"{sha}\n" for sha in shas).encode())
    answers: dict[str, tuple[str, str]] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, rest = line.partition("\0")
        letter, _, key = rest.partition("\0")
        answers[sha] = (letter, key)
    missing = [sha for sha in shas if sha not in answers]
    if missing:
        raise GitError(f"git log did not check the signature of commit {missing[0][:12]}")
    return answers


# --- SSH commit signatures, checked as `git log --format=%G?%GF` with gpg.format=ssh would ------------------------
# git (gpg-interface.c) runs `ssh-keygen -Y find-principals` for the signature's key; when a principal is found,
# `ssh-keygen -Y verify -I <principal>` ("Good ... for <principal>": G), else `-Y check-novalidate` ("Good ...
# with ...": U, a good signature by an unknown key); any other answer is B and has no key. The payload is the
# commit without its signature headers (commit.c, parse_buffer_signed_by_header). Only what this settles for
# certain is decided here; None sends the commit to git.

_BEGIN_SSH = b"-----BEGIN SSH SIGNATURE-----\n"
_END_SSH = b"-----END SSH SIGNATURE-----"
_PRINCIPAL = re.compile(r"^[^\s\"',!#][^\s\"',!]*$")
_BASE64 = re.compile(rb"^[A-Za-z0-9+/=\s]*$")
_RSA_MIN_BITS = 2048
"""Smaller RSA keys are refused or warned about by some OpenSSH versions: leave them to git."""


class _Unsure(Exception):  # noqa: N818 - internal signal: git decides this one
    pass


def _ssh_string(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise _Unsure
    size = int.from_bytes(data[pos : pos + 4], "big")
    end = pos + 4 + size
    if end > len(data):
        raise _Unsure
    return data[pos + 4 : end], end


def _ssh_strings(data: bytes, count: int) -> list[bytes]:
    """Exactly `count` SSH strings and nothing after them."""
    out, pos = [], 0
    for _ in range(count):
        value, pos = _ssh_string(data, pos)
        out.append(value)
    if pos != len(data):
        raise _Unsure
    return out


def _public_key(blob: bytes) -> Any:
    """A cryptography public key for an ssh-ed25519 or ssh-rsa (>= 2048 bits) key blob; _Unsure otherwise."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    kind, pos = _ssh_string(blob, 0)
    if kind == b"ssh-ed25519":
        (raw,) = _ssh_strings(blob[pos:], 1)
        if len(raw) != 32:
            raise _Unsure
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if kind == b"ssh-rsa":
        e, n = _ssh_strings(blob[pos:], 2)
        modulus = int.from_bytes(n, "big")
        if modulus.bit_length() < _RSA_MIN_BITS or (e and e[0] & 0x80) or (n and n[0] & 0x80):
            raise _Unsure
        return rsa.RSAPublicNumbers(int.from_bytes(e, "big"), modulus).public_key()
    raise _Unsure


@dataclass(frozen=True)
class _AllowedSigners:
    """The key blobs of an allowed_signers file made only of `principal keytype key [comment]` lines."""

    keys: frozenset[bytes]

    @classmethod
    def load(cls, path: Path) -> _AllowedSigners | None:
        """None when any line is of a kind whose result only ssh-keygen can tell (options, certificates, other
        key types, several or pattern-negated principals, unreadable)."""
        import base64
        import binascii

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        keys = set()
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 3 or not _PRINCIPAL.match(parts[0]) or parts[1] not in ("ssh-ed25519", "ssh-rsa"):
                return None
            try:
                blob = base64.b64decode(parts[2], validate=True)
                if _ssh_string(blob, 0)[0].decode() != parts[1]:
                    return None
                _public_key(blob)
            except (binascii.Error, ValueError, _Unsure):
                return None
            keys.add(blob)
        return cls(frozenset(keys))


def _signed_parts(raw: bytes, header: bytes) -> tuple[bytes, bytes] | None:
    """(payload, signature) of a commit object as git splits them; None when it carries no signature."""
    payload, signature = bytearray(), bytearray()
    in_signature = saw_signature = other_signature = False
    pos, tail = 0, len(raw)
    while pos < tail:
        newline = raw.find(b"\n", pos)
        nxt = newline + 1 if newline >= 0 else tail
        line = raw[pos:nxt]
        sig: bytes | None = None
        if in_signature and line.startswith(b" "):
            sig = line[1:]
        elif line.startswith(header) and line[len(header) : len(header) + 1] == b" ":
            sig = line[len(header) + 1 :]
            other_signature = False
        elif line.startswith(b"gpgsig"):
            other_signature = True
        elif other_signature and not line.startswith(b" "):
            other_signature = False
        if sig is not None:
            signature += sig
            saw_signature = in_signature = True
        else:
            if line.startswith(b"\n"):
                nxt = tail  # the message: the rest of the object
                line = raw[pos:]
            if not other_signature:
                payload += line
            in_signature = False
        pos = nxt
    return (bytes(payload), bytes(signature)) if saw_signature else None


def _check_commit(raw: bytes, signers: _AllowedSigners, header: str) -> tuple[str, str] | None:
    """(%G?, %GF) of one commit object, or None when git must decide."""
    parts = _signed_parts(raw, header.encode())
    if parts is None:
        return "N", ""
    payload, armored = parts
    try:
        return _check_sshsig(payload, armored, signers)
    except _Unsure:
        return None
    except Exception:  # noqa: BLE001 - anything unexpected in a signature: let git judge it
        return None


def _check_sshsig(payload: bytes, armored: bytes, signers: _AllowedSigners) -> tuple[str, str]:
    """Verify an SSHSIG (PROTOCOL.sshsig) over the payload, namespace git, as ssh-keygen does."""
    import base64
    import hashlib

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding

    if not armored.startswith(_BEGIN_SSH):
        raise _Unsure  # PGP or X.509, or not a signature git recognises
    end = armored.find(_END_SSH, len(_BEGIN_SSH))
    body = armored[len(_BEGIN_SSH) : end]
    if end < 0 or armored[end + len(_END_SSH) :] not in (b"", b"\n") or not _BASE64.match(body):
        raise _Unsure
    blob = base64.b64decode(b"".join(body.split()), validate=True)
    if not blob.startswith(b"SSHSIG") or blob[6:10] != b"\x00\x00\x00\x01":
        raise _Unsure
    key_blob, namespace, _reserved, hash_name, sig_blob = _ssh_strings(blob[10:], 5)
    if namespace != b"git" or hash_name not in (b"sha256", b"sha512"):
        raise _Unsure
    key = _public_key(key_blob)
    sig_type, sig = _ssh_strings(sig_blob, 2)
    digest = hashlib.new(hash_name.decode(), payload).digest()
    signed = b"SSHSIG" + b"".join(len(x).to_bytes(4, "big") + x for x in (b"git", b"", hash_name, digest))
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if sig_type != b"ssh-ed25519" or len(sig) != 64:
                raise _Unsure
            key.verify(sig, signed)
        else:
            if sig_type not in (b"rsa-sha2-256", b"rsa-sha2-512") or len(sig) != (key.key_size + 7) // 8:
                raise _Unsure
            algorithm = hashes.SHA512() if sig_type == b"rsa-sha2-512" else hashes.SHA256()
            key.verify(sig, signed, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return "B", ""
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")
    return ("G" if key_blob in signers.keys else "U"), fingerprint


def _parse_log(out: bytes) -> list[LogCommit]:
    """Parse the whole output of `log` at once (the streaming parser, fed one chunk)."""
    parser = _LogParser()
    parser.feed(out)
    return parser.close()


class _LogParser:
    """`log`'s output -> LogCommits, fed in chunks as git writes them.

    Lines holding a NUL are commit headers (_LOG_FORMAT); other non-empty lines are the changed paths of the
    commit above them (--name-only). The people part of a header (identities and trailers) is parsed once per
    distinct text: on a long history a few people write thousands of commits (issue 10).
    """

    def __init__(self, each: Callable[[list[LogCommit]], None] | None = None) -> None:
        self.commits: list[LogCommit] = []
        self._each = each
        self._handed = 0
        self._rest = b""
        self._header: bytes | None = None
        self._paths: list[str] | None = None
        self._people: dict[bytes, People] = {}

    def feed(self, chunk: bytes) -> None:
        data = self._rest + chunk if self._rest else chunk
        end = data.rfind(b"\n")
        if end < 0:
            self._rest = data
            return
        self._rest = data[end + 1 :]
        self._lines(data[:end].split(b"\n"))
        self._hand()

    def close(self) -> list[LogCommit]:
        if self._rest:
            self._lines([self._rest])
            self._rest = b""
        self._flush()
        self._hand()
        return self.commits

    def _hand(self) -> None:
        if self._each is not None and self._handed < len(self.commits):
            self._each(self.commits[self._handed :])
            self._handed = len(self.commits)

    def _lines(self, lines: list[bytes]) -> None:
        append, make = self.commits.append, self._commit
        header, paths = self._header, self._paths
        for line in lines:
            if b"\0" in line:
                if header is not None:
                    append(make(header, paths))
                header, paths = line, None
            elif line:
                if header is None:
                    raise GitError("unexpected `git log` output: a path before any commit")
                if paths is None:
                    paths = []
                paths.append(unquote_path(line))
        self._header, self._paths = header, paths

    def _flush(self) -> None:
        if self._header is not None:
            self.commits.append(self._commit(self._header, self._paths))
        self._header = self._paths = None

    def _commit(self, header: bytes, paths: list[str] | None) -> LogCommit:
        parts = header.split(b"\0", 3)
        if len(parts) != 4 or not _SHA.match(parts[0]):
            raise GitError("unexpected `git log` output: a malformed commit header")
        sha, parents, subject, rest = parts
        people = self._people.get(rest)
        if people is None:
            people = self._people[rest] = _parse_people(rest, sha)
        return LogCommit(
            sha.decode(),
            tuple(parents.decode("utf-8", "replace").split()),
            subject.decode("utf-8", "replace"),
            people,
            tuple(paths) if paths else (),
        )


def _parse_people(rest: bytes, sha: bytes) -> People:
    """The identities and trailers of a header: 8 identity fields, then one token per trailer, then ''."""
    fixed = len(_IDENT_FIELDS)
    parts = rest.split(b"\0")
    if len(parts) < fixed + 2 or parts[-1] != b"":
        raise GitError("unexpected `git log` output: a malformed commit header")
    trailers: list[tuple[str, str]] = []
    for token in parts[fixed:-1]:
        if not token:
            continue
        if not _TRAILER_TOKEN.match(token):
            raise GitError(f"unexpected `git log` output: trailer {token[:40]!r} of {sha[:12].decode()}")
        key, _, value = token.decode("utf-8", "replace").partition(":")
        trailers.append((key, value.strip()))
    text = [p.decode("utf-8", "replace") for p in parts[:fixed]]
    return People(
        author=Ident(text[0], text[1]),
        author_mapped=Ident(text[2], text[3]),
        committer=Ident(text[4], text[5]),
        committer_mapped=Ident(text[6], text[7]),
        trailers=tuple(trailers),
    )


_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}


def unquote_path(raw: bytes) -> str:
    """A path as git prints it without -z: C-quoted ("...", backslash escapes, octal bytes) when unusual."""
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "surrogateescape")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != ord("\\") or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if ord("0") <= nxt <= ord("7"):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out).decode("utf-8", "surrogateescape")


def check_mailmap(root: Path, contacts: Sequence[Ident]) -> list[str]:
    """Each contact's email after the work tree's .mailmap (git's own matching), in order: ONE git process."""
    if not contacts:
        return []
    lines = []
    for who in contacts:
        name = re.sub(r"[<>\r\n]", "", who.name).strip()
        email = re.sub(r"[<>\s]", "", who.email)
        lines.append(f"{name} <{email}>" if name else f"<{email}>")
    out = run(root, [*_SETTINGS, "check-mailmap", "--stdin"], input_="".join(f"{x}\n" for x in lines).encode())
    mapped = []
    for line in out.decode("utf-8", "replace").splitlines():
        found = re.search(r"<([^<>]*)>\s*$", line)
        mapped.append(found.group(1) if found else "")
    if len(mapped) != len(lines):
        raise GitError(f"git check-mailmap answered {len(mapped)} lines for {len(lines)} contacts")
    return mapped


@dataclass(frozen=True)
class TagRef:
    """A tag: its name, the object it points at (a tag object when annotated), and the commit it names."""

    name: str
    object_type: str
    object_sha: str
    commit: str | None
    """The commit the tag names (peeled through tag objects); None when it names a tree or blob."""

    @property
    def annotated(self) -> bool:
        return self.object_type == "tag"


_TAG_FORMAT = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"


def _tag_refs(root: Path, out: bytes) -> list[TagRef]:
    rows = [line.split("\0") for line in out.decode("utf-8", "replace").splitlines() if line]
    refs: list[TagRef] = []
    nested: list[int] = []
    for row in rows:
        refname, kind, sha, peeled_kind, peeled = row
        commit = sha if kind == "commit" else peeled if peeled_kind == "commit" else None
        if kind == "tag" and peeled_kind == "tag":
            nested.append(len(refs))
        refs.append(TagRef(refname.removeprefix("refs/tags/"), kind, sha, commit))
    if nested:  # a tag of a tag (rare): peel all of them in one process
        names = [f"refs/tags/{refs[i].name}^{{commit}}" for i in nested]
        peeled_shas = run(root, ["rev-parse", "--end-of-options", *names], check=False).decode().split()
        for i, sha in zip(nested, peeled_shas, strict=False):
            refs[i] = TagRef(refs[i].name, refs[i].object_type, refs[i].object_sha, sha)
    return refs


def tags_merged(root: Path, pattern: str, commit: str) -> list[TagRef]:
    """Tags matching a glob (as `git describe --match` does) reachable from commit, newest first."""
    out = run(
        root,
        ["tag", "--list", f"--merged={commit}", "--sort=-creatordate", f"--format={_TAG_FORMAT}", "--", pattern],
    )
    return _tag_refs(root, out)


def tag(root: Path, name: str) -> TagRef | None:
    """The tag called `name` exactly, or None."""
    out = run(root, ["for-each-ref", f"--format={_TAG_FORMAT}", "--", f"refs/tags/{name}"])
    return next((t for t in _tag_refs(root, out) if t.name == name), None)


def verify_tag(root: Path, name: str, allowed_signers: Path) -> tuple[bool, str]:
    """Whether the tag carries a good SSH signature by a key in allowed_signers, and git's last message line."""
    signers = ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"]
    code, stderr = _run_status(root, [*signers, "verify-tag", "--end-of-options", f"refs/tags/{name}"])
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return code == 0, lines[-1] if lines else f"exit {code}"


def _run_status(root: Path, args: Sequence[str]) -> tuple[int, bytes]:
    """Run git and return (exit code, stderr) for commands whose exit code is the answer."""
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=git_env(), check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", hint="install git (https://git-scm.com)") from None
    return proc.returncode, proc.stderr


def tracked_changes(root: Path) -> list[str]:
    """Tracked paths with staged or unstaged changes in the work tree (`git status`, untracked files ignored)."""
    out = run(root, ["status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames"])
    return sorted({entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if len(entry) > 3})


def tree_entry(root: Path, commit: str, path: str) -> TreeEntry | None:
    """What is at `path` in the tree of `commit` (mode 100644/100755 file, 120000 symlink, 040000 folder,
    160000 submodule), or None."""
    out = run(root, ["--literal-pathspecs", "ls-tree", "-z", "--full-tree", commit, "--", path])
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name.decode("utf-8", "surrogateescape") == path:
            mode, _kind, sha = meta.decode().split(" ")
            return TreeEntry(mode, sha)
    return None


def in_history_of(root: Path, commit: str, tips: Sequence[str]) -> bool:
    """Whether `commit` is in the history of any of `tips` (a commit is in its own): ONE `git rev-list`, which
    walks what is newer than `commit` in the tips' history, and stops once `commit` is reached."""
    if commit in tips:
        return True
    out = run(root, ["rev-list", "--max-count=1", "--end-of-options", commit, *(f"^{tip}" for tip in tips)])
    return not out.strip()


def is_ancestor(root: Path, ancestor: str, commit: str) -> bool:
    """Whether `ancestor` is in the history of `commit` (a commit is its own ancestor)."""
    code, stderr = _run_status(root, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, commit])
    if code not in (0, 1):
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git merge-base failed: {message[-1] if message else 'exit ' + str(code)}")
    return code == 0


def release_commit_at(root: Path, ref: str) -> str:
    """The newest commit at or before `ref` that touches anything outside .gate/signoffs/ (else ref's commit)."""
    sha = resolve_commit(root, ref)
    out = run(root, ["log", "-1", "--format=%H", sha, "--", ".", f":(exclude){SIGNOFF_DIR}"]).decode().strip()
    return out or sha


def read_blob(root: Path, commit: str, path: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes | None:
    """A file's bytes as of a commit (not the work tree); None when the commit has no file there."""
    entry = tree_entry(root, commit, path)
    if entry is None or entry.mode not in ("100644", "100755"):
        return None
    data = run(root, ["cat-file", "blob", entry.sha])
    if len(data) > max_bytes:
        raise GitError(f"{path} at {commit[:12]} is over the {max_bytes}-byte limit")
    return data
