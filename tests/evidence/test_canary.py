"""`canary` evidence: canaries planted in the chain-of-thought never reach the grader logs."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
from pathlib import Path

import pytest

from gate.engine import run_collector
from gate.evidence import canary
from gate.model import CanarySpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, context, make_artifacts

ALPHA = "CANARY-7f3a9c1e-alpha-planted"
BRAVO = "CANARY-0b5d2e84-bravo-planted"
# Line 1 is a comment and line 3 is blank: the canaries are #2 and #4.
CANARIES = f"# planted by rl/cot/plant.py\n{ALPHA}\n\n{BRAVO}\n"
DUMP = f'{{"cot": "think {ALPHA}"}}\n{{"cot": "think {BRAVO}"}}\n'
CLEAN = "step 1 reward 0.5\nstep 2 reward 0.7\n"  # 36 bytes


def prefix(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gz(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def run(
    repo: GitRepo,
    tmp_path: Path,
    logs: dict[str, str | bytes],
    *,
    files: list[str] | None = None,
    must_occur_in: list[str] | None = None,
    canaries: str | bytes = CANARIES,
    dump: str | bytes | None = None,
    min_bytes: int = 1,
) -> Evidence:
    """Artifacts (recorded for the release commit) holding canaries.txt, the logs and an optional CoT dump."""
    arts = {"canaries.txt": canaries, **logs}
    if dump is not None:
        arts["cot/dump.jsonl.gz"] = dump
    folder = make_artifacts(tmp_path / "out", arts, commit=repo.head)
    spec = CanarySpec(
        kind="canary",
        files=files or ["logs/**"],
        canaries_file="canaries.txt",
        must_occur_in=must_occur_in if must_occur_in is not None else (["cot/dump.jsonl.gz"] if dump else []),
        min_bytes=min_bytes,
    )
    return run_collector(spec, context(repo, folder))


@pytest.fixture
def repo(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo()
    repo.commit({"README.md": "rl\n"})
    return repo


def only_message(result: Evidence) -> str:
    assert len(result.observations) == 1
    return result.observations[0].message


# --- PASS ---------------------------------------------------------------------------------------


def test_clean_logs_pass_and_the_positive_control_found_every_canary(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN, "logs/b.log.gz": gz(CLEAN * 2)}, dump=gz(DUMP))
    assert result.status is Status.PASS
    assert result.summary == (
        "2 canaries, 2 logs (108 B): no canary found; positive control found all 2 in cot/dump.jsonl.gz"
    )
    assert result.observations == []
    assert result.fix is None
    assert [(r.path, r.root) for r in result.read] == [
        ("canaries.txt", "artifacts"),
        ("cot/dump.jsonl.gz", "artifacts"),
        ("logs/a.log", "artifacts"),
        ("logs/b.log.gz", "artifacts"),
    ]
    # The digest binds the compressed file as stored, the bytes the manifest recorded.
    assert Read(path="logs/b.log.gz", root="artifacts", sha256=sha(gz(CLEAN * 2))) in result.read


def test_pass_without_positive_control_says_none_was_given(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN})
    assert result.status is Status.PASS
    assert result.summary == (
        "2 canaries, 1 log (36 B): no canary found; no positive control given (must_occur_in), "
        "so nothing shows the canaries were planted"
    )


def test_gzip_is_detected_by_magic_bytes_not_by_extension(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/grader.log": gz(f"ok\nsaw {BRAVO}\n")})
    assert result.status is Status.FAIL
    assert only_message(result) == f"canary #4 (sha256 {prefix(BRAVO)}) at byte 7 (decompressed)"


# --- FAIL: hits ---------------------------------------------------------------------------------


def test_hit_in_plain_text_names_canary_file_offset_and_line(repo: GitRepo, tmp_path: Path) -> None:
    log = f"step 1 ok\nstep 2 grader saw: {ALPHA} end\nstep 3 ok\n"
    result = run(repo, tmp_path, {"logs/clean.log": CLEAN, "logs/grader.log": log}, dump=gz(DUMP))
    assert result.status is Status.FAIL
    assert result.summary == (
        "1 of 2 canaries found in 1 of 2 logs (109 B): the chain-of-thought reached the grader logs"
    )
    assert result.observations == [
        Observation(
            message=f"canary #2 (sha256 {prefix(ALPHA)}) at byte 29",
            path="logs/grader.log",
            root="artifacts",
            line=2,
            rule="canary #2",
        )
    ]
    assert log.encode()[29:].startswith(ALPHA.encode())
    assert result.observations[0].where == "logs/grader.log:2"
    assert result.fix == (
        "find how the reasoning trace reached the grader log (see the offsets), fix the pipeline, re-run CI"
    )


def test_hit_in_second_member_of_multi_member_gzip(repo: GitRepo, tmp_path: Path) -> None:
    first = "member one line 1\nmember one line 2\n"  # 36 bytes, 2 lines
    second = f"member two\nleak {BRAVO}\n"
    result = run(repo, tmp_path, {"logs/grader.log.gz": gz(first) + gz(second)})
    assert result.status is Status.FAIL
    assert result.observations == [
        Observation(
            message=f"canary #4 (sha256 {prefix(BRAVO)}) at byte {36 + 16} (decompressed)",
            path="logs/grader.log.gz",
            root="artifacts",
            line=4,
            rule="canary #4",
        )
    ]


def test_each_canary_and_each_log_is_reported(repo: GitRepo, tmp_path: Path) -> None:
    logs = {"logs/a.log": f"{BRAVO} {ALPHA}\n{ALPHA}\n", "logs/b.log.gz": gz(f"x {ALPHA}\n"), "logs/c.log": CLEAN}
    result = run(repo, tmp_path, logs)
    assert result.status is Status.FAIL
    assert result.summary.startswith("2 of 2 canaries found in 2 of 3 logs (")
    # The first hit of each canary per log, in offset order.
    assert [(o.where, o.rule, o.message.split(" at ")[1]) for o in result.observations] == [
        ("logs/a.log:1", "canary #4", "byte 0"),
        ("logs/a.log:1", "canary #2", "byte 30"),
        ("logs/b.log.gz:1", "canary #2", "byte 2 (decompressed)"),
    ]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_hit_straddling_a_read_chunk_boundary_is_found(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    monkeypatch.setattr(canary, "CHUNK", 16)
    text = "0123456789\n" + ALPHA + "\n"  # the canary spans bytes 11..39: chunks 0, 1 and 2
    result = run(repo, tmp_path, {"logs/grader.log": gz(text) if compress else text})
    assert result.status is Status.FAIL
    suffix = " (decompressed)" if compress else ""
    assert only_message(result) == f"canary #2 (sha256 {prefix(ALPHA)}) at byte 11{suffix}"
    assert result.observations[0].line == 2


def test_hit_straddling_the_real_chunk_boundary_is_found(repo: GitRepo, tmp_path: Path) -> None:
    start = canary.CHUNK - 10
    text = "x" * (start - 1) + "\n" + ALPHA + "\n"
    result = run(repo, tmp_path, {"logs/grader.log": text})
    assert result.status is Status.FAIL
    assert only_message(result) == f"canary #2 (sha256 {prefix(ALPHA)}) at byte {start}"
    assert result.observations[0].line == 2


def test_canary_with_regex_metacharacters_is_matched_literally(repo: GitRepo, tmp_path: Path) -> None:
    special = "c4n4ry.(+*?)[^$]{2}|\\x00"
    result = run(repo, tmp_path, {"logs/a.log": "c4n4ryX(+*?)[^$]{2}|\\x00\n"}, canaries=special + "\n")
    assert result.status is Status.PASS
    result = run(repo, tmp_path, {"logs/a.log": f"see {special}\n"}, canaries=special + "\n")
    assert result.status is Status.FAIL
    assert only_message(result) == f"canary #1 (sha256 {prefix(special)}) at byte 4"


# --- FAIL: positive control ---------------------------------------------------------------------


def test_canary_missing_from_positive_control_fails(repo: GitRepo, tmp_path: Path) -> None:
    dump = gz(f'{{"cot": "{ALPHA}"}}\n')
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, dump=dump)
    assert result.status is Status.FAIL
    assert result.summary == (
        "positive control failed: 1 of 2 canaries not found in cot/dump.jsonl.gz; "
        "their absence from 1 log (36 B) proves nothing"
    )
    assert result.observations == [
        Observation(
            message=f"positive control: canary #4 (sha256 {prefix(BRAVO)}) not found in cot/dump.jsonl.gz: "
            "canaries were not planted, so their absence from the grader logs proves nothing",
            path="cot/dump.jsonl.gz",
            root="artifacts",
            rule="canary #4",
        )
    ]
    assert result.fix is not None and result.fix.startswith("plant every canary of the canaries_file")


def test_positive_control_over_several_artifacts_needs_each_canary_in_one_of_them(
    repo: GitRepo, tmp_path: Path
) -> None:
    logs = {"logs/a.log": CLEAN, "cot/part1.txt": ALPHA, "cot/part2.txt.gz": gz(BRAVO)}
    result = run(repo, tmp_path, logs, files=["logs/"], must_occur_in=["cot/part1.txt", "cot/part2.txt.gz"])
    assert result.status is Status.PASS
    assert result.summary.endswith("positive control found all 2 in cot/part1.txt, cot/part2.txt.gz")


# --- ERROR --------------------------------------------------------------------------------------


def test_glob_matching_no_log_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, files=["grader/*.log", "grader/*.log.gz"])
    assert result.status is Status.ERROR
    assert result.summary == (
        "'grader/*.log', 'grader/*.log.gz' matched no file in the artifacts folder; the grader logs are missing"
    )


def test_canaries_file_without_canaries_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, canaries="# none planted yet\n\n   \n")
    assert result.status is Status.ERROR
    assert result.summary == "canaries.txt lists no canaries (only blank lines or # comments)"


def test_short_canary_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, canaries=f"{ALPHA}\n# next\nsecret7\n")
    assert result.status is Status.ERROR
    assert result.summary == (
        "canaries.txt:3: canary #3 is 7 characters long; canaries need at least 8, "
        "a shorter one matches ordinary text by chance"
    )
    assert "secret7" not in result.model_dump_json()


def test_canaries_file_not_utf8_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, canaries=b"\xff\xfe canary bytes\n")
    assert result.status is Status.ERROR
    assert result.summary == "canaries.txt is not UTF-8 text"


def test_truncated_gzip_is_an_error_naming_the_file(repo: GitRepo, tmp_path: Path) -> None:
    whole = gz(CLEAN * 50) + gz(CLEAN)
    result = run(repo, tmp_path, {"logs/a.log": CLEAN, "logs/b.log.gz": whole[:-12]})
    assert result.status is Status.ERROR
    assert result.summary == (
        "logs/b.log.gz is a truncated gzip file (the stream ends before its end-of-stream marker)"
    )
    assert result.observations[0].path == "logs/b.log.gz"


def test_corrupt_gzip_is_an_error_naming_the_file(repo: GitRepo, tmp_path: Path) -> None:
    data = bytearray(gz(CLEAN * 50))
    data[-8] ^= 0xFF  # the CRC-32 of the member
    result = run(repo, tmp_path, {"logs/b.log.gz": bytes(data)})
    assert result.status is Status.ERROR
    assert result.summary.startswith("logs/b.log.gz is a corrupt gzip file (CRC check failed")


def test_corrupt_deflate_data_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    data = bytearray(gz(CLEAN * 50))
    data[10] = 0xFF  # the first deflate block header: block type 3 is reserved
    result = run(repo, tmp_path, {"logs/b.log.gz": bytes(data)})
    assert result.status is Status.ERROR
    assert result.summary == "logs/b.log.gz is a corrupt gzip file (Error -1 Invalid deflate block found)"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("xz", lzma.compress(f"{ALPHA}\n".encode())),
        ("bzip2", bz2.compress(f"{ALPHA}\n".encode())),
        ("zstd", b"\x28\xb5\x2f\xfd" + b"\x00" * 16),
        ("zip", b"PK\x03\x04" + b"\x00" * 26),
        ("7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 26),
    ],
)
def test_logs_in_other_compressed_formats_are_an_error(repo: GitRepo, tmp_path: Path, name: str, data: bytes) -> None:
    # Scanned as raw bytes, a compressed log would never show a canary it holds.
    result = run(repo, tmp_path, {"logs/a.log": CLEAN, "logs/b.log.x": data})
    assert result.status is Status.ERROR
    assert result.summary == (
        f"logs/b.log.x is {name}-compressed; gate reads plain or gzip logs: decompress it or store it as gzip"
    )
    # The positive control too: its canaries would never be found.
    result = run(repo, tmp_path / "2", {"logs/a.log": CLEAN}, dump=data)
    assert result.status is Status.ERROR
    assert result.summary == (
        f"cot/dump.jsonl.gz is {name}-compressed; gate reads plain or gzip logs: decompress it or store it as gzip"
    )


def test_plain_log_starting_like_bzip2_is_read(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": "BZh, said the grader\n"})
    assert result.status is Status.PASS


def test_changed_log_is_a_stale_artifact(repo: GitRepo, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"canaries.txt": CANARIES, "logs/a.log": CLEAN}, commit=repo.head)
    (folder / "logs/a.log").write_text(CLEAN + "edited\n")
    spec = CanarySpec(kind="canary", files=["logs/*.log"], canaries_file="canaries.txt")
    result = run_collector(spec, context(repo, folder))
    assert result.status is Status.ERROR
    assert result.summary.startswith("stale artifact: logs/a.log has sha256 ")


def test_changed_gzip_log_is_reported_stale_not_corrupt(repo: GitRepo, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"canaries.txt": CANARIES, "logs/a.gz": gz(CLEAN)}, commit=repo.head)
    (folder / "logs/a.gz").write_bytes(gz(CLEAN)[:-4])
    spec = CanarySpec(kind="canary", files=["logs/*.gz"], canaries_file="canaries.txt")
    result = run_collector(spec, context(repo, folder))
    assert result.status is Status.ERROR
    assert result.summary.startswith("stale artifact: logs/a.gz has sha256 ")


def test_artifacts_without_manifest_are_an_error(repo: GitRepo, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"canaries.txt": CANARIES, "logs/a.log": CLEAN}, commit=None)
    spec = CanarySpec(kind="canary", files=["logs/*.log"], canaries_file="canaries.txt")
    result = run_collector(spec, context(repo, folder))
    assert result.status is Status.ERROR
    assert result.summary.startswith("no gate-artifacts.json in the artifacts folder")


def test_symlink_leading_out_of_the_artifacts_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"canaries.txt": CANARIES, "logs/a.log": CLEAN}, commit=repo.head)
    (tmp_path / "elsewhere.log").write_text(CLEAN)
    (folder / "logs/b.log").symlink_to(tmp_path / "elsewhere.log")
    spec = CanarySpec(kind="canary", files=["logs/*.log"], canaries_file="canaries.txt")
    result = run_collector(spec, context(repo, folder))
    assert result.status is Status.ERROR
    assert result.summary == "logs/b.log is a symlink leading out of the artifacts root"


def test_logs_below_min_bytes_are_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN, "logs/b.log.gz": gz("")}, min_bytes=1000)
    assert result.status is Status.ERROR
    assert result.summary == (
        "36 bytes scanned in 2 logs (decompressed), fewer than min_bytes 1000: empty logs prove nothing"
    )


def test_empty_logs_are_an_error_by_default(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": "", "logs/b.log.gz": gz("")})
    assert result.status is Status.ERROR
    assert result.summary == (
        "0 bytes scanned in 2 logs (decompressed), fewer than min_bytes 1: empty logs prove nothing"
    )


def test_missing_positive_control_artifact_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, must_occur_in=["cot/dump.jsonl.gz"])
    assert result.status is Status.ERROR
    assert result.summary == "cot/dump.jsonl.gz does not exist"


def test_logs_glob_matching_the_positive_control_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, files=["**/*.gz", "logs/"], dump=gz(DUMP))
    assert result.status is Status.ERROR
    assert result.summary == "cot/dump.jsonl.gz is matched by files but is a positive control; it is not a grader log"
    assert result.fix == "exclude it from files with '!cot/dump.jsonl.gz'"


def test_logs_glob_matching_the_canaries_file_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    result = run(repo, tmp_path, {"logs/a.log": CLEAN}, files=["*"])
    assert result.status is Status.ERROR
    assert result.summary == "canaries.txt is matched by files but is the canaries_file; it is not a grader log"


# --- canaries never appear in any output ---------------------------------------------------------


def test_no_output_ever_contains_a_canary(repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canary, "CHUNK", 7)
    leak = f"{ALPHA}\n{BRAVO}{ALPHA}\n"
    cases = {
        "hit": run(repo, tmp_path / "1", {"logs/a.log": leak, "logs/b.gz": gz(leak)}, dump=gz(ALPHA)),
        "control": run(repo, tmp_path / "2", {"logs/a.log": CLEAN}, dump=gz(f"{BRAVO}\n")),
        "pass": run(repo, tmp_path / "3", {"logs/a.log": CLEAN}, dump=gz(DUMP)),
        "short": run(repo, tmp_path / "4", {"logs/a.log": leak}, canaries=f"{ALPHA}\nCANARY!\n"),
        "corrupt": run(repo, tmp_path / "5", {"logs/a.log": leak, "logs/b.gz": gz(leak)[:-3]}),
    }
    assert [r.status for r in cases.values()] == [Status.FAIL, Status.FAIL, Status.PASS, Status.ERROR, Status.ERROR]
    assert len(cases["hit"].observations) == 5  # 2 canaries x 2 logs + the missing control
    for name, result in cases.items():
        text = result.model_dump_json()  # summary, observations, fix, reads
        for secret in (ALPHA, BRAVO, "CANARY!", "7f3a9c1e", "0b5d2e84"):
            assert secret not in text, (name, secret)
    assert ALPHA not in repr(canary.Canary(number=1, data=ALPHA.encode(), prefix=prefix(ALPHA)))
