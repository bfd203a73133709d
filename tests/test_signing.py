"""SSH signatures: interop with real ssh-keygen both ways, a real ssh-agent, and every way verification must fail."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate import signing
from gate.signing import PublicKey, SignatureInvalid, SigningError

NS = signing.SIGNOFF_NAMESPACE
DATA = b'{"release":"v1.2","decision":"approve"}\n'
ECDSA = ("ecdsa256", "ecdsa384", "ecdsa521")
ALL_KEYS = ("ed25519", "rsa", *ECDSA)


@dataclass(frozen=True)
class Key:
    path: Path
    public: PublicKey


def _keygen(folder: Path, name: str, *args: str) -> Key:
    path = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-N", "", "-C", f"{name}@example", "-f", str(path), *args],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    return Key(path, PublicKey.parse(path.with_name(name + ".pub").read_text()))


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    """Real keys made by ssh-keygen, once per session (RSA generation is slow)."""
    folder = tmp_path_factory.mktemp("keys")
    made = {
        "ed25519": _keygen(folder, "ed25519", "-t", "ed25519"),
        "other": _keygen(folder, "other", "-t", "ed25519"),
        "rsa": _keygen(folder, "rsa", "-t", "rsa", "-b", "2048"),
        "ecdsa256": _keygen(folder, "ecdsa256", "-t", "ecdsa", "-b", "256"),
        "ecdsa384": _keygen(folder, "ecdsa384", "-t", "ecdsa", "-b", "384"),
        "ecdsa521": _keygen(folder, "ecdsa521", "-t", "ecdsa", "-b", "521"),
        "pem": _keygen(folder, "pem", "-t", "ecdsa", "-m", "PEM"),
    }
    for name, extra in (("encrypted", ()), ("encrypted-pem", ("-m", "PEM"))):
        path = folder / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ecdsa" if extra else "ed25519", "-N", "secret", "-f", str(path), *extra],
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        made[name] = Key(path, PublicKey.parse(path.with_name(name + ".pub").read_text()))
    return made


def keygen_sign(key: Path, data: bytes, namespace: str = NS) -> str:
    result = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key)],
        input=data,
        capture_output=True,
        check=True,
        start_new_session=True,
    )
    return result.stdout.decode()


def keygen_verify(
    folder: Path, data: bytes, signature: str, key: PublicKey, namespace: str = NS
) -> subprocess.CompletedProcess[bytes]:
    allowed = folder / "allowed_signers"
    allowed.write_text(f"gate {key.line()}\n")
    sig = folder / "data.sig"
    sig.write_text(signature)
    return subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "gate", "-n", namespace, "-s", str(sig)],
        input=data,
        capture_output=True,
        check=False,
    )


def blob_of(signature: str) -> bytes:
    return base64.b64decode("".join(signature.strip().splitlines()[1:-1]))


def armor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode()
    body = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def fields(blob: bytes) -> list[bytes]:
    """The six fields after MAGIC and version: publickey, namespace, reserved, hash, signature."""
    out, pos = [], 10
    while pos < len(blob):
        (size,) = struct.unpack(">I", blob[pos : pos + 4])
        out.append(blob[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return out


def build(public: bytes, namespace: bytes, hash_name: bytes, signature: bytes) -> bytes:
    return (
        b"SSHSIG"
        + struct.pack(">I", 1)
        + b"".join(ssh_string(f) for f in (public, namespace, b"", hash_name, signature))
    )


# ---------------------------------------------------------------------------------------------
# Public keys


@pytest.mark.parametrize("name", [*ALL_KEYS, "encrypted"])
def test_fingerprint_equals_ssh_keygen_lf(keys: dict[str, Key], name: str) -> None:
    listed = subprocess.run(
        ["ssh-keygen", "-lf", str(keys[name].path.with_name(keys[name].path.name + ".pub"))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert keys[name].public.fingerprint == listed.stdout.split()[1]


def test_fingerprint_of_a_fido_key_equals_ssh_keygen_lf(tmp_path: Path) -> None:
    blob = ssh_string(b"sk-ssh-ed25519@openssh.com") + ssh_string(bytes(range(32))) + ssh_string(b"ssh:")
    line = f"sk-ssh-ed25519@openssh.com {base64.b64encode(blob).decode()} yubikey"
    (tmp_path / "sk.pub").write_text(line + "\n")
    listed = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "sk.pub")], capture_output=True, text=True, check=True)
    key = PublicKey.parse(line)
    assert (key.type, key.comment) == ("sk-ssh-ed25519@openssh.com", "yubikey")
    assert key.fingerprint == listed.stdout.split()[1]


def test_parse_reads_type_blob_and_comment_and_line_drops_the_comment(keys: dict[str, Key]) -> None:
    text = keys["ed25519"].path.with_name("ed25519.pub").read_text()
    key = PublicKey.parse(text)
    assert key.type == "ssh-ed25519"
    assert key.comment == "ed25519@example"
    assert key.blob[:15] == ssh_string(b"ssh-ed25519")
    assert key.line() == " ".join(text.split()[:2])
    assert PublicKey.parse(key.line()) == PublicKey(key.type, key.blob)


ED25519_B64 = base64.b64encode(ssh_string(b"ssh-ed25519") + ssh_string(bytes(32))).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the public key is empty"),
        ("   \n", "the public key is empty"),
        ("ssh-ed25519", "expected one line '<type> <base64 key> [comment]', as in a .pub file, got 'ssh-ed25519'"),
        (
            f"ssh-ed25519 {ED25519_B64}\nssh-ed25519 {ED25519_B64}",
            "expected one line '<type> <base64 key> [comment]', as in a .pub file, got "
            "'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...'",
        ),
        (
            "ssh-dss AAAAB3NzaC1kc3M=",
            "unsupported key type 'ssh-dss' (supported: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, "
            "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com)",
        ),
        ("ssh-ed25519 not*base64", "the key data is not valid base64"),
        (f"ssh-rsa {ED25519_B64}", "the key data is a 'ssh-ed25519' key, not 'ssh-rsa'"),
        (
            "ssh-ed25519 " + base64.b64encode(ssh_string(b"ssh-ed25519") + bytes(31)).decode(),
            "the ssh-ed25519 key data is malformed",
        ),
        (
            "ssh-ed25519 " + base64.b64encode(ssh_string(b"ssh-ed25519") + ssh_string(bytes(32)) + b"x").decode(),
            "the ssh-ed25519 key data is malformed",
        ),
        (
            "ssh-rsa "
            + base64.b64encode(
                ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x7f" * 64)
            ).decode(),
            "the RSA key has 511 bits; OpenSSH requires at least 1024",
        ),
        (
            "ecdsa-sha2-nistp256 "
            + base64.b64encode(
                ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp384") + ssh_string(b"\x04" + bytes(96))
            ).decode(),
            "the ecdsa-sha2-nistp256 key data is malformed",
        ),
        ("ssh-ed25519 AAAA\x00", "the public key contains a control character"),
    ],
)
def test_parse_rejects_junk_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        PublicKey.parse(text)
    assert str(caught.value) == message


def test_public_key_of_reads_the_pub_file_next_to_the_key(keys: dict[str, Key]) -> None:
    assert signing.public_key_of(keys["rsa"].path) == keys["rsa"].public
    assert signing.public_key_of(keys["rsa"].path.with_name("rsa.pub")) == keys["rsa"].public


@pytest.mark.parametrize("name", ["encrypted", "ecdsa384", "pem"])
def test_public_key_of_reads_the_private_key_when_there_is_no_pub_file(
    keys: dict[str, Key], tmp_path: Path, name: str
) -> None:
    # The public half of an OpenSSH key is stored unencrypted: no passphrase is needed (and none is asked).
    copy = tmp_path / "id"
    shutil.copy(keys[name].path, copy)
    assert signing.public_key_of(copy) == PublicKey(keys[name].public.type, keys[name].public.blob)


def test_public_key_of_an_encrypted_pem_key_without_pub_file_says_how_to_fix(
    keys: dict[str, Key], tmp_path: Path
) -> None:
    copy = tmp_path / "id"
    shutil.copy(keys["encrypted-pem"].path, copy)
    with pytest.raises(SigningError) as caught:
        signing.public_key_of(copy)
    assert caught.value.message == f"{copy} is encrypted: a passphrase is needed to read its public key"
    assert caught.value.hint == f"put its public key next to it as {copy}.pub (`ssh-keygen -y -f {copy} > {copy}.pub`)"


def test_public_key_of_refuses_a_pub_file_of_another_key(keys: dict[str, Key], tmp_path: Path) -> None:
    shutil.copy(keys["ed25519"].path, tmp_path / "id")
    (tmp_path / "id.pub").write_text(keys["other"].public.line() + "\n")
    with pytest.raises(SigningError) as caught:
        signing.public_key_of(tmp_path / "id")
    assert caught.value.message == f"{tmp_path / 'id.pub'} is not the public key of {tmp_path / 'id'}"
    assert caught.value.hint == f"regenerate it: ssh-keygen -y -f {tmp_path / 'id'} > {tmp_path / 'id.pub'}"


def test_public_key_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as caught:
        signing.public_key_of(tmp_path / "nope")
    assert caught.value.message == f"cannot read key file {tmp_path / 'nope'}: No such file or directory"
    assert caught.value.exit_code == 2


# ---------------------------------------------------------------------------------------------
# Interop with ssh-keygen, both ways


@pytest.mark.parametrize("name", [*ALL_KEYS, "pem"])
def test_signature_from_a_key_file_verifies_with_ssh_keygen(keys: dict[str, Key], tmp_path: Path, name: str) -> None:
    signature = signing.sign(DATA, namespace=NS, key_file=keys[name].path)
    result = keygen_verify(tmp_path, DATA, signature, keys[name].public)
    assert result.returncode == 0, result.stderr
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys[name].public]) == keys[name].public


@pytest.mark.parametrize("name", ALL_KEYS)
def test_ssh_keygen_signature_verifies(keys: dict[str, Key], name: str) -> None:
    signature = keygen_sign(keys[name].path, DATA)
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys[name].public]) == keys[name].public


@pytest.mark.parametrize("name", ["ed25519", "rsa"])
def test_deterministic_signatures_are_byte_for_byte_those_of_ssh_keygen(keys: dict[str, Key], name: str) -> None:
    # Ed25519 and RSA PKCS#1 v1.5 are deterministic: same blob, same armor (70 columns, trailing newline).
    assert signing.sign(DATA, namespace=NS, key_file=keys[name].path) == keygen_sign(keys[name].path, DATA)


def test_armor_is_ssh_keygen_armor(keys: dict[str, Key]) -> None:
    signature = signing.sign(b"x" * 1000, namespace=signing.ATTESTATION_NAMESPACE, key_file=keys["rsa"].path)
    lines = signature.split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----"
    assert lines[-2:] == ["-----END SSH SIGNATURE-----", ""]
    assert {len(line) for line in lines[1:-3]} == {70}
    assert 0 < len(lines[-3]) <= 70
    public, namespace, reserved, hash_name, _ = fields(blob_of(signature))
    assert blob_of(signature)[:10] == b"SSHSIG\x00\x00\x00\x01"
    assert (public, namespace, reserved, hash_name) == (keys["rsa"].public.blob, b"gate-attestation", b"", b"sha512")


def test_verify_accepts_sha256_signatures_as_ssh_keygen_does(keys: dict[str, Key], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = serialization.load_ssh_private_key(keys["ed25519"].path.read_bytes(), None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    signed = b"SSHSIG" + b"".join(ssh_string(f) for f in (NS.encode(), b"", b"sha256", hashlib.sha256(DATA).digest()))
    raw = private.sign(signed)
    signature = armor(
        build(keys["ed25519"].public.blob, NS.encode(), b"sha256", ssh_string(b"ssh-ed25519") + ssh_string(raw))
    )
    assert keygen_verify(tmp_path, DATA, signature, keys["ed25519"].public).returncode == 0
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys["ed25519"].public]) == keys["ed25519"].public


# ---------------------------------------------------------------------------------------------
# Verification failures: all SignatureInvalid (exit 1), never another exception


def invalid(data: bytes, signature: str, keys: list[PublicKey], namespace: str = NS) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify(data, signature, namespace=namespace, keys=keys)
    assert caught.value.exit_code == 1
    return caught.value.message


MISMATCH = "the signature does not match the data (the data or the signature changed)"


@pytest.mark.parametrize("name", ["ed25519", "rsa", "ecdsa256"])
def test_verify_rejects_the_wrong_namespace(keys: dict[str, Key], name: str) -> None:
    signature = signing.sign(DATA, namespace="gate-attestation", key_file=keys[name].path)
    assert (
        invalid(DATA, signature, [keys[name].public])
        == "the signature is for namespace 'gate-attestation', not 'gate-signoff'"
    )


def test_verify_rejects_a_git_signature_of_the_same_data(keys: dict[str, Key]) -> None:
    signature = keygen_sign(keys["ed25519"].path, DATA, namespace="git")
    assert (
        invalid(DATA, signature, [keys["ed25519"].public]) == "the signature is for namespace 'git', not 'gate-signoff'"
    )


@pytest.mark.parametrize("name", ALL_KEYS)
def test_verify_rejects_tampered_data(keys: dict[str, Key], name: str) -> None:
    signature = signing.sign(DATA, namespace=NS, key_file=keys[name].path)
    assert invalid(DATA.replace(b"approve", b"APPROVE"), signature, [keys[name].public]) == MISMATCH
    assert invalid(DATA + b" ", signature, [keys[name].public]) == MISMATCH


@pytest.mark.parametrize("name", ALL_KEYS)
def test_verify_rejects_tampered_signature_bytes(keys: dict[str, Key], name: str) -> None:
    public, namespace, _, hash_name, sig = fields(blob_of(signing.sign(DATA, namespace=NS, key_file=keys[name].path)))
    flipped = sig[:-5] + bytes([sig[-5] ^ 1]) + sig[-4:]
    assert invalid(DATA, armor(build(public, namespace, hash_name, flipped)), [keys[name].public]) in (
        MISMATCH,
        "the SSH signature is truncated or malformed",
    )


@pytest.mark.parametrize("name", ["ed25519", "rsa"])
def test_no_changed_byte_of_a_signature_verifies(keys: dict[str, Key], name: str) -> None:
    # Every single-byte change is rejected, including the inner length prefix, which the sshsig library reads
    # leniently: without the strict parse a signature would have a second encoding that still verifies.
    blob = blob_of(signing.sign(DATA, namespace=NS, key_file=keys[name].path))
    for i in range(len(blob)):
        for bit in (0x01, 0x80):
            changed = blob[:i] + bytes([blob[i] ^ bit]) + blob[i + 1 :]
            invalid(DATA, armor(changed), [keys[name].public])


def test_verify_rejects_a_changed_length_prefix_inside_the_signature(keys: dict[str, Key]) -> None:
    public, namespace, _, hash_name, sig = fields(
        blob_of(signing.sign(DATA, namespace=NS, key_file=keys["ed25519"].path))
    )
    algorithm, raw = sig[: len(ssh_string(b"ssh-ed25519"))], sig[len(ssh_string(b"ssh-ed25519")) + 4 :]
    longer = algorithm + struct.pack(">I", len(raw) + 1) + raw
    assert invalid(DATA, armor(build(public, namespace, hash_name, longer)), [keys["ed25519"].public]) == (
        "the SSH signature is truncated or malformed"
    )


def test_verify_rejects_a_signature_by_another_key(keys: dict[str, Key]) -> None:
    signature = signing.sign(DATA, namespace=NS, key_file=keys["other"].path)
    allowed = [keys["ed25519"].public, keys["rsa"].public]
    assert invalid(DATA, signature, allowed) == (
        f"signed by key {keys['other'].public.fingerprint}, which is not an allowed key"
    )
    assert (
        invalid(DATA, signature, []) == f"signed by key {keys['other'].public.fingerprint}, which is not an allowed key"
    )


@pytest.mark.parametrize(("forger", "victim"), [("other", "ed25519"), ("ecdsa256", "ecdsa256")])
def test_verify_rejects_a_signature_claiming_an_allowed_key(keys: dict[str, Key], forger: str, victim: str) -> None:
    # The embedded key is the allowed one; the signature was made by another key (for ECDSA: over other data).
    made = signing.sign(b"other data", namespace=NS, key_file=keys[forger].path)
    _, namespace, _, hash_name, sig = fields(blob_of(made))
    forged = armor(build(keys[victim].public.blob, namespace, hash_name, sig))
    assert invalid(DATA, forged, [keys[victim].public]) == MISMATCH


def test_verify_rejects_a_signature_algorithm_the_key_cannot_make(keys: dict[str, Key]) -> None:
    # ssh-rsa (SHA-1) signatures are refused by OpenSSH for SSHSIG; an Ed25519 key cannot make an RSA signature.
    public, namespace, _, hash_name, sig = fields(blob_of(signing.sign(DATA, namespace=NS, key_file=keys["rsa"].path)))
    as_sha1 = ssh_string(b"ssh-rsa") + sig[len(ssh_string(b"rsa-sha2-512")) :]
    assert invalid(DATA, armor(build(public, namespace, hash_name, as_sha1)), [keys["rsa"].public]) == (
        "a 'ssh-rsa' signature cannot come from a ssh-rsa key"
    )


@pytest.mark.parametrize("hash_name", [b"md5", b"sha1", b"SHA512", b""])
def test_verify_rejects_hash_algorithms_ssh_keygen_does_not_allow(keys: dict[str, Key], hash_name: bytes) -> None:
    public, namespace, _, _, sig = fields(blob_of(signing.sign(DATA, namespace=NS, key_file=keys["ed25519"].path)))
    shown = hash_name.decode()
    assert invalid(DATA, armor(build(public, namespace, hash_name, sig)), [keys["ed25519"].public]) == (
        f"unsupported SSHSIG hash algorithm '{shown}'"
    )


NOT_ARMORED = "not an armored SSH signature ('-----BEGIN SSH SIGNATURE-----' ... '-----END SSH SIGNATURE-----')"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", NOT_ARMORED),
        ("hello", NOT_ARMORED),
        ("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", NOT_ARMORED),
        ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", NOT_ARMORED),
        ("-----BEGIN PGP SIGNATURE-----\nU1NIU0lH\n-----END PGP SIGNATURE-----\n", NOT_ARMORED),
        (
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH*\n-----END SSH SIGNATURE-----\n",
            "the SSH signature's base64 is damaged",
        ),
        (
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0l\n-----END SSH SIGNATURE-----\n",
            "the SSH signature's base64 is damaged",
        ),
        (armor(b"SSHSIX" + bytes(40)), "not an SSHSIG signature (no 'SSHSIG' preamble)"),
        (armor(b"SSHSIG" + struct.pack(">I", 2) + bytes(20)), "unsupported SSHSIG version 2"),
        (armor(b"SSHSIG" + struct.pack(">I", 1) + b"\xff\xff\xff\xff"), "the SSH signature is truncated or malformed"),
        (
            "-----BEGIN SSH SIGNATURE-----\n" + "A" * 70_000 + "\n-----END SSH SIGNATURE-----\n",
            "the SSH signature is over 65536 characters",
        ),
    ],
)
def test_verify_rejects_garbage(keys: dict[str, Key], text: str, message: str) -> None:
    assert invalid(DATA, text, [keys["ed25519"].public]) == message


@pytest.mark.parametrize("name", ["ed25519", "rsa", "ecdsa256"])
def test_verify_rejects_every_truncation(keys: dict[str, Key], name: str) -> None:
    signature = signing.sign(DATA, namespace=NS, key_file=keys[name].path)
    for cut in range(0, len(signature) - 30, 11):
        invalid(DATA, signature[:cut], [keys[name].public])
    blob = blob_of(signature)
    for cut in range(0, len(blob), 7):
        invalid(DATA, armor(blob[:cut]), [keys[name].public])
    assert invalid(DATA, armor(blob + b"\0"), [keys[name].public]) == "the SSH signature is truncated or malformed"


def test_verify_returns_the_key_that_signed_among_several(keys: dict[str, Key]) -> None:
    allowed = [keys[name].public for name in ("other", "rsa", "ecdsa256", "ed25519")]
    for name in ("rsa", "ed25519", "ecdsa256"):
        assert signing.verify(DATA, keygen_sign(keys[name].path, DATA), namespace=NS, keys=allowed) == keys[name].public


def test_verify_accepts_crlf_line_ends_and_surrounding_blank_lines(keys: dict[str, Key]) -> None:
    signature = signing.sign(DATA, namespace=NS, key_file=keys["ed25519"].path)
    mangled = "\r\n" + signature.replace("\n", "\r\n") + "\r\n"
    assert signing.verify(DATA, mangled, namespace=NS, keys=[keys["ed25519"].public]) == keys["ed25519"].public


# ---------------------------------------------------------------------------------------------
# Key files: passphrases, formats, mistakes


class Asked:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.answer


@pytest.fixture(params=["in-process", "ssh-keygen"])
def decrypt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways an encrypted OpenSSH key is opened: cryptography (needs bcrypt) or `ssh-keygen -Y sign`."""
    if request.param == "in-process":
        pytest.importorskip("bcrypt", reason="cryptography needs the bcrypt package for OpenSSH's bcrypt KDF")
    else:
        monkeypatch.setattr(signing, "_bcrypt_available", lambda: False)
    return str(request.param)


