"""`.gate/signers.yaml`: loading with exact file:line:col problems, allowed_signers checked by real ssh-keygen
and git, the quorum check, and `gate signers`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gate.cli import main
from gate.errors import ProblemsError
from gate.model import Checklist
from gate.signers import allowed_signers, load_signers, parse_signers, quorum_problems
from tests.builders import make_repo, ssh_key

Write = Callable[[dict[str, str | bytes]], Path]

# Real ed25519 public keys (made with ssh-keygen), so fingerprints in expected output are fixed.
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMH8AnkNufM93+A70oeeJSnkvif+kgQci9WpCnWNrZ3 alice@laptop"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJXRRMcMWPPpdu5txWEdJtjK6PPTLH4a4OL01twW6LG0 bob@x"
KEY_C = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWrlljZj6FgppinZ5ClA81pZt+t/4yvbje34UvoNKYk carol@desk"
FP_A = "SHA256:LsWjylCYw789/YF7+WTboL1fiLo8SQ+raXeQ+FcGwF4"
FP_B = "SHA256:RzjRpqFix8kTUXQrU/Pwh17mnv47V4m7Nh3Lwk5c/xI"
FP_C = "SHA256:oRamHgsXPDcBrw5XQEBdkCvtz9uJWHNNUFkbkxHMzmw"
BLOB_A = KEY_A.split()[1]
BLOB_B = KEY_B.split()[1]
BLOB_C = KEY_C.split()[1]

VALID = f"""\
version: 1
signers:
  alice:
    name: Alice Chen
    emails: [Alice@Lab.example, 12345+alice@users.noreply.github.com]
    roles: [safety-lead]
    keys:
      - key: {KEY_A}
        valid_after: 2026-01-01
        valid_before: 2027-01-01T12:00:00+02:00
  bob:
    name: Bob Li
    emails: bob@lab.example
    roles: [auditor, release-manager]
    keys:
      - key: {KEY_B}
      - key: {KEY_C}
        valid_before: 2026-06-30
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        parse_signers(text.encode(), ".gate/signers.yaml")
    return [str(p) for p in info.value.problems]


def one_signer(body: str, identity: str = "alice") -> str:
    return f"version: 1\nsigners:\n  {identity}:\n{body}"


# ---------------------------------------------------------------------------------------------
# Loading


def test_valid_file_loads_with_lower_cased_emails_and_utc_windows() -> None:
    signers = parse_signers(VALID.encode(), ".gate/signers.yaml")
    assert list(signers.identities) == ["alice", "bob"]
    alice, bob = signers.identities["alice"], signers.identities["bob"]
    assert (alice.identity, alice.name, alice.roles) == ("alice", "Alice Chen", ["safety-lead"])
    assert alice.emails == ["alice@lab.example", "12345+alice@users.noreply.github.com"]
    assert bob.emails == ["bob@lab.example"]
    key = alice.keys[0]
    assert (key.fingerprint, key.key.type, key.key.comment) == (FP_A, "ssh-ed25519", "alice@laptop")
    assert key.valid_after == datetime(2026, 1, 1, tzinfo=UTC)
    assert key.valid_before == datetime(2027, 1, 1, 10, tzinfo=UTC)
    assert [k.fingerprint for k in bob.keys] == [FP_B, FP_C]


def test_lookups_by_role_key_and_email() -> None:
    signers = parse_signers(VALID.encode(), "s.yaml")
    assert [s.identity for s in signers.holders("safety-lead")] == ["alice"]
    assert [s.identity for s in signers.holders("auditor")] == ["bob"]
    assert signers.holders("nobody-role") == []
    found = signers.by_key(FP_C)
    assert found is not None and found[0].identity == "bob" and found[1] is signers.identities["bob"].keys[1]
    assert signers.by_key("SHA256:unknown") is None
    assert signers.by_email("ALICE@lab.example") is signers.identities["alice"]
    assert signers.by_email("12345+alice@users.noreply.github.com") is signers.identities["alice"]
    assert signers.by_email("mallory@lab.example") is None


