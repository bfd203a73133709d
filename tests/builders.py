"""Test builders: real git repositories with fixed authors and dates, artifact folders with manifests."""

from __future__ import annotations

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
