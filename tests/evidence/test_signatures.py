"""SSH commit signatures checked in-process (gitrepo.signatures) must read exactly as git's own %G? and %GF.

Issue 10: git starts ssh-keygen twice per signed commit, so gate verifies the plain cases itself and leaves the
rest to git. Each test builds commits of every kind (good, unknown key, unsigned, tampered, RSA, ECDSA, other
namespace or hash, malformed) and compares both ways, for several allowed_signers files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.gitobjects import ObjectWriter, SshKey, commit_body, with_signature
from gate import gitrepo
from tests.builders import GitRepo, ssh_key


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sigkeys")
    out = {"good": ssh_key(folder / "good"), "other": ssh_key(folder / "other")}
    for kind, bits in (("rsa", "3072"), ("ecdsa", "256")):
        path = folder / kind
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-b", bits, "-N", "", "-f", str(path)], check=True)
        out[kind] = path
    return out


def public(key: Path) -> str:
    return " ".join(Path(f"{key}.pub").read_text().split()[:2])


def handmade(repo: GitRepo, good: SshKey) -> dict[str, str]:
    """Commits whose signatures git cannot be asked to make: tampered, other namespace or hash, malformed."""
    writer = ObjectWriter(repo.path / ".git")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    parent = repo.head
    who = "Alice <alice@example.com>"
    made: dict[str, str] = {}
    cases = {
        "tampered": lambda body: with_signature(body.replace(b"tampered", b"changed!"), good.sign(body)),
        "namespace": lambda body: with_signature(body, good.sign(body, namespace=b"file")),
        "unknown-good": lambda body: with_signature(body, SshKey.from_seed("stranger").sign(body)),
    }
    for when, (name, make) in enumerate(cases.items(), start=1_800_000_000):
        body = commit_body(
            tree=tree, parents=[parent], author=who, committer=who, when=when, message=f"{name} tampered\n"
        )
        parent = made[name] = writer.write("commit", make(body))
    repo.git("update-ref", "refs/heads/main", parent)
    repo.git("reset", "--quiet", "--hard")
    return made


@pytest.fixture
def history(git_repo, keys: dict[str, Path]) -> tuple[GitRepo, dict[str, str], SshKey]:  # type: ignore[no-untyped-def]
    repo = git_repo()
    shas = {"start": repo.commit({"README.md": "hi\n"}, "start")}
    shas["unsigned"] = repo.commit({"a.py": "1\n"}, "unsigned")
    for name in ("good", "other", "rsa", "ecdsa"):
        shas[name] = repo.commit_signed({"a.py": f"{name}\n"}, name, keys[name])
    good = SshKey.from_seed("listed")
    shas.update(handmade(repo, good))
    return repo, shas, good


def both_ways(repo: GitRepo, shas: list[str], signers: Path) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """gate's answers, asserting they equal git's; and the commits gate left to git."""
    asked: set[str] = set()
    real = gitrepo._git_signatures

    def spy(root: Path, commits: list[str], allowed: Path) -> dict[str, tuple[str, str]]:
        asked.update(commits)
        return real(root, commits, allowed)

    mp = pytest.MonkeyPatch()
    mp.setattr(gitrepo, "_git_signatures", spy)
    try:
        ours = gitrepo.signatures(repo.path, shas, signers)
    finally:
        mp.undo()
    theirs = real(repo.path, shas, signers)
    assert ours == theirs
    return ours, asked


def test_plain_allowed_signers_are_checked_in_process(history, keys: dict[str, Path], tmp_path: Path) -> None:
    repo, shas, good = history
    signers = tmp_path / "allowed_signers"
    signers.write_text(
        f"# release keys\n\nalice@example.com {public(keys['good'])}\n"
        f"rsa@example.com {public(keys['rsa'])} laptop\n*@lab.example {good.openssh}\n"
    )
    answers, asked = both_ways(repo, list(shas.values()), signers)
    letters = {name: answers[sha][0] for name, sha in shas.items()}
    assert letters == {
        "start": "N",
        "unsigned": "N",
        "good": "G",
        "other": "U",
        "rsa": "G",
        "ecdsa": "U",
        "tampered": "B",
        "namespace": "B",
        "unknown-good": "U",
    }
    # Only what ssh-keygen alone can settle went to git: an ECDSA key, another namespace.
    assert asked == {shas["ecdsa"], shas["namespace"]}
    assert answers[shas["good"]][1].startswith("SHA256:")


@pytest.mark.parametrize(
    "line",
    [
        'alice@example.com namespaces="git" {key}',
        "alice@example.com,bob@example.com {key}",
        "!bob@example.com {key}",
        'alice@example.com valid-after="20200101" {key}',
        "alice@example.com {ecdsa}",
        "alice@example.com ssh-ed25519 not-base64!",
    ],
)
def test_other_allowed_signers_are_left_to_git(history, keys: dict[str, Path], tmp_path: Path, line: str) -> None:
    repo, shas, _ = history
    signers = tmp_path / "allowed_signers"
    signers.write_text(line.format(key=public(keys["good"]), ecdsa=public(keys["ecdsa"])) + "\n")
    _, asked = both_ways(repo, list(shas.values()), signers)
    assert asked == set(shas.values())


def test_a_configured_revocation_file_is_left_to_git(history, keys: dict[str, Path], tmp_path: Path) -> None:
    repo, shas, _ = history
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"alice@example.com {public(keys['good'])}\n")
    revoked = tmp_path / "revoked"
    revoked.write_text(public(keys["good"]) + "\n")
    repo.git("config", "gpg.ssh.revocationFile", str(revoked))
    answers, asked = both_ways(repo, list(shas.values()), signers)
    assert asked == set(shas.values())
    assert answers[shas["good"]][0] != "G"


@pytest.mark.parametrize(
    "armor",
    [
        "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
        "{sig120}\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n",
        "{sig}trailing text\n",
    ],
)
def test_malformed_signatures_are_left_to_git(armor: str) -> None:
    # Not compared with git here: git itself dies of SIGPIPE now and then on these (ssh-keygen exits before
    # reading the payload), with or without gate.
    key = SshKey.from_seed("listed")
    who = "Alice <alice@example.com>"
    body = commit_body(tree="0" * 40, parents=[], author=who, committer=who, when=1, message="m\n")
    sig = key.sign(body)
    raw = with_signature(body, armor.format(sig=sig, sig120=sig[:120]))
    signers = gitrepo._AllowedSigners(frozenset({key.public_blob}))
    assert gitrepo._check_commit(raw, signers, "gpgsig") is None
    assert gitrepo._check_commit(with_signature(body, sig), signers, "gpgsig") == ("G", key.fingerprint)
    assert gitrepo._check_commit(body, signers, "gpgsig") == ("N", "")
