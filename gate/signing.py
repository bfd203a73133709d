"""SSH signatures (SSHSIG, OpenSSH's PROTOCOL.sshsig) for sign-off entries and attestations.

Owns public-key parsing, signing (a key file in-process, or a key in ssh-agent over its socket) and verification
against keys the caller trusts. It never prompts on a terminal (the TUI owns it), never prints, never reads signers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.util
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gate.errors import GateError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

SIGNOFF_NAMESPACE = "gate-signoff"
ATTESTATION_NAMESPACE = "gate-attestation"

# PROTOCOL.sshsig: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig
_MAGIC = b"SSHSIG"
_SIG_VERSION = 1
_HASH = "sha512"  # what ssh-keygen writes; "sha256" is the only other value the spec allows
_HASHES = ("sha256", "sha512")
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_ARMOR_WIDTH = 70  # ssh-keygen wraps the base64 at 70 columns (sshsig.c, sshsig_armor)
_MAX_SIGNATURE_CHARS = 64 * 1024  # an RSA-16384 signature is under 6 KiB armored
_NAMESPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9@._-]*")
_MIN_RSA_BITS = 1024  # OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: ssh-keygen refuses shorter keys

_ECDSA_CURVES = {"nistp256": 32, "nistp384": 48, "nistp521": 66}  # curve -> coordinate bytes
_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_IN_PROCESS_TYPES = ("ssh-ed25519", "ssh-rsa")  # what the sshsig library verifies; the rest go to ssh-keygen

# ssh-agent protocol (draft-miller-ssh-agent): https://datatracker.ietf.org/doc/html/draft-miller-ssh-agent
_AGENT_FAILURE = 5
_AGENTC_REQUEST_IDENTITIES = 11
_AGENT_IDENTITIES_ANSWER = 12
_AGENTC_SIGN_REQUEST = 13
_AGENT_SIGN_RESPONSE = 14
_AGENT_RSA_SHA2_512 = 4
_AGENT_MAX_REPLY = 256 * 1024
_AGENT_LIST_TIMEOUT = 10.0
_AGENT_SIGN_TIMEOUT = 120.0  # a FIDO key waits for a touch, a confirm-on-use key for a click

_SSH_KEYGEN_HINT = (
    "install the OpenSSH client: `apt-get install openssh-client` (Debian, Ubuntu), `dnf install openssh-clients` "
    "(Fedora); macOS ships it; on Windows add the 'OpenSSH Client' optional feature"
)


class SigningError(GateError):
    """Cannot sign (or run the verifier): no key, wrong passphrase, no agent, ssh-keygen missing. Exit 2."""


class SignatureInvalid(GateError):  # noqa: N818 - an expected verdict, named for it (STYLE)
    """A signature failed verification: bad armor, wrong namespace, a key not allowed, or a bad signature."""

    exit_code = 1


# ---------------------------------------------------------------------------------------------
# SSH wire format (RFC 4251 section 5)


class _MalformedError(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def raw(self, size: int) -> bytes:
        if self._pos + size > len(self._data):
            raise _MalformedError("truncated")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.raw(4))[0]
        return value

    def string(self) -> bytes:
        return self.raw(self.uint32())

    def mpint(self) -> int:
        data = self.string()
        if data and data[0] & 0x80:
            raise _MalformedError("negative mpint")
        return int.from_bytes(data, "big")

    def end(self) -> None:
        if self._pos != len(self._data):
            raise _MalformedError("trailing bytes")


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    # Two's complement, big-endian, minimal: a leading zero byte when the top bit is set; zero is empty.
    data = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return _string(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"'{shown}'"


def _fingerprint(blob: bytes) -> str:
    return "SHA256:" + _b64(hashlib.sha256(blob).digest()).rstrip("=")


# ---------------------------------------------------------------------------------------------
# Public keys


def _check_key_blob(key_type: str, blob: bytes) -> None:
    """Raise ValueError unless `blob` is a well-formed public key of `key_type` (PROTOCOL.key, RFC 4253/5656)."""
    reader = _Reader(blob)
    try:
        inner = reader.string().decode("ascii", errors="replace")
        if inner != key_type:
            raise ValueError(f"the key data is a {_quote(inner)} key, not {_quote(key_type)}")
        if key_type in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
            if len(reader.string()) != 32:
                raise _MalformedError("an Ed25519 key is 32 bytes")
        elif key_type == "ssh-rsa":
            exponent, modulus = reader.mpint(), reader.mpint()
            if exponent < 3:
                raise _MalformedError("exponent")
            if modulus.bit_length() < _MIN_RSA_BITS:
                raise ValueError(
                    f"the RSA key has {modulus.bit_length()} bits; OpenSSH requires at least {_MIN_RSA_BITS}"
                )
        else:  # ECDSA, plain or FIDO
            curve = reader.string().decode("ascii", errors="replace")
            if curve != key_type.removesuffix("@openssh.com").rsplit("-", 1)[1] or curve not in _ECDSA_CURVES:
                raise _MalformedError("curve name")
            point = reader.string()
            if len(point) != 1 + 2 * _ECDSA_CURVES[curve] or point[0] != 4:
                raise _MalformedError("an uncompressed curve point")
        if key_type.startswith("sk-"):
            reader.string()  # the FIDO application, usually "ssh:"
        reader.end()
    except _MalformedError:
        raise ValueError(f"the {key_type} key data is malformed") from None


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: its type, the wire-format blob, and the comment of its .pub line (not part of identity)."""

    type: str
    blob: bytes
    comment: str = ""

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """Parse `ssh-ed25519 AAAA... comment` (a .pub line); ValueError saying what is wrong."""
        if any((ord(c) < 32 and c not in "\t\r\n") or ord(c) == 127 for c in text):
            raise ValueError("the public key contains a control character")
        parts = text.strip().split(None, 2)
        if not parts:
            raise ValueError("the public key is empty")
        if len(parts) < 2 or "\n" in text.strip():
            raise ValueError(
                f"expected one line '<type> <base64 key> [comment]', as in a .pub file, got {_quote(text)}"
            )
        key_type, data = parts[0], parts[1]
        if key_type not in _KEY_TYPES:
            raise ValueError(f"unsupported key type {_quote(key_type)} (supported: {', '.join(_KEY_TYPES)})")
        try:
            blob = base64.b64decode(data, validate=True)
        except binascii.Error:
            raise ValueError("the key data is not valid base64") from None
        _check_key_blob(key_type, blob)
        return cls(key_type, blob, parts[2].strip() if len(parts) > 2 else "")

    @classmethod
    def from_blob(cls, blob: bytes, comment: str = "") -> PublicKey:
        """A key from its wire format (as an agent or a signature carries it); ValueError if unsupported."""
        try:
            key_type = _Reader(blob).string().decode("ascii")
        except (_MalformedError, UnicodeDecodeError):
            raise ValueError("the key data is malformed") from None
        if key_type not in _KEY_TYPES:
            raise ValueError(f"unsupported key type {_quote(key_type)}")
        _check_key_blob(key_type, blob)
        return cls(key_type, blob, comment)

    @property
    def fingerprint(self) -> str:
        """`SHA256:<base64, no padding>`, exactly as `ssh-keygen -lf` prints it."""
        return _fingerprint(self.blob)

    def line(self) -> str:
        """`<type> <base64>`, without the comment (an allowed_signers or authorized_keys key field)."""
        return f"{self.type} {_b64(self.blob)}"