def test_key_validity_window_is_inclusive_at_both_ends_as_ssh_keygen() -> None:
    signers = parse_signers(VALID.encode(), "s.yaml")
    key = signers.identities["alice"].keys[0]
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, 10, tzinfo=UTC)
    second = timedelta(seconds=1)
    assert [signers.key_valid_at(key, t) for t in (start - second, start, end, end + second)] == [
        False,
        True,
        True,
        False,
    ]
    assert signers.key_valid_at(signers.identities["bob"].keys[0], datetime(1999, 1, 1, tzinfo=UTC))


def test_load_signers_reads_a_file_and_names_it_relative_to_the_cwd(write: Write) -> None:
    path = write({".gate/signers.yaml": VALID})
    assert list(load_signers(path).identities) == ["alice", "bob"]
    with pytest.raises(ProblemsError) as info:
        load_signers(path.parent / "other.yaml")
    assert str(info.value) == ".gate/other.yaml: no such signers file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            one_signer(f"    name: A\n    emials: [a@x.org]\n    keys:\n      - key: {KEY_A}\n"),
            [".gate/signers.yaml:5:5: signers.alice.emials: unknown key 'emials'. Did you mean 'emails'?"],
            id="unknown-key-in-signer",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n        valid_afer: x\n"),
            [
                ".gate/signers.yaml:8:9: signers.alice.keys[0].valid_afer: unknown key 'valid_afer'. "
                "Did you mean 'valid_after'?"
            ],
            id="unknown-key-in-key",
        ),
        pytest.param(
            "version: 1\nsigner: {}\n",
            [".gate/signers.yaml:2:1: signer: unknown key 'signer'. Did you mean 'signers'?"],
            id="unknown-top-level-key",
        ),
        pytest.param(
            one_signer("    name: A\n    emails: [a@x.org]\n    keys:\n      - key: ssh-ed25519 AAAA-not-base64\n"),
            [
                ".gate/signers.yaml:7:14: signers.alice.keys[0].key: invalid SSH public key: "
                "the key data is not valid base64"
            ],
            id="invalid-key-line",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: ssh-rsa {BLOB_A}\n"),
            [
                ".gate/signers.yaml:7:14: signers.alice.keys[0].key: invalid SSH public key: "
                "the key data is a 'ssh-ed25519' key, not 'ssh-rsa'"
            ],
            id="key-type-mismatch",
        ),
        pytest.param(
            one_signer("    name: A\n    emails: [a@x.org]\n    keys:\n      - key: 42\n"),
            [".gate/signers.yaml:7:14: signers.alice.keys[0].key: expected an SSH public key line, got integer 42"],
            id="key-not-a-string",
        ),
        pytest.param(
            f"""\
version: 1
signers:
  alice:
    name: A
    emails: [a@x.org]
    keys:
      - key: {KEY_A}
  bob:
    name: B
    emails: [b@x.org]
    keys:
      - key: ssh-ed25519 {BLOB_A} another-comment
""",
            [
                f".gate/signers.yaml:12:14: signers.bob.keys[0].key: key {FP_A} is already listed for 'alice' "
                "(line 7); one key belongs to one identity"
            ],
            id="same-key-two-identities",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n      - key: {KEY_A}\n"),
            [f".gate/signers.yaml:8:14: signers.alice.keys[1].key: key {FP_A} listed twice (first at line 7)"],
            id="same-key-twice",
        ),
        pytest.param(
            f"""\
version: 1
signers:
  alice:
    name: A
    emails: [a@x.org]
    keys:
      - key: {KEY_A}
  bob:
    name: B
    emails: [b@x.org, A@X.ORG]
    keys:
      - key: {KEY_B}
""",
            [
                ".gate/signers.yaml:10:23: signers.bob.emails[1]: email 'a@x.org' is already listed for 'alice' "
                "(line 5); one email belongs to one identity"
            ],
            id="same-email-two-identities",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org, b@x.org, A@x.org]\n    keys:\n      - key: {KEY_A}\n"),
            [".gate/signers.yaml:5:32: signers.alice.emails[2]: email 'a@x.org' listed twice (first at line 5)"],
            id="same-email-twice",
        ),
        pytest.param(
            one_signer(
                f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n"
                "        valid_after: 2026-06-01\n        valid_before: 2026-01-01\n"
                f"      - key: {KEY_B}\n        valid_after: 2026-01-01T09:00:00Z\n"
                "        valid_before: 2026-01-01T10:00:00+01:00\n"
            ),
            [
                ".gate/signers.yaml:9:23: signers.alice.keys[0].valid_before: valid_before (2026-01-01) must be "
                "later than valid_after (2026-06-01)",
                ".gate/signers.yaml:12:23: signers.alice.keys[1].valid_before: valid_before (2026-01-01T09:00:00Z) "
                "must be later than valid_after (2026-01-01T09:00:00Z)",
            ],
            id="empty-window",
        ),
        pytest.param(
            one_signer(
                f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n"
                "        valid_after: 2026-01-01T09:00:00\n        valid_before: 2026\n"
            ),
            [
                ".gate/signers.yaml:8:22: signers.alice.keys[0].valid_after: '2026-01-01T09:00:00' has no time zone; "
                "add Z or an offset such as +00:00",
                ".gate/signers.yaml:9:23: signers.alice.keys[0].valid_before: expected a date (2026-01-01) or a date "
                "and time with a zone, got integer 2026",
            ],
            id="bad-times",
        ),
        pytest.param(
            one_signer("    name: A\n    emails: []\n    keys: []\n"),
            [
                ".gate/signers.yaml:5:13: signers.alice.emails: must not be empty",
                ".gate/signers.yaml:6:11: signers.alice.keys: must not be empty",
            ],
            id="empty-emails-and-keys",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n"),
            [],
            id="roles-may-be-left-out",
        ),
        pytest.param(
            one_signer(
                f"    name: A\n    emails: [a@x.org]\n    roles: [Safety Lead]\n    keys:\n      - key: {KEY_A}\n"
            ),
            [
                ".gate/signers.yaml:6:13: signers.alice.roles[0]: 'Safety Lead' is not a valid role name: "
                "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
            ],
            id="role-not-a-slug",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: [a@x.org]\n    keys:\n      - key: {KEY_A}\n", identity="Alice"),
            [
                ".gate/signers.yaml:3:3: signers.Alice: 'Alice' is not a valid identity: "
                "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
            ],
            id="identity-not-a-slug",
        ),
        pytest.param(
            one_signer(f"    name: A\n    emails: ['a@x.org,*@x.org']\n    keys:\n      - key: {KEY_A}\n"),
            [
                ".gate/signers.yaml:5:14: signers.alice.emails[0]: 'a@x.org,*@x.org' is not an email address "
                "(one address, no spaces, no , * ? !)"
            ],
            id="email-that-would-be-a-pattern",
        ),
        pytest.param(
            "version: 2\nsigners: {}\n",
            [
                ".gate/signers.yaml:1:10: version: unsupported version 2; this gate reads version 1",
                ".gate/signers.yaml:2:10: signers: must not be empty",
            ],
            id="version-and-nobody",
        ),
        pytest.param(
            "version: true\nsigners: []\n",
            [
                ".gate/signers.yaml:1:10: version: expected an integer, got boolean true",
                ".gate/signers.yaml:2:10: signers: expected a mapping, got a list",
            ],
            id="strict-types",
        ),
        pytest.param(
            "- alice\n", [".gate/signers.yaml:1:1: the top level must be a mapping, got a list"], id="not-a-mapping"
        ),
        pytest.param(
            "# nothing\n",
            [".gate/signers.yaml:1:1: empty file; a signers file needs version and signers"],
            id="empty",
        ),
    ],
)
def test_invalid_files_report_every_problem_at_its_place(text: str, expected: list[str]) -> None:
    if not expected:
        parse_signers(text.encode(), ".gate/signers.yaml")
        return
    assert problems(text) == expected


