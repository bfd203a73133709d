"""Test builders: real git repositories with fixed authors and dates, artifact folders with manifests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from git import Actor, Repo

from gate import gitrepo
from gate.artifacts import record
from gate.evidence.context import Context, build_context

PEOPLE = {
    "alice": "alice@example.com",
    "bob": "bob@example.com",
    "carol": "carol@example.com",
    "dave": "dave@example.com",
    "bot": "ci-bot@example.com",
}
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class GitRepo:
    """A real repository in tmp. Each commit is one hour after the previous one, so SHAs are deterministic."""

    path: Path
    repo: Repo
    clock: datetime = EPOCH
    shas: list[str] = field(default_factory=list)

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write (or, with None, delete) files in the work tree without committing."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(
        self,
        files: Mapping[str, str | bytes | None],
        message: str = "change",
        *,
        author: str = "alice",
        committer: str | None = None,
        trailers: Mapping[str, str] | None = None,
    ) -> str:
        """Write files and commit them; returns the sha."""
        self.write(files)
        for name, content in files.items():
            if content is None:
                self.repo.index.remove([name])
            else:
                self.repo.index.add([name])
        if trailers:
            message = message.rstrip() + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items())
        self.clock += timedelta(hours=1)
        when = f"{int(self.clock.timestamp())} +0000"
        who = Actor(author, PEOPLE.get(author, f"{author}@example.com"))
        by = committer or author
        commit = self.repo.index.commit(
            message,
            author=Actor(who.name, who.email),
            committer=Actor(by, PEOPLE.get(by, f"{by}@example.com")),
            author_date=when,
            commit_date=when,
        )
        self.shas.append(commit.hexsha)
        return commit.hexsha

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.repo.create_tag(name, ref=ref)

    @property
    def head(self) -> str:
        return gitrepo.resolve_commit(self.path, "HEAD")

    # --- git CLI helpers (merges, annotated and signed tags, signed commits), with the same fixed clock ---

    def _env(self, author: str, committer: str | None = None) -> dict[str, str]:
        """Identities and dates for a git CLI command; advances the clock by one hour, as commit() does."""
        self.clock += timedelta(hours=1)
        when = f"{int(self.clock.timestamp())} +0000"
        by = committer or author
        return {
            **os.environ,
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": PEOPLE.get(author, f"{author}@example.com"),
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": by,
            "GIT_COMMITTER_EMAIL": PEOPLE.get(by, f"{by}@example.com"),
            "GIT_COMMITTER_DATE": when,
        }

    def git(self, *args: str, env: Mapping[str, str] | None = None, input_: bytes | None = None) -> str:
        """Run git in the repository; returns stdout (stripped)."""
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args], env=env, input=input_, capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode().strip()

    def checkout(self, branch: str, *, create_at: str | None = None) -> None:
        """Switch to a branch (creating it at `create_at` when given)."""
        if create_at is not None:
            self.git("checkout", "--quiet", "-b", branch, create_at)
        else:
            self.git("checkout", "--quiet", branch)

    def merge(
        self, ref: str, message: str = "merge", *, author: str = "alice", trailers: Mapping[str, str] | None = None
    ) -> str:
        """A merge commit (--no-ff) of ref into the current branch; returns its sha."""
        if trailers:
            message = message.rstrip() + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items())
        self.git("merge", "--quiet", "--no-ff", "--no-edit", "-m", message, ref, env=self._env(author))
        sha = self.head
        self.shas.append(sha)
        return sha

    def commit_signed(
        self,
        files: Mapping[str, str | bytes | None],
        message: str,
        key: Path,
        *,
        author: str = "alice",
        trailers: Mapping[str, str] | None = None,
    ) -> str:
        """Like commit(), signed with an SSH key (git commit -S, gpg.format=ssh)."""
        self.write(files)
        for name, content in files.items():
            if content is None:
                self.git("rm", "--quiet", "--cached", name)
            else:
                self.git("add", name)
        if trailers:
            message = message.rstrip() + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items())
        self.git(
            "-c",
            "gpg.format=ssh",
            "-c",
            f"user.signingkey={key}",
            "commit",
            "--quiet",
            "-S",
            "-m",
            message,
            env=self._env(author),
        )
        sha = self.head
        self.shas.append(sha)
        return sha

    def annotated_tag(self, name: str, ref: str = "HEAD", *, message: str = "release", key: Path | None = None) -> None:
        """An annotated tag (signed with an SSH key when key is given)."""
        sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"] if key else []
        self.git(*sign, "tag", "-s" if key else "-a", "-m", message, name, ref, env=self._env("alice"))

    def bulk_commits(
        self, count: int, *, path: str = "rl/reward/f{i}.py", files: int = 40, author: str = "alice", trailer: str = ""
    ) -> None:
        """`count` commits on the current branch in ONE `git fast-import`, cycling over `files` paths."""
        email = PEOPLE.get(author, f"{author}@example.com")
        parent = self.head
        branch = self.git("symbolic-ref", "HEAD")
        chunks = []
        for i in range(count):
            self.clock += timedelta(minutes=1)
            when = int(self.clock.timestamp())
            message = f"change {i}\n" + (f"\n{trailer}\n" if trailer else "")
            data = message.encode()
            body = f"content {i}\n".encode()
            chunks.append(
                f"commit {branch}\nauthor {author} <{email}> {when} +0000\n".encode()
                + f"committer {author} <{email}> {when} +0000\n".encode()
                + f"data {len(data)}\n".encode()
                + data
                + (f"from {parent}\n".encode() if i == 0 else b"")
                + f"M 100644 inline {path.format(i=i % files)}\ndata {len(body)}\n".encode()
                + body
                + b"\n"
            )
        self.git("fast-import", "--quiet", "--force", input_=b"".join(chunks))
        self.git("reset", "--quiet", "--hard")


def clone(source: GitRepo, dest: Path, *, depth: int | None = None) -> GitRepo:
    """`git clone` of a builder repository (shallow with depth), as a GitRepo."""
    args = ["git", "clone", "--quiet", *([f"--depth={depth}"] if depth else []), source.path.as_uri(), str(dest)]
    subprocess.run(args, check=True, capture_output=True)
    return GitRepo(dest, Repo(dest), clock=source.clock)


def ssh_key(path: Path) -> Path:
    """A fresh ed25519 key pair (no passphrase) at path and path.pub; returns path."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path), "-C", "test"], check=True)
    return path


def allowed_signers(*entries: tuple[str, Path]) -> str:
    """git's allowed_signers text: `principal key-type key` per (email, private key path) entry."""
    lines = []
    for email, key in entries:
        kind, blob = Path(f"{key}.pub").read_text().split()[:2]
        lines.append(f"{email} {kind} {blob}")
    return "\n".join(lines) + "\n"


def make_repo(path: Path) -> GitRepo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo.init(path, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("commit", "gpgsign", "false")
        cfg.set_value("core", "autocrlf", "false")
    return GitRepo(path, repo)


def make_artifacts(folder: Path, files: Mapping[str, str | bytes], *, commit: str | None) -> Path:
    """Write artifact files and, when commit is given, record gate-artifacts.json for that commit."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if commit is not None:
        record(folder, commit)
    return folder


def context(
    repo: GitRepo | None = None,
    artifacts: Path | None = None,
    *,
    subjects: list[Path] | None = None,
    use_manifest: bool = True,
    allow_commands: bool = False,
) -> Context:
    return build_context(
        repo=repo.path if repo else None,
        artifacts=artifacts,
        subjects=subjects,
        use_manifest=use_manifest,
        allow_commands=allow_commands,
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