def test_encrypted_key_signs_with_the_right_passphrase(keys: dict[str, Key], tmp_path: Path, decrypt: str) -> None:
    asked = Asked("secret")
    signature = signing.sign(DATA, namespace=NS, key_file=keys["encrypted"].path, passphrase=asked)
    assert asked.calls == 1
    assert keygen_verify(tmp_path, DATA, signature, keys["encrypted"].public).returncode == 0
    assert signature == keygen_sign_encrypted(keys["encrypted"].path, tmp_path)


def keygen_sign_encrypted(key: Path, folder: Path) -> str:
    askpass = folder / "askpass"
    askpass.write_text("#!/bin/sh\necho secret\n")
    askpass.chmod(0o700)
    env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
    result = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", NS, "-f", str(key)],
        input=DATA,
        capture_output=True,
        check=True,
        env=env,
        start_new_session=True,
    )
    return result.stdout.decode()


@pytest.mark.parametrize("answer", ["wrong", ""])
def test_wrong_passphrase_is_a_signing_error(keys: dict[str, Key], decrypt: str, answer: str) -> None:
    asked = Asked(answer)
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, key_file=keys["encrypted"].path, passphrase=asked)
    assert caught.value.message == f"wrong passphrase for {keys['encrypted'].path}"
    assert (caught.value.exit_code, asked.calls) == (2, 1)