def test_unknown_key_hints_list_the_keys_allowed_there() -> None:
    text = one_signer(f"    name: A\n    emials: [a@x.org]\n    keys:\n      - key: {KEY_A}\n")
    with pytest.raises(ProblemsError) as info:
        parse_signers(text.encode(), "s.yaml")
    (problem,) = info.value.problems
    assert problem.hints == ("allowed keys here: name, emails, roles, keys",)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"version: 1\x00\n", "s.yaml:1:11: binary file (NUL byte); a signers file is text"),
        (b"version: 1\nname: \xff\n", "s.yaml:2:7: not UTF-8 (byte 0xff); save the file as UTF-8"),
    ],
)
def test_parse_signers_refuses_binary_content(data: bytes, expected: str) -> None:
    with pytest.raises(ProblemsError) as info:
        parse_signers(data, "s.yaml")
    assert str(info.value) == expected


def test_parse_signers_ignores_a_byte_order_mark() -> None:
    assert list(parse_signers(b"\xef\xbb\xbf" + VALID.encode(), "s.yaml").identities) == ["alice", "bob"]


# ---------------------------------------------------------------------------------------------
# allowed_signers


def test_allowed_signers_has_one_line_per_key_with_emails_namespaces_and_window() -> None:
    text = allowed_signers(parse_signers(VALID.encode(), "s.yaml"))
    ns = 'namespaces="git,gate-signoff,gate-attestation"'
    assert text == (
        f"alice@lab.example,12345+alice@users.noreply.github.com {ns},"
        f'valid-after="20260101000000Z",valid-before="20270101100000Z" ssh-ed25519 {BLOB_A}\n'
        f"bob@lab.example {ns} ssh-ed25519 {BLOB_B}\n"
        f'bob@lab.example {ns},valid-before="20260630000000Z" ssh-ed25519 {BLOB_C}\n'
    )
    assert allowed_signers(parse_signers(VALID.encode(), "s.yaml"), namespaces=["gate-signoff"]).splitlines()[1] == (
        f'bob@lab.example namespaces="gate-signoff" ssh-ed25519 {BLOB_B}'
    )


