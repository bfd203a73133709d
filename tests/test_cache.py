"""gate.cache: parse products keyed by content, spec and version; corrupted entries are detected and ignored.

Every test points the cache at its own tmp folder (the autouse `isolate` fixture already moves XDG_CACHE_HOME).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest

from gate import __version__, cache
from gate.cache import MISSING, Cache
from gate.evidence import code, config
from tests.builders import context

PRODUCT = {"grader": {"inputs": ["prompt", "completion"]}, 1: (True, None, 2.5), "nan": math.nan, "b": b"\x00"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def packs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pack"))


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.delenv(cache.ENV_OFF, raising=False)


def test_a_hit_returns_the_same_product(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "yaml-1") as store:
        assert store.get(sha("a")) is MISSING
        assert store.put(sha("a"), PRODUCT)
    (pack,) = packs(tmp_path)  # one pack per run, written atomically: no temp file left behind
    assert [p.name for p in pack.parent.iterdir()] == [pack.name]
    got = Cache(tmp_path).store("config", "yaml-1").get(sha("a"))
    assert isinstance(got, dict)
    assert got.keys() == PRODUCT.keys()
    assert got[1] == (True, None, 2.5) and type(got[1]) is tuple
    assert math.isnan(got["nan"]) and got["b"] == b"\x00" and got["grader"] == PRODUCT["grader"]
    assert Cache(tmp_path).store("config", "yaml-1").get(sha("b")) is MISSING


def test_none_is_a_product(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "s") as store:
        store.put(sha("empty"), None)
    assert Cache(tmp_path).store("config", "s").get(sha("empty")) is None


def test_another_gate_version_spec_or_kind_misses(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "yaml-1") as store:
        store.put(sha("a"), PRODUCT)
    assert Cache(tmp_path, version="0.0.0-other").store("config", "yaml-1").get(sha("a")) is MISSING
    assert Cache(tmp_path).store("config", "yaml-2").get(sha("a")) is MISSING
    assert Cache(tmp_path).store("code.imports", "yaml-1").get(sha("a")) is MISSING
    assert Cache(tmp_path, version=__version__).store("config", "yaml-1").get(sha("a")) is not MISSING


def test_a_corrupted_entry_is_detected_ignored_and_written_again(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "s") as store:
        store.put(sha("a"), {"value": "x" * 100})
        store.put(sha("b"), {"value": "y" * 100})
    (pack,) = packs(tmp_path)
    data = bytearray(pack.read_bytes())
    data[data.index(b"x" * 100) + 50] ^= 0xFF  # one bit of one entry's bytes
    pack.write_bytes(bytes(data))

    store = Cache(tmp_path).store("config", "s")
    assert store.get(sha("a")) is MISSING  # detected by its checksum, ignored
    assert store.get(sha("b")) == {"value": "y" * 100}  # the other entry is intact
    store.put(sha("a"), {"value": "x" * 100})  # the caller parsed again
    store.flush()
    assert Cache(tmp_path).store("config", "s").get(sha("a")) == {"value": "x" * 100}  # the new copy wins


def test_a_damaged_pack_is_ignored(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "s") as store:
        store.put(sha("a"), 1)
    (pack,) = packs(tmp_path)
    for damaged in (b"", pack.read_bytes()[:20], b"not a pack at all", pack.read_bytes()[:-3]):
        pack.write_bytes(damaged)
        assert Cache(tmp_path).store("config", "s").get(sha("a")) is MISSING


def test_an_entry_moved_to_another_namespace_is_refused(tmp_path: Path) -> None:
    with Cache(tmp_path).store("config", "one") as store:
        store.put(sha("a"), "one's product")
    (pack,) = packs(tmp_path)
    other = Cache(tmp_path).store("config", "two")
    assert other.folder is not None
    other.folder.mkdir(parents=True)
    (other.folder / pack.name).write_bytes(pack.read_bytes())
    assert Cache(tmp_path).store("config", "two").get(sha("a")) is MISSING


def test_disabling_and_the_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "gate"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_dir() == tmp_path / "home" / ".cache" / "gate"
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "explicit"))
    assert cache.default_dir() == tmp_path / "explicit"
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert cache.default_dir() is None
    off = Cache.from_env()
    assert not off.enabled
    with off.store("config", "s") as store:
        assert store.put(sha("a"), PRODUCT) is False
        assert store.get(sha("a")) is MISSING
    assert not (tmp_path / "explicit").exists()
    monkeypatch.setenv(cache.ENV_OFF, "0")
    assert Cache.from_env().enabled


def test_unwritable_folders_and_unstorable_products_are_not_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with Cache(blocker).store("config", "s") as store:
        assert store.put(sha("a"), PRODUCT)
        assert store.flush() is False
        assert store.get(sha("a")) is MISSING
    assert Cache(tmp_path).store("config", "s").put(sha("a"), object()) is False


def test_many_packs_are_merged(tmp_path: Path) -> None:
    for i in range(cache.MAX_PACKS + 3):
        with Cache(tmp_path).store("config", "s") as store:
            store.put(sha(str(i)), i)
    assert len(packs(tmp_path)) <= cache.MAX_PACKS
    store = Cache(tmp_path).store("config", "s")
    assert [store.get(sha(str(i))) for i in range(cache.MAX_PACKS + 3)] == list(range(cache.MAX_PACKS + 3))


def test_invalid_kind_is_a_bug() -> None:
    with pytest.raises(ValueError, match="invalid cache kind"):
        Cache(None).store("../escape", "s")


# --- the collectors that use it -----------------------------------------------------------------------------


CONFIGS = {
    "rl/envs/math.yaml": "name: math\n# a comment\ngrader:\n  inputs: [prompt, reasoning]\n",
    "rl/envs/code.yaml": "defaults: &d {inputs: [prompt]}\ngrader:\n  <<: *d\n",
    "rl/envs/web.toml": '[grader]\ninputs = ["prompt", "reasoning"]\n',
}


def test_config_findings_are_the_same_from_the_cache(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.model import ConfigSpec

    repo = git_repo()
    repo.commit(CONFIGS, "configs")
    spec = ConfigSpec.model_validate(
        {"kind": "config", "files": "rl/envs/*", "query": "grader.inputs", "assert": {"not_contains": "reasoning"}}
    )
    first = config.collect(spec, context(repo))
    assert [(o.path, o.line, o.col) for o in first.observations] == [
        ("rl/envs/math.yaml", 4, 20),
        ("rl/envs/web.toml", 2, None),
    ]

    parsed: list[str] = []
    real_yaml, real_toml = config.parse_yaml, config.parse_toml
    monkeypatch.setattr(config, "parse_yaml", lambda rel, text: parsed.append(rel) or real_yaml(rel, text))
    monkeypatch.setattr(config, "parse_toml", lambda rel, text: parsed.append(rel) or real_toml(rel, text))
    second = config.collect(spec, context(repo))
    assert second == first
    # Nothing was parsed for the data; the two findings were located by parsing their files once more.
    assert sorted(parsed) == ["rl/envs/math.yaml", "rl/envs/web.toml"]

    monkeypatch.setenv(cache.ENV_OFF, "1")
    parsed.clear()
    assert config.collect(spec, context(repo)) == first
    assert len(parsed) == 3


def test_a_config_rerun_reads_only_the_files_with_findings(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.evidence.context import RepoView
    from gate.model import ConfigSpec

    repo = git_repo()
    repo.commit(CONFIGS, "configs")
    raw = {"kind": "config", "files": "rl/envs/*", "query": "grader.inputs", "assert": {"not_contains": "reasoning"}}
    spec = ConfigSpec.model_validate(raw)
    first = config.collect(spec, context(repo))
    opened: list[str] = []
    real_read = RepoView.read_bytes

    def read_bytes(self: RepoView, rel: str, **kwargs: object) -> tuple[bytes, str]:
        opened.append(rel)
        return real_read(self, rel, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RepoView, "read_bytes", read_bytes)
    assert config.collect(spec, context(repo)) == first
    assert sorted(opened) == ["rl/envs/math.yaml", "rl/envs/web.toml"]  # to place the two findings

    # Another query over the same files: the documents come from the cache, what it finds is judged afresh.
    opened.clear()
    other = ConfigSpec.model_validate({**raw, "query": "name", "assert": {"equals": "math"}})
    alone = config.collect(other, context(repo))
    assert opened == []
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert config.collect(other, context(repo)) == alone
    assert alone.status == "ERROR"  # web.toml and code.yaml have no name


def test_import_records_are_the_same_from_the_cache(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.model import CodeImportsSpec

    repo = git_repo()
    repo.commit(
        {
            "rl/__init__.py": "",
            "rl/reward/__init__.py": "from . import score\n",
            "rl/reward/score.py": "import importlib\nfrom ..util import helper\nM = importlib.import_module('rl')\n",
            "rl/util/__init__.py": "",
            "rl/util/helper.py": "def f():\n    import rl.cot.trace\n",
            "rl/cot/__init__.py": "",
            "rl/cot/trace.py": "",
        },
        "code",
    )
    spec = CodeImportsSpec.model_validate({"kind": "code.imports", "source": "rl.reward", "forbidden": "rl.cot"})
    first = code.collect_imports(spec, context(repo))
    assert first.status == "FAIL"
    monkeypatch.setattr(code, "_parse", lambda rel, data: pytest.fail(f"parsed {rel} again"))
    assert code.collect_imports(spec, context(repo)) == first


def test_a_change_hidden_from_git_diff_is_an_error_with_a_warm_cache(git_repo) -> None:
    from gate.engine import run_collector
    from gate.model import CodeImportsSpec, ConfigSpec

    repo = git_repo()
    repo.commit({**CONFIGS, "rl/__init__.py": "", "rl/reward.py": "import os\n", "rl/cot.py": ""}, "configs and code")
    raw = {"kind": "config", "files": "rl/envs/*.yaml", "query": "grader.inputs", "assert": {"not_contains": "x"}}
    conf = ConfigSpec.model_validate(raw)
    imports = CodeImportsSpec.model_validate({"kind": "code.imports", "source": "rl.reward", "forbidden": "rl.cot"})
    assert run_collector(conf, context(repo)).status == "PASS"  # fills the cache
    assert run_collector(imports, context(repo)).status == "PASS"
    repo.write({"rl/envs/math.yaml": "grader: {inputs: [x]}\n", "rl/reward.py": "import rl.cot\n"})
    repo.repo.git.update_index("--assume-unchanged", "rl/envs/math.yaml", "rl/reward.py")
    for spec in (conf, imports):
        evidence = run_collector(spec, context(repo))
        assert evidence.status == "ERROR"
        assert "differs from the release commit" in evidence.summary