def test_encrypted_key_without_a_passphrase_callback_is_a_signing_error(keys: dict[str, Key]) -> None:
    path = keys["encrypted"].path
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, key_file=path)
    assert caught.value.message == f"{path} is encrypted: a passphrase is needed to sign with it"
    assert (
        caught.value.hint
        == f"add the key to ssh-agent (`ssh-add {path}`), or give the passphrase when gate asks for it"
    )


def test_encrypted_pem_key(keys: dict[str, Key], tmp_path: Path) -> None:
    path = keys["encrypted-pem"].path
    signature = signing.sign(DATA, namespace=NS, key_file=path, passphrase=Asked("secret"))
    assert keygen_verify(tmp_path, DATA, signature, keys["encrypted-pem"].public).returncode == 0
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, key_file=path, passphrase=Asked("wrong"))
    assert caught.value.message == f"wrong passphrase for {path}"
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, key_file=path)
    assert caught.value.message == f"{path} is encrypted: a passphrase is needed to sign with it"


def test_an_unencrypted_key_never_asks_for_a_passphrase(keys: dict[str, Key]) -> None:
    asked = Asked("secret")
    signing.sign(DATA, namespace=NS, key_file=keys["ed25519"].path, passphrase=asked)
    assert asked.calls == 0


def test_sign_refuses_a_key_file_that_is_not_the_expected_key(keys: dict[str, Key]) -> None:
    asked = Asked("secret")
    with pytest.raises(SigningError) as caught:
        signing.sign(
            DATA, namespace=NS, key_file=keys["encrypted"].path, public_key=keys["other"].public, passphrase=asked
        )
    encrypted, other = keys["encrypted"], keys["other"]
    assert caught.value.message == (
        f"{encrypted.path} holds key {encrypted.public.fingerprint}, not {other.public.fingerprint}"
    )
    assert asked.calls == 0  # found out before asking anyone for a passphrase