@pytest.fixture(scope="session")
def real_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: ssh_key(folder / name) for name in ("alice", "bob")}


def _signers_for(keys: dict[str, Path], alice_window: str = "") -> str:
    return f"""\
version: 1
signers:
  alice:
    name: Alice
    emails: [alice@example.com, alice@users.noreply.example]
    roles: [safety-lead]
    keys:
      - key: {(keys["alice"].with_suffix(".pub")).read_text().strip()}
{alice_window}  bob:
    name: Bob
    emails: [bob@example.com]
    keys:
      - key: {(keys["bob"].with_suffix(".pub")).read_text().strip()}
"""


def _ssh_verify(allowed: Path, message: Path, identity: str, namespace: str, *options: str) -> tuple[int, str]:
    with message.open("rb") as stdin:
        proc = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", identity, "-n", namespace, "-s", f"{message}.sig"]
            + [f"-O{o}" for o in options],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    return proc.returncode, proc.stdout.strip()


def test_allowed_signers_verifies_real_signatures_with_ssh_keygen(real_keys: dict[str, Path], tmp_path: Path) -> None:
    window = "        valid_after: 2026-01-01\n        valid_before: 2026-12-31T23:59:59Z\n"
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(allowed_signers(parse_signers(_signers_for(real_keys, window).encode(), "s.yaml")))
    message = tmp_path / "entry.json"
    message.write_text('{"decision": "approve"}\n')
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(real_keys["alice"]), "-n", "gate-signoff", str(message)],
        check=True,
        capture_output=True,
    )
    inside, before, after = "verify-time=20260601000000Z", "verify-time=20251231235959Z", "verify-time=20270101000000Z"
    code, out = _ssh_verify(allowed, message, "alice@example.com", "gate-signoff", inside)
    assert code == 0 and out.startswith('Good "gate-signoff" signature for alice@example.com with ED25519 key')
    assert _ssh_verify(allowed, message, "alice@users.noreply.example", "gate-signoff", inside)[0] == 0
    # The window's ends, another person's address, another namespace: all refused.
    assert _ssh_verify(allowed, message, "alice@example.com", "gate-signoff", "verify-time=20260101000000Z")[0] == 0
    assert _ssh_verify(allowed, message, "alice@example.com", "gate-signoff", "verify-time=20261231235959Z")[0] == 0
    assert _ssh_verify(allowed, message, "alice@example.com", "gate-signoff", before)[0] != 0
    assert _ssh_verify(allowed, message, "alice@example.com", "gate-signoff", after)[0] != 0
    assert _ssh_verify(allowed, message, "bob@example.com", "gate-signoff", inside)[0] != 0
    assert _ssh_verify(allowed, message, "alice@example.com", "file", inside)[0] != 0