def require_ssh_keygen() -> str:
    """The path of `ssh-keygen`, or SigningError with an install hint when it is not on PATH."""
    path = shutil.which("ssh-keygen")
    if path is None:
        raise SigningError(
            "ssh-keygen (OpenSSH client) is required to sign and verify SSH signatures, and it is not on PATH",
            hint=_SSH_KEYGEN_HINT,
        )
    return path


def _read_key_file(key_file: Path) -> bytes:
    try:
        if key_file.stat().st_size > 1024 * 1024:
            raise SigningError(f"{key_file} is over 1 MiB: not an SSH key")
        return key_file.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read key file {key_file}: {exc.strerror or exc}") from None


def _as_public_key(data: bytes) -> PublicKey | None:
    """The key if `data` is a .pub file's text, else None."""
    try:
        return PublicKey.parse(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@dataclass(frozen=True)
class _OpenSSHKey:
    cipher: str
    public_blob: bytes


_OPENSSH_BEGIN = b"-----BEGIN OPENSSH PRIVATE KEY-----"
_OPENSSH_END = b"-----END OPENSSH PRIVATE KEY-----"


def _openssh_header(data: bytes) -> _OpenSSHKey | None:
    """The unencrypted header of an OpenSSH-format private key (PROTOCOL.key), or None for another format."""
    text = data.strip()
    if not text.startswith(_OPENSSH_BEGIN):
        return None
    body = text[len(_OPENSSH_BEGIN) :]
    end = body.find(_OPENSSH_END)
    if end < 0:
        raise ValueError("the OpenSSH private key has no END line")
    try:
        raw = base64.b64decode(b"".join(body[:end].split()), validate=True)
        reader = _Reader(raw)
        if reader.raw(15) != b"openssh-key-v1\0":
            raise _MalformedError("magic")
        cipher = reader.string().decode("ascii")
        reader.string()  # kdfname
        reader.string()  # kdfoptions
        if reader.uint32() != 1:
            raise _MalformedError("one key per file")
        return _OpenSSHKey(cipher, reader.string())
    except (binascii.Error, _MalformedError, UnicodeDecodeError):
        raise ValueError("the OpenSSH private key is malformed") from None


def public_key_of(key_file: Path) -> PublicKey:
    """The public key of a private key file: from KEY.pub next to it, else from the key file itself.

    An OpenSSH-format key stores its public part unencrypted, so an encrypted key needs no passphrase here.
    A .pub that does not match the private key is an error. `key_file` may also be a .pub file itself.
    """
    data = _read_key_file(key_file)
    own = _as_public_key(data)
    if own is not None:
        return own
    try:
        header = _openssh_header(data)
    except ValueError as exc:
        raise SigningError(f"{key_file}: {exc}") from None
    pub_file = key_file.with_name(key_file.name + ".pub")
    from_pub: PublicKey | None = None
    if pub_file.is_file():
        try:
            from_pub = PublicKey.parse(_read_key_file(pub_file).decode("utf-8", errors="replace"))
        except ValueError as exc:
            raise SigningError(f"{pub_file}: {exc}") from None
    if header is not None:
        if from_pub is not None and from_pub.blob != header.public_blob:
            raise SigningError(
                f"{pub_file} is not the public key of {key_file}",
                hint=f"regenerate it: ssh-keygen -y -f {key_file} > {pub_file}",
            )
        if from_pub is not None:
            return from_pub
        try:
            return PublicKey.from_blob(header.public_blob)
        except ValueError as exc:
            raise SigningError(f"{key_file}: {exc}") from None
    if from_pub is not None:
        return from_pub
    # A PEM key (ssh-keygen -m PEM): only readable in full, so only when unencrypted.
    hint = f"put its public key next to it as {pub_file} (`ssh-keygen -y -f {key_file} > {pub_file}`)"
    key = _load_pem(key_file, data, passphrase=None, reason="to read its public key", hint=hint)
    return _public_key_of_private(key, key_file)


# ---------------------------------------------------------------------------------------------
# ssh-agent


class _AgentUnreachableError(Exception):
    pass


def _agent_request(message: bytes, *, timeout: float) -> tuple[int, bytes]:
    path = os.environ.get("SSH_AUTH_SOCK")
    if not path:
        raise _AgentUnreachableError("SSH_AUTH_SOCK is not set")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as exc:
            raise _AgentUnreachableError(f"cannot connect to {path}: {exc.strerror or exc}") from None
        try:
            sock.sendall(_string(message))
            size = struct.unpack(">I", _recv_exact(sock, 4))[0]
            if not 1 <= size <= _AGENT_MAX_REPLY:
                raise SigningError(f"ssh-agent at {path} sent a reply of {size} bytes")
            reply = _recv_exact(sock, size)
        except TimeoutError:
            raise SigningError(f"ssh-agent at {path} did not answer within {timeout:.0f} s") from None
        except OSError as exc:
            raise SigningError(f"lost the connection to ssh-agent at {path}: {exc.strerror or exc}") from None
    return reply[0], reply[1:]


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionResetError("the agent closed the connection")
        chunks += chunk
    return bytes(chunks)


def _agent_identities() -> list[PublicKey]:
    kind, body = _agent_request(bytes([_AGENTC_REQUEST_IDENTITIES]), timeout=_AGENT_LIST_TIMEOUT)
    if kind == _AGENT_FAILURE:  # e.g. a locked agent
        return []
    if kind != _AGENT_IDENTITIES_ANSWER:
        raise SigningError(f"ssh-agent answered a key listing with message type {kind}")
    keys: list[PublicKey] = []
    try:
        reader = _Reader(body)
        for _ in range(reader.uint32()):
            blob, comment = reader.string(), reader.string()
            try:
                keys.append(PublicKey.from_blob(blob, comment.decode("utf-8", errors="replace")))
            except ValueError:
                continue
        reader.end()
    except _MalformedError:
        raise SigningError("ssh-agent sent a malformed key list") from None
    return keys


def agent_keys() -> list[PublicKey]:
    """The keys in the ssh-agent at SSH_AUTH_SOCK, in the agent's order; [] when there is no agent to reach.

    Keys gate cannot use (certificates, DSA) are left out. A reachable agent that talks nonsense is a SigningError.
    """
    try:
        return _agent_identities()
    except _AgentUnreachableError:
        return []


def _agent_sign(public_key: PublicKey, to_sign: bytes) -> bytes:
    """The SSH signature (string algorithm || string blob) the agent makes over `to_sign`."""
    hint = "start ssh-agent and add your key with `ssh-add`, or sign with a key file (--key FILE)"
    try:
        present = _agent_identities()
    except _AgentUnreachableError as exc:
        raise SigningError(f"no ssh-agent to sign with: {exc}", hint=hint) from None
    if all(key.blob != public_key.blob for key in present):
        raise SigningError(
            f"key {public_key.fingerprint} is not in the ssh-agent at {os.environ.get('SSH_AUTH_SOCK')}",
            hint="add it with `ssh-add KEYFILE` (`ssh-add -l` lists what the agent holds)",
        )
    flags = _AGENT_RSA_SHA2_512 if public_key.type == "ssh-rsa" else 0
    request = bytes([_AGENTC_SIGN_REQUEST]) + _string(public_key.blob) + _string(to_sign) + struct.pack(">I", flags)
    try:
        kind, body = _agent_request(request, timeout=_AGENT_SIGN_TIMEOUT)
    except _AgentUnreachableError as exc:
        raise SigningError(f"ssh-agent is unreachable: {exc}") from None
    if kind == _AGENT_FAILURE:
        raise SigningError(
            f"ssh-agent refused to sign with {public_key.fingerprint}",
            hint="a confirm-on-use key (ssh-add -c) must be confirmed, and a security key touched",
        )
    if kind != _AGENT_SIGN_RESPONSE:
        raise SigningError(f"ssh-agent answered a sign request with message type {kind}")
    try:
        reader = _Reader(body)
        signature = reader.string()
        reader.end()
        algorithm = _Reader(signature).string().decode("ascii", errors="replace")
    except _MalformedError:
        raise SigningError("ssh-agent sent a malformed signature") from None
    expected = "rsa-sha2-512" if public_key.type == "ssh-rsa" else public_key.type
    if algorithm != expected:
        raise SigningError(f"ssh-agent signed with {_quote(algorithm)}, not {_quote(expected)}")
    return signature


# ---------------------------------------------------------------------------------------------
# Signing


def _check_namespace(namespace: str) -> None:
    if not _NAMESPACE_PATTERN.fullmatch(namespace):
        raise ValueError(f"invalid SSHSIG namespace {namespace!r}")


def _to_sign(namespace: str, data: bytes, hash_name: str = _HASH) -> bytes:
    """The bytes the key signs (PROTOCOL.sshsig, 'Signed Data'): the message enters only through its hash."""
    digest = hashlib.new(hash_name, data).digest()
    return _MAGIC + _string(namespace.encode()) + _string(b"") + _string(hash_name.encode()) + _string(digest)


def _sshsig_blob(public_blob: bytes, namespace: str, signature: bytes) -> bytes:
    return (
        _MAGIC
        + struct.pack(">I", _SIG_VERSION)
        + _string(public_blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(_HASH.encode())
        + _string(signature)
    )


def _armor(blob: bytes) -> str:
    text = _b64(blob)
    lines = [text[i : i + _ARMOR_WIDTH] for i in range(0, len(text), _ARMOR_WIDTH)]
    return "\n".join([_BEGIN, *lines, _END]) + "\n"


def _load_pem(
    key_file: Path, data: bytes, *, passphrase: Callable[[], str] | None, reason: str, hint: str
) -> PrivateKeyTypes:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        pass  # encrypted
    except (ValueError, UnsupportedAlgorithm):
        raise SigningError(f"{key_file} is not an SSH private key (OpenSSH or PEM format)") from None
    if passphrase is None:
        raise SigningError(f"{key_file} is encrypted: a passphrase is needed {reason}", hint=hint)
    secret = passphrase()
    if not secret:
        raise SigningError(f"wrong passphrase for {key_file}")
    try:
        return serialization.load_pem_private_key(data, password=secret.encode())
    except (TypeError, ValueError):
        raise SigningError(f"wrong passphrase for {key_file}") from None


def _encrypted_hint(key_file: Path) -> str:
    return f"add the key to ssh-agent (`ssh-add {key_file}`), or give the passphrase when gate asks for it"


def _bcrypt_available() -> bool:
    """Whether cryptography can run OpenSSH's bcrypt KDF in-process (it needs the `bcrypt` package)."""
    return importlib.util.find_spec("bcrypt") is not None


def _public_key_of_private(key: PrivateKeyTypes, key_file: Path) -> PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError(f"{key_file}: unsupported key type (gate signs with Ed25519, RSA and ECDSA keys)")
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    try:
        return PublicKey.parse(line.decode("ascii"))
    except ValueError as exc:
        raise SigningError(f"{key_file}: {exc}") from None


def _sign_in_process(key: PrivateKeyTypes, key_file: Path, to_sign: bytes) -> tuple[PublicKey, bytes]:
    """The public key and the SSH signature (string algorithm || string blob) over `to_sign`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

    public = _public_key_of_private(key, key_file)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return public, _string(b"ssh-ed25519") + _string(key.sign(to_sign))
    if isinstance(key, rsa.RSAPrivateKey):
        # rsa-sha2-512 (RFC 8332), as ssh-keygen uses for SSHSIG; ssh-rsa (SHA-1) signatures are refused by OpenSSH.
        raw = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA512())
        return public, _string(b"rsa-sha2-512") + _string(raw)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # RFC 5656 section 6.2.1: the hash follows the curve size; the blob is mpint r || mpint s.
        curve_hashes: dict[str, hashes.HashAlgorithm] = {
            "ecdsa-sha2-nistp256": hashes.SHA256(),
            "ecdsa-sha2-nistp384": hashes.SHA384(),
            "ecdsa-sha2-nistp521": hashes.SHA512(),
        }
        r, s = utils.decode_dss_signature(key.sign(to_sign, ec.ECDSA(curve_hashes[public.type])))
        return public, _string(public.type.encode()) + _string(_mpint(r) + _mpint(s))
    raise SigningError(f"{key_file}: unsupported key type")  # pragma: no cover - _public_key_of_private refused it


_ASKPASS_SCRIPT = '#!/bin/sh\nprintf "%s\\n" "$GATE_SSH_PASSPHRASE"\n'


def _sign_with_ssh_keygen(key_file: Path, data: bytes, namespace: str, key_bytes: bytes, secret: str) -> str:
    """Sign with an encrypted OpenSSH key through `ssh-keygen -Y sign` when the bcrypt KDF is not in-process.

    The passphrase reaches ssh-keygen through a one-off SSH_ASKPASS helper (SSH_ASKPASS_REQUIRE=force), and the
    process has no controlling terminal (start_new_session), so it can never prompt on the TUI's terminal.
    """
    exe = require_ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="gate-sign-") as tmp:
        copy = Path(tmp, "key")  # a 0600 copy: the very bytes we read, and no "permissions too open" refusal
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_bytes)
        askpass = Path(tmp, "askpass")
        askpass.write_text(_ASKPASS_SCRIPT)
        askpass.chmod(0o700)
        env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "DISPLAY")}
        env.update(SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", GATE_SSH_PASSPHRASE=secret)
        try:
            proc = subprocess.run(
                [exe, "-Y", "sign", "-n", namespace, "-f", str(copy)],
                input=data,
                capture_output=True,
                env=env,
                timeout=120,
                start_new_session=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SigningError(f"ssh-keygen did not finish signing with {key_file} within 120 s") from None
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        if "incorrect passphrase" in stderr:
            raise SigningError(f"wrong passphrase for {key_file}")
        lines = [line for line in stderr.splitlines() if line.strip() and "Signing data" not in line]
        detail = lines[-1].strip() if lines else f"exit status {proc.returncode}"
        raise SigningError(
            f"ssh-keygen could not sign with {key_file}: {detail}",
            hint=f"add the key to ssh-agent (`ssh-add {key_file}`); installing the Python package bcrypt lets gate "
            "open encrypted keys itself",
        )
    try:
        return _armor(_dearmor(proc.stdout.decode("ascii")))
    except (SignatureInvalid, UnicodeDecodeError):
        raise SigningError("ssh-keygen wrote something that is not an SSH signature") from None


def sign(
    data: bytes,
    *,
    namespace: str,
    key_file: Path | None = None,
    public_key: PublicKey | None = None,
    passphrase: Callable[[], str] | None = None,
) -> str:
    """Sign `data` (SSHSIG, `namespace`); returns the armored `-----BEGIN SSH SIGNATURE-----` text.

    With `key_file`, the private key is read in-process and `passphrase` is called (once) only if it is encrypted;
    with `public_key` as well, the file must hold that key. `public_key` alone, or a .pub file as `key_file`
    (as git's user.signingKey), signs through the ssh-agent at SSH_AUTH_SOCK.
    Nothing here ever prompts on a terminal. Raises SigningError when it cannot sign.
    """
    _check_namespace(namespace)
    to_sign = _to_sign(namespace, data)
    if key_file is None:
        if public_key is None:
            raise SigningError("no key to sign with", hint="pass --key FILE, or add your key to ssh-agent")
        return _armor(_sshsig_blob(public_key.blob, namespace, _agent_sign(public_key, to_sign)))

    key_bytes = _read_key_file(key_file)
    as_public = _as_public_key(key_bytes)
    if as_public is not None:
        _check_same_key(key_file, as_public.blob, public_key)
        return _armor(_sshsig_blob(as_public.blob, namespace, _agent_sign(as_public, to_sign)))

    ask = _once(passphrase) if passphrase is not None else None
    key = _load_private_key(key_file, key_bytes, ask, public_key)
    if key is None:  # an encrypted OpenSSH key cryptography cannot decrypt here: ssh-keygen signs (no prompt)
        assert ask is not None  # _load_private_key returns None only for an encrypted key and a callback
        secret = ask()
        if not secret:
            raise SigningError(f"wrong passphrase for {key_file}")
        return _sign_with_ssh_keygen(key_file, data, namespace, key_bytes, secret)
    public, signature = _sign_in_process(key, key_file, to_sign)
    _check_same_key(key_file, public.blob, public_key)
    return _armor(_sshsig_blob(public.blob, namespace, signature))


def _once(passphrase: Callable[[], str]) -> Callable[[], str]:
    """The callback, asked at most once: the in-process attempt and the ssh-keygen fallback share the answer."""
    answers: list[str] = []

    def ask() -> str:
        if not answers:
            answers.append(passphrase())
        return answers[0]

    return ask


def _check_same_key(key_file: Path, blob: bytes, public_key: PublicKey | None) -> None:
    if public_key is not None and public_key.blob != blob:
        raise SigningError(f"{key_file} holds key {_fingerprint(blob)}, not {public_key.fingerprint}")


def _load_private_key(
    key_file: Path, key_bytes: bytes, passphrase: Callable[[], str] | None, public_key: PublicKey | None
) -> PrivateKeyTypes | None:
    """The private key in-process; None for an encrypted OpenSSH key that only ssh-keygen can decrypt here."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        header = _openssh_header(key_bytes)
    except ValueError as exc:
        raise SigningError(f"{key_file}: {exc}") from None
    if header is None:
        return _load_pem(
            key_file, key_bytes, passphrase=passphrase, reason="to sign with it", hint=_encrypted_hint(key_file)
        )
    _check_same_key(key_file, header.public_blob, public_key)  # before asking anyone for a passphrase
    key_type = _Reader(header.public_blob).string().decode("ascii", errors="replace")
    if key_type.startswith("sk-"):
        raise SigningError(
            f"{key_file} is a FIDO security key ({key_type}): gate signs with it only through ssh-agent",
            hint=f"add it with `ssh-add {key_file}`, then sign without --key",
        )
    if header.cipher == "none":
        try:
            return serialization.load_ssh_private_key(key_bytes, password=None)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SigningError(f"{key_file}: cannot load the private key: {exc}") from None
    if passphrase is None:
        raise SigningError(
            f"{key_file} is encrypted: a passphrase is needed to sign with it", hint=_encrypted_hint(key_file)
        )
    if not _bcrypt_available():  # cryptography needs the bcrypt package for OpenSSH's KDF
        return None
    secret = passphrase()
    if not secret:
        raise SigningError(f"wrong passphrase for {key_file}")
    try:
        return serialization.load_ssh_private_key(key_bytes, password=secret.encode())
    except UnsupportedAlgorithm:
        return None  # a cipher cryptography lacks; ssh-keygen knows them all
    except (TypeError, ValueError):
        raise SigningError(f"wrong passphrase for {key_file}") from None


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class _Sshsig:
    public_blob: bytes
    namespace: bytes
    hash_algorithm: bytes
    signature: bytes


def _dearmor(text: str) -> bytes:
    if len(text) > _MAX_SIGNATURE_CHARS:
        raise SignatureInvalid(f"the SSH signature is over {_MAX_SIGNATURE_CHARS} characters")
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise SignatureInvalid(f"not an armored SSH signature ('{_BEGIN}' ... '{_END}')")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("the SSH signature's base64 is damaged") from None


def _parse_sshsig(blob: bytes) -> _Sshsig:
    """PROTOCOL.sshsig 'Blob format', strictly: nothing missing, nothing after the signature."""
    reader = _Reader(blob)
    try:
        if reader.raw(6) != _MAGIC:
            raise SignatureInvalid("not an SSHSIG signature (no 'SSHSIG' preamble)")
        version = reader.uint32()
        if version != _SIG_VERSION:
            raise SignatureInvalid(f"unsupported SSHSIG version {version}")
        parsed = _Sshsig(
            public_blob=reader.string(),
            namespace=reader.string(),
            hash_algorithm=(reader.string(), reader.string())[1],  # the reserved field, then the hash name
            signature=reader.string(),
        )
        reader.end()
    except _MalformedError:
        raise SignatureInvalid("the SSH signature is truncated or malformed") from None
    return parsed


def _canonical_blob(sig: _Sshsig) -> bytes:
    """The signature re-encoded from its parsed fields (the ignored reserved field empty)."""
    return (
        _MAGIC
        + struct.pack(">I", _SIG_VERSION)
        + _string(sig.public_blob)
        + _string(sig.namespace)
        + _string(b"")
        + _string(sig.hash_algorithm)
        + _string(sig.signature)
    )


def _signature_algorithm(signature: bytes) -> str:
    try:
        return _Reader(signature).string().decode("ascii")
    except (_MalformedError, UnicodeDecodeError):
        raise SignatureInvalid("the SSH signature is truncated or malformed") from None


def _check_signature_encoding(signer: PublicKey, signature: bytes) -> None:
    """The signature field holds exactly one well-formed signature for the key type, and nothing else.

    The sshsig library reads a short string without complaint, so a changed length prefix would still verify;
    parsing strictly here keeps a signature from having two encodings (RFC 8709, RFC 8332, RFC 5656, PROTOCOL.u2f).
    """
    reader = _Reader(signature)
    try:
        reader.string()  # the algorithm, checked by the caller
        raw = reader.string()
        if signer.type in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
            if len(raw) != 64:
                raise _MalformedError("an Ed25519 signature is 64 bytes")
        elif signer.type == "ssh-rsa":
            key = _Reader(signer.blob)
            key.string()
            key.mpint()
            if len(raw) != (key.mpint().bit_length() + 7) // 8:
                raise _MalformedError("an RSA signature is as long as the modulus")
        else:
            pair = _Reader(raw)
            pair.mpint()
            pair.mpint()
            pair.end()
        if signer.type.startswith("sk-"):
            reader.raw(1)  # flags
            reader.uint32()  # counter
        reader.end()
    except _MalformedError:
        raise SignatureInvalid("the SSH signature is truncated or malformed") from None


def verify(data: bytes, signature: str, *, namespace: str, keys: Sequence[PublicKey]) -> PublicKey:
    """The key (one of `keys`) whose SSHSIG `signature` over `data` in `namespace` is valid.

    Raises SignatureInvalid otherwise: bad armor, wrong namespace, a key not in `keys`, or a bad signature.
    Ed25519 and RSA verify in-process; ECDSA and FIDO keys through `ssh-keygen -Y verify` (SigningError if absent).
    """
    _check_namespace(namespace)
    sig = _parse_sshsig(_dearmor(signature))
    if sig.namespace != namespace.encode():
        shown = sig.namespace.decode("utf-8", errors="replace")
        raise SignatureInvalid(f"the signature is for namespace {_quote(shown)}, not '{namespace}'")
    if sig.hash_algorithm.decode("ascii", errors="replace") not in _HASHES:
        shown = sig.hash_algorithm.decode("ascii", errors="replace")
        raise SignatureInvalid(f"unsupported SSHSIG hash algorithm {_quote(shown)}")
    signer = next((key for key in keys if key.blob == sig.public_blob), None)
    if signer is None:
        raise SignatureInvalid(f"signed by key {_fingerprint(sig.public_blob)}, which is not an allowed key")
    algorithm = _signature_algorithm(sig.signature)
    allowed = ("rsa-sha2-512", "rsa-sha2-256") if signer.type == "ssh-rsa" else (signer.type,)
    if algorithm not in allowed:
        raise SignatureInvalid(f"a {_quote(algorithm)} signature cannot come from a {signer.type} key")
    _check_signature_encoding(signer, sig.signature)
    if signer.type in _IN_PROCESS_TYPES:
        _verify_in_process(data, sig, namespace)
    else:
        _verify_with_ssh_keygen(data, _armor(_canonical_blob(sig)), namespace, signer)
    return signer


def _verify_in_process(data: bytes, sig: _Sshsig, namespace: str) -> None:
    import sshsig

    try:
        sshsig.check_signature(data, _armor(_canonical_blob(sig)), namespace=namespace)
    except (sshsig.InvalidSignature, NotImplementedError, ValueError):
        raise SignatureInvalid("the signature does not match the data (the data or the signature changed)") from None


def _verify_with_ssh_keygen(data: bytes, signature: str, namespace: str, signer: PublicKey) -> None:
    exe = require_ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="gate-verify-") as tmp:
        allowed = Path(tmp, "allowed_signers")
        allowed.write_text(f'gate namespaces="{namespace}" {signer.line()}\n')
        sig_file = Path(tmp, "data.sig")
        sig_file.write_text(signature)
        try:
            proc = subprocess.run(
                [exe, "-Y", "verify", "-f", str(allowed), "-I", "gate", "-n", namespace, "-s", str(sig_file)],
                input=data,
                capture_output=True,
                timeout=60,
                start_new_session=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SigningError("ssh-keygen did not finish verifying a signature within 60 s") from None
    if proc.returncode == 0:
        return
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if "illegal option" in stderr or "unknown option" in stderr:
        raise SigningError(f"{exe} is too old to verify SSH signatures (OpenSSH 8.1 or later is needed)")
    raise SignatureInvalid("the signature does not match the data (the data or the signature changed)")