def test_sign_refuses_a_file_that_is_not_a_key(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, key_file=tmp_path / "notes.txt")
    assert caught.value.message == f"{tmp_path / 'notes.txt'} is not an SSH private key (OpenSSH or PEM format)"


def test_sign_without_any_key_is_a_signing_error() -> None:
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS)
    assert caught.value.message == "no key to sign with"


@pytest.mark.parametrize("namespace", ["", "gate signoff", 'x"y', "-n"])
def test_sign_and_verify_refuse_a_bad_namespace(keys: dict[str, Key], namespace: str) -> None:
    with pytest.raises(ValueError, match="invalid SSHSIG namespace"):
        signing.sign(DATA, namespace=namespace, key_file=keys["ed25519"].path)
    with pytest.raises(ValueError, match="invalid SSHSIG namespace"):
        signing.verify(DATA, "", namespace=namespace, keys=[])


# ---------------------------------------------------------------------------------------------
# ssh-agent


@pytest.fixture
def ssh_agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real ssh-agent on its own socket, for this test only."""
    folder = Path(tempfile.mkdtemp(prefix="gate-agent-"))  # short: a unix socket path must fit in 108 bytes
    sock = folder / "agent.sock"
    proc = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(sock)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None, "ssh-agent exited"
            assert time.monotonic() < deadline, "ssh-agent did not create its socket"
            time.sleep(0.01)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield sock
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def ssh_add(key: Path) -> None:
    subprocess.run(["ssh-add", "-q", str(key)], stdin=subprocess.DEVNULL, capture_output=True, check=True)


def test_agent_keys_lists_the_agent_keys_with_comments(keys: dict[str, Key], ssh_agent: Path) -> None:
    assert signing.agent_keys() == []
    for name in ("ed25519", "rsa", "ecdsa256"):
        ssh_add(keys[name].path)
    assert signing.agent_keys() == [keys[name].public for name in ("ed25519", "rsa", "ecdsa256")]


@pytest.mark.parametrize("name", ["ed25519", "rsa", "ecdsa256"])
def test_sign_through_a_real_ssh_agent(keys: dict[str, Key], ssh_agent: Path, tmp_path: Path, name: str) -> None:
    ssh_add(keys[name].path)
    signature = signing.sign(DATA, namespace=NS, public_key=keys[name].public)
    assert keygen_verify(tmp_path, DATA, signature, keys[name].public).returncode == 0
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys[name].public]) == keys[name].public
    if name != "ecdsa256":  # deterministic: the agent's signature is the in-process one
        assert signature == signing.sign(DATA, namespace=NS, key_file=keys[name].path)


def test_a_pub_file_as_key_file_signs_through_the_agent(keys: dict[str, Key], ssh_agent: Path) -> None:
    ssh_add(keys["rsa"].path)
    signature = signing.sign(DATA, namespace=NS, key_file=keys["rsa"].path.with_suffix(".pub"))
    assert fields(blob_of(signature))[4][:16] == ssh_string(b"rsa-sha2-512")
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys["rsa"].public]) == keys["rsa"].public


def test_agent_without_the_key_is_a_signing_error(keys: dict[str, Key], ssh_agent: Path) -> None:
    ssh_add(keys["ed25519"].path)
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, public_key=keys["other"].public)
    assert caught.value.message == f"key {keys['other'].public.fingerprint} is not in the ssh-agent at {ssh_agent}"
    assert caught.value.hint == "add it with `ssh-add KEYFILE` (`ssh-add -l` lists what the agent holds)"


def test_no_agent_means_no_agent_keys_and_no_agent_signing(keys: dict[str, Key]) -> None:
    assert "SSH_AUTH_SOCK" not in os.environ  # the isolate fixture removed it
    assert signing.agent_keys() == []
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, public_key=keys["ed25519"].public)
    assert caught.value.message == "no ssh-agent to sign with: SSH_AUTH_SOCK is not set"
    assert caught.value.hint == "start ssh-agent and add your key with `ssh-add`, or sign with a key file (--key FILE)"


def test_a_stale_agent_socket_means_no_agent(
    keys: dict[str, Key], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "gone.sock"))
    assert signing.agent_keys() == []
    with pytest.raises(SigningError) as caught:
        signing.sign(DATA, namespace=NS, public_key=keys["ed25519"].public)
    assert caught.value.message == (
        f"no ssh-agent to sign with: cannot connect to {tmp_path / 'gone.sock'}: No such file or directory"
    )


# ---------------------------------------------------------------------------------------------
# ssh-keygen missing


def test_missing_ssh_keygen_is_a_signing_error_with_an_install_hint(
    keys: dict[str, Key], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ecdsa_signature = signing.sign(DATA, namespace=NS, key_file=keys["ecdsa256"].path)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(SigningError) as caught:
        signing.require_ssh_keygen()
    assert caught.value.message == (
        "ssh-keygen (OpenSSH client) is required to sign and verify SSH signatures, and it is not on PATH"
    )
    assert caught.value.hint is not None and "apt-get install openssh-client" in caught.value.hint
    assert caught.value.exit_code == 2
    # ECDSA verification needs it; Ed25519 and RSA sign and verify in-process without it.
    with pytest.raises(SigningError) as caught:
        signing.verify(DATA, ecdsa_signature, namespace=NS, keys=[keys["ecdsa256"].public])
    assert caught.value.hint is not None and "openssh-client" in caught.value.hint
    signature = signing.sign(DATA, namespace=NS, key_file=keys["ed25519"].path)
    assert signing.verify(DATA, signature, namespace=NS, keys=[keys["ed25519"].public]) == keys["ed25519"].public


def test_require_ssh_keygen_returns_its_path() -> None:
    assert signing.require_ssh_keygen() == shutil.which("ssh-keygen")