def test_allowed_signers_serves_git_commit_signatures(real_keys: dict[str, Path], tmp_path: Path) -> None:
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(allowed_signers(parse_signers(_signers_for(real_keys).encode(), "s.yaml")))
    repo = make_repo(tmp_path / "repo")
    repo.commit_signed({"a.txt": "a\n"}, "signed change", real_keys["alice"], author="alice")
    proc = subprocess.run(
        ["git", "-C", str(repo.path), "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'Good "git" signature for alice@example.com with ED25519 key' in proc.stderr


# ---------------------------------------------------------------------------------------------
# Quorum


def _checklist(signoff: list[dict[str, Any]], waiver: list[str] | None = None, **top: str) -> Checklist:
    roles = {r: {"description": r} for r in ("safety-lead", "auditor", "release-manager", "reviewer", "a", "b", "c")}
    item: dict[str, Any] = {
        "id": "grader-configs-exclude-cot",
        "title": "No grader sees the reasoning",
        "evidence": [{"kind": "manual", "path": "docs/review.md"}],
        "signoff": signoff,
    }
    if waiver:
        item["waiver"] = {"roles": waiver, "max_days": 14}
    return Checklist.model_validate(
        {
            "id": "cot",
            "version": 1,
            "title": "CoT",
            "owner": top.get("owner", "safety-lead"),
            "release_role": top.get("release_role", "release-manager"),
            "roles": roles,
            "items": [item],
        }
    )


def _people(**holders: list[str]) -> Any:
    keys = iter([KEY_A, KEY_B, KEY_C])
    body = "".join(
        f"  {name}:\n    name: {name}\n    emails: [{name}@x.org]\n    roles: [{', '.join(roles)}]\n"
        f"    keys:\n      - key: {next(keys)}\n"
        for name, roles in holders.items()
    )
    return parse_signers(f"version: 1\nsigners:\n{body}".encode(), "s.yaml")


SL_AUD = [{"role": "safety-lead", "count": 1}, {"role": "auditor", "count": 1}]


def test_quorum_met_by_distinct_people() -> None:
    signers = _people(alice=["safety-lead", "release-manager"], bob=["auditor"])
    assert quorum_problems(signers, _checklist(SL_AUD)) == []


def test_one_person_cannot_fill_two_required_roles_of_one_item() -> None:
    signers = _people(alice=["safety-lead", "auditor", "release-manager"])
    assert quorum_problems(signers, _checklist(SL_AUD)) == [
        "item 'grader-configs-exclude-cot' needs 1 safety-lead + 1 auditor from distinct people, "
        "but only alice holds either role"
    ]


def test_two_people_each_holding_both_roles_meet_the_quorum() -> None:
    signers = _people(alice=["safety-lead", "auditor", "release-manager"], bob=["safety-lead", "auditor"])
    assert quorum_problems(signers, _checklist(SL_AUD)) == []


def test_matching_reassigns_a_person_to_make_room() -> None:
    # alice is tried for safety-lead first; only moving bob in there frees her for auditor.
    signers = _people(alice=["safety-lead", "auditor", "release-manager"], bob=["safety-lead"])
    assert quorum_problems(signers, _checklist(SL_AUD)) == []


def test_counts_need_that_many_distinct_holders() -> None:
    signers = _people(alice=["safety-lead", "release-manager"], bob=["auditor"])
    checklist = _checklist([{"role": "auditor", "count": 2}])
    assert quorum_problems(signers, checklist) == [
        "item 'grader-configs-exclude-cot' needs 2 auditor from distinct people, but only bob holds that role"
    ]


def test_shortfall_names_the_smallest_set_of_roles_that_cannot_be_filled() -> None:
    signers = _people(alice=["a", "b", "c", "release-manager", "safety-lead"], bob=["a"], carol=["a"])
    checklist = _checklist([{"role": "a", "count": 1}, {"role": "b", "count": 1}, {"role": "c", "count": 1}])
    assert quorum_problems(signers, checklist) == [
        "item 'grader-configs-exclude-cot' needs 1 a + 1 b + 1 c from distinct people, but only alice holds b or c"
    ]
    nobody = _checklist([{"role": "a", "count": 1}, {"role": "reviewer", "count": 1}])
    assert quorum_problems(signers, nobody) == [
        "item 'grader-configs-exclude-cot' needs 1 a + 1 reviewer from distinct people, but nobody holds reviewer"
    ]


def test_owner_release_and_waiver_roles_need_a_holder() -> None:
    signers = _people(bob=["auditor"])
    checklist = _checklist([{"role": "auditor", "count": 1}], waiver=["safety-lead", "auditor"])
    assert quorum_problems(signers, checklist) == [
        "the checklist's owner 'safety-lead' has no holder in the signers file",
        "the checklist's release_role 'release-manager' has no holder in the signers file",
        "item 'grader-configs-exclude-cot' allows waivers by 'safety-lead', but nobody holds that role",
    ]


# ---------------------------------------------------------------------------------------------
# gate signers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


TABLE = f"""\
IDENTITY  NAME        ROLES            EMAILS                                KEY{" " * 61}VALID
alice     Alice Chen  safety-lead      alice@lab.example                     ssh-ed25519 {FP_A}  2026-01-01 to 2027-01-01T10:00:00Z
                                       12345+alice@users.noreply.github.com
bob       Bob Li      auditor          bob@lab.example                       ssh-ed25519 {FP_B}  any time
                      release-manager                                        ssh-ed25519 {FP_C}  until 2026-06-30
"""  # noqa: E501

CHECKLIST = """\
id: cot
version: 1
title: CoT isolation
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {description: Owns CoT isolation}
  auditor: {description: Independent}
  release-manager: {description: Ships the model}
items:
  - id: grader-configs-exclude-cot
    title: No grader sees the reasoning
    evidence:
      - kind: manual
        path: docs/review.md
    signoff:
      - {role: safety-lead, count: 1}
      - {role: auditor, count: 2}
"""


def test_cli_lists_the_signers_as_a_table(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"people.yaml": VALID})
    assert run(capsys, "signers", "--file", "people.yaml") == (0, TABLE, "")


def test_cli_reads_gate_signers_yaml_at_the_repository_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.write({".gate/signers.yaml": VALID, "ml/x.txt": ""})
    monkeypatch.chdir(repo.path / "ml")
    assert run(capsys, "signers") == (0, TABLE, "")


def test_cli_without_a_repository_asks_for_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "signers") == (
        2,
        "",
        "gate: error: not inside a git repository\n  hint: pass --file PATH naming the signers file\n",
    )


