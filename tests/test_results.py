"""Results bookkeeping that digests depend on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.model import canonical_json
from gate.results import Read, read_fields, read_key


def test_read_key_covers_every_field_of_a_read() -> None:
    # read_key spells the fields out; a new field must be added there, or equal keys would hide different reads.
    assert set(Read.model_fields) == {"path", "root", "sha256", "commit"}


@pytest.mark.parametrize(
    "read",
    [
        Read(path="rl/envs/a.yaml", root="repo", sha256="ab" * 32),
        Read(commit="0" * 40),
        Read(path='we"ird\\na\u00efve\u2028\x01.yaml', root="artifacts", sha256=None),
    ],
)
def test_read_key_is_the_canonical_json_of_the_read(read: Read) -> None:
    assert read_key(read) == canonical_json(read.model_dump(mode="json"))
    assert read_fields(read) == read.model_dump(mode="json", exclude_defaults=True)


@given(path=st.text(), sha=st.none() | st.text(alphabet="0123456789abcdef"), commit=st.none() | st.text())
def test_read_key_matches_canonical_json_for_any_text(path: str, sha: str | None, commit: str | None) -> None:
    read = Read(path=path, root="subject", sha256=sha, commit=commit)
    assert read_key(read) == canonical_json(read.model_dump(mode="json"))
    assert read_fields(read) == read.model_dump(mode="json", exclude_defaults=True)