def test_cli_missing_or_invalid_file_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    assert run(capsys, "signers") == (2, "", "gate: error: .gate/signers.yaml: no such signers file\n")
    repo.write({".gate/signers.yaml": VALID.replace("emails: bob@lab.example", "emails: alice@lab.example")})
    assert run(capsys, "signers") == (
        2,
        "",
        "gate: error: .gate/signers.yaml:13:13: signers.bob.emails[0]: email 'alice@lab.example' is already listed "
        "for 'alice' (line 5); one email belongs to one identity\n",
    )


def test_cli_checklist_quorum_shortfall_is_exit_1(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"people.yaml": VALID, "cot.yaml": CHECKLIST})
    assert run(capsys, "signers", "--file", "people.yaml", "--checklist", "cot.yaml") == (
        1,
        TABLE,
        "gate: error: item 'grader-configs-exclude-cot' needs 1 safety-lead + 2 auditor from distinct people, "
        "but only bob holds auditor\n",
    )


def test_cli_checklist_quorum_met_is_exit_0(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"people.yaml": VALID, "cot.yaml": CHECKLIST.replace("count: 2", "count: 1")})
    assert run(capsys, "signers", "--file", "people.yaml", "--checklist", "cot.yaml") == (
        0,
        TABLE,
        "gate: every role and sign-off quorum in cot.yaml has enough holders\n",
    )


def test_cli_invalid_checklist_is_exit_2_with_nothing_on_stdout(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write({"people.yaml": VALID, "cot.yaml": CHECKLIST.replace("version: 1", "version: 0")})
    assert run(capsys, "signers", "--file", "people.yaml", "--checklist", "cot.yaml") == (
        2,
        "",
        "gate: error: cot.yaml:2:10: version: must be >= 1, got integer 0\n",
    )


def test_cli_prints_allowed_signers_instead_of_the_table(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"people.yaml": VALID})
    code, out, err = run(capsys, "signers", "--file", "people.yaml", "--allowed-signers")
    assert (code, out, err) == (0, allowed_signers(parse_signers(VALID.encode(), "x")), "")
    assert out.splitlines()[1] == f'bob@lab.example namespaces="git,gate-signoff,gate-attestation" ssh-ed25519 {BLOB_B}'
