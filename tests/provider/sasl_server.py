"""The server side of the SASL mechanisms the fake provider offers beyond
Exim's PLAIN, LOGIN and CRAM-MD5: SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802,
RFC 7677) with their -PLUS variants, EXTERNAL, XOAUTH2 and OAUTHBEARER
(RFC 7628).

Written from the RFCs with Python's hashlib, hmac, secrets and stringprep,
independently of odmr-fetch's C++ client, so that the two check each other.
The channel binding a -PLUS client sends is checked against this end's own
view of the TLS session:

  tls-unique            ssl.SSLSocket.get_channel_binding (TLS 1.2)
  tls-server-end-point  SHA-256 of the provider's own certificate
  tls-exporter          OpenSSL's SSL_export_keying_material through ctypes
                        (Python's ssl module has no API for it); when that
                        cannot be reached safely, tls_exporter() returns
                        None and the type is answered as unsupported

One call, authenticate(), runs a whole exchange through an Exchange, which
carries the 334-challenge function of the SMTP conversation and what the
provider knows (account, TLS socket, certificate, test modes).
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import json
import secrets
import ssl
import stringprep
import sys
import sysconfig
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

SCRAM = ("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS")
MECHANISMS = SCRAM + ("EXTERNAL", "XOAUTH2", "OAUTHBEARER")
BINDING_TYPES = ("tls-unique", "tls-server-end-point", "tls-exporter")


@dataclass
class Exchange:
    """What one SASL exchange needs from the provider."""
    challenge: Callable[[bytes], bytes]  # send "334 base64", return the decoded answer
    user: str  # the account
    password: str  # its password, or its OAuth token
    tls_socket: ssl.SSLSocket | None = None  # the session, once TLS is up
    certfile: str | None = None  # the provider's own certificate (tls-server-end-point)
    offered: tuple[str, ...] = ()  # the mechanisms advertised on this connection
    iterations: int = 4096
    impostor: bool = False  # SCRAM: send a server signature made without the password
    supports_plus: bool = False  # SCRAM: can bind even if -PLUS is not advertised
    note: Callable[[str], None] = field(default=lambda text: None)  # for the transcript


class Refused(Exception):
    """The exchange failed in a way the SMTP layer answers with 535."""


def authenticate(mechanism: str, initial: bytes | None, exchange: Exchange) -> tuple[str, bool]:
    """Run MECHANISM; INITIAL is the decoded initial response (None if absent).

    Returns (user, accepted). Malformed input raises ValueError (501);
    a "*" from the client raises whatever exchange.challenge raises for it.
    """
    if mechanism in SCRAM:
        return _Scram(mechanism, exchange).run(initial)
    if mechanism == "EXTERNAL":
        return _external(initial, exchange)
    if mechanism == "XOAUTH2":
        return _xoauth2(initial, exchange)
    if mechanism == "OAUTHBEARER":
        return _oauthbearer(initial, exchange)
    raise ValueError(f"unknown mechanism {mechanism}")


# ---------------------------------------------------------------- SASLprep

def saslprep(text: str) -> str:
    """RFC 4013 for stored strings' query use (unassigned code points allowed)."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c
                     for c in text if not stringprep.in_table_b1(c))
    normalized = unicodedata.normalize("NFKC", mapped)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
                  stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6,
                  stringprep.in_table_c7, stringprep.in_table_c8, stringprep.in_table_c9)
    for c in normalized:
        if any(table(c) for table in prohibited):
            raise ValueError("SASLprep: prohibited character")
    if any(stringprep.in_table_d1(c) for c in normalized):
        if any(stringprep.in_table_d2(c) for c in normalized):
            raise ValueError("SASLprep: both RandALCat and LCat characters")
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            raise ValueError("SASLprep: RandALCat string must start and end with RandALCat")
    return normalized


# ---------------------------------------------------------------- channel binding

def server_end_point(certfile: str) -> bytes:
    """RFC 5929 §4.1 for the test certificates (signed with ECDSA-SHA256)."""
    with open(certfile, encoding="ascii") as file:
        der = ssl.PEM_cert_to_DER_cert(file.read())
    return hashlib.sha256(der).digest()


class _OpenSSL:
    """OpenSSL's libssl, the very library Python's _ssl module uses, or None."""
    lib = None
    checked = False

    @classmethod
    def get(cls):
        if not cls.checked:
            cls.checked = True
            cls.lib = cls._load()
        return cls.lib

    @staticmethod
    def _load():
        # The SSL* of an SSLSocket is read from the C object's memory: only on
        # a layout known to hold it (PyObject_HEAD, a weakref, then SSL*), i.e.
        # not on debug or free-threaded builds.
        if hasattr(sys, "gettotalrefcount") or sysconfig.get_config_var("Py_GIL_DISABLED"):
            return None
        name = ctypes.util.find_library("ssl")
        if not name:
            return None
        try:
            lib = ctypes.CDLL(name)
            lib.OpenSSL_version.restype = ctypes.c_char_p
            lib.OpenSSL_version.argtypes = [ctypes.c_int]
            if lib.OpenSSL_version(0).decode() != ssl.OPENSSL_VERSION:
                return None  # not the library Python's ssl is linked with
            lib.SSL_get_fd.argtypes = [ctypes.c_void_p]
            lib.SSL_version.argtypes = [ctypes.c_void_p]
            lib.SSL_export_keying_material.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            return None


_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_exporter(sock: ssl.SSLSocket) -> bytes | None:
    """RFC 9266 tls-exporter of SOCK's session, or None when it cannot be had."""
    lib = _OpenSSL.get()
    sslobj = getattr(sock, "_sslobj", None)
    if lib is None or sslobj is None:
        return None
    pointer = ctypes.c_void_p.from_address(id(sslobj) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    # Make sure that this is the SSL* of this very socket before using it.
    if not pointer or lib.SSL_get_fd(pointer) != sock.fileno():
        return None
    if lib.SSL_version(pointer) != _VERSIONS.get(sock.version()):
        return None
    out = ctypes.create_string_buffer(32)
    label = b"EXPORTER-Channel-Binding"
    if lib.SSL_export_keying_material(pointer, out, 32, label, len(label), None, 0, 0) != 1:
        return None
    return out.raw


def binding_data(kind: str, exchange: Exchange) -> bytes | None:
    """This end's channel binding data of type KIND, None if not available."""
    sock = exchange.tls_socket
    if sock is None:
        return None
    if kind == "tls-unique":
        return sock.get_channel_binding("tls-unique") if sock.version() != "TLSv1.3" else None
    if kind == "tls-server-end-point":
        return server_end_point(exchange.certfile) if exchange.certfile else None
    if kind == "tls-exporter":
        return tls_exporter(sock)
    return None


# ---------------------------------------------------------------- SCRAM

def _attributes(message: str) -> list[tuple[str, str]]:
    out = []
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=":
            raise ValueError(f"malformed SCRAM attribute {part!r}")
        out.append((part[0], part[2:]))
    return out


def _unescape(name: str) -> str:
    if "=" in name.replace("=2C", "").replace("=3D", ""):
        raise ValueError("bad escape in SCRAM user name")
    return name.replace("=2C", ",").replace("=3D", "=")


class _Scram:
    def __init__(self, mechanism: str, exchange: Exchange):
        self.mechanism = mechanism
        self.plus = mechanism.endswith("-PLUS")
        self.hash = "sha1" if mechanism.startswith("SCRAM-SHA-1") else "sha256"
        self.x = exchange

    def _hmac(self, key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, self.hash).digest()

    def _fail(self, error: str) -> tuple[str, bool]:
        """Tell the client why in a server-final-message (it answers "*")."""
        self.x.note(f"[{self.mechanism}: e={error}]")
        self.x.challenge(f"e={error}".encode())
        return "", False

    def run(self, initial: bytes | None) -> tuple[str, bool]:
        client_first = (initial if initial is not None else self.x.challenge(b"")).decode("utf-8")
        flag, authzid, bare = client_first.split(",", 2)
        gs2_header = f"{flag},{authzid},"
        kind = flag[2:] if flag.startswith("p=") else None
        if kind is None and flag not in ("n", "y"):
            raise ValueError("bad gs2 flag")
        if kind is not None and not self.plus:
            return self._fail("channel-binding-not-supported")  # p= needs the -PLUS name
        if kind is None and self.plus:
            return self._fail("other-error")  # -PLUS without binding
        if flag == "y" and (self.x.supports_plus or any(m.endswith("-PLUS") for m in self.x.offered)):
            # The client could bind but did not see -PLUS: someone removed it.
            return self._fail("server-does-support-channel-binding")
        attributes = dict(_attributes(bare))
        if "n" not in attributes or "r" not in attributes:
            raise ValueError("SCRAM client-first-message without n= or r=")
        user, client_nonce = _unescape(attributes["n"]), attributes["r"]

        salt = secrets.token_bytes(16)
        nonce = client_nonce + secrets.token_urlsafe(18).replace("-", "+")
        server_first = f"r={nonce},s={base64.b64encode(salt).decode()},i={self.x.iterations}"
        client_final = self.x.challenge(server_first.encode()).decode("utf-8")
        without_proof, _, proof = client_final.rpartition(",p=")
        final = dict(_attributes(without_proof))
        if final.get("r") != nonce or "c" not in final:
            raise ValueError("SCRAM nonce changed")

        expected_binding = gs2_header.encode()
        if kind is not None:
            if kind not in BINDING_TYPES:
                return self._fail("unsupported-channel-binding-type")
            data = binding_data(kind, self.x)
            if data is None:
                return self._fail("unsupported-channel-binding-type")
            expected_binding += data
        if not hmac.compare_digest(base64.b64decode(final["c"], validate=True), expected_binding):
            return self._fail("channel-bindings-dont-match")

        salted = hashlib.pbkdf2_hmac(self.hash, saslprep(self.x.password).encode("utf-8"),
                                     salt, self.x.iterations)
        stored_key = hashlib.new(self.hash, self._hmac(salted, b"Client Key")).digest()
        auth_message = f"{bare},{server_first},{without_proof}".encode("utf-8")
        signature = self._hmac(stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof, validate=True), signature))
        if user != self.x.user or not hmac.compare_digest(
                hashlib.new(self.hash, client_key).digest(), stored_key):
            self.x.note(f"[{self.mechanism}: invalid proof]")
            return user, False

        server_key = self._hmac(salted, b"Server Key")
        if self.x.impostor:  # what a server that does not know the password can send
            server_key = self._hmac(secrets.token_bytes(32), b"Server Key")
        server_signature = self._hmac(server_key, auth_message)
        self.x.note(f"[{self.mechanism}: proof verified" +
                    (f", channel binding {kind} matched" if kind else "") +
                    (", sending a false server signature" if self.x.impostor else "") + "]")
        answer = self.x.challenge(b"v=" + base64.b64encode(server_signature))
        if answer:
            raise ValueError("expected an empty answer to the server-final-message")
        return user, True


# ---------------------------------------------------------------- certificate, OAuth

def _external(initial: bytes | None, exchange: Exchange) -> tuple[str, bool]:
    authzid = (initial if initial is not None else exchange.challenge(b"")).decode("utf-8")
    certificate = exchange.tls_socket.getpeercert() if exchange.tls_socket else None
    if not certificate:
        exchange.note("[EXTERNAL: no verified client certificate]")
        return authzid, False
    subject = dict(item for rdn in certificate.get("subject", ()) for item in rdn)
    identity = subject.get("commonName", "")
    exchange.note(f"[EXTERNAL: client certificate for {identity}]")
    if authzid and authzid != identity:
        return authzid, False
    return identity, identity == exchange.user


def _oauth_error() -> bytes:
    return json.dumps({"status": "invalid_token", "schemes": "bearer",
                       "scope": "https://mail.example/"}).encode()


def _bearer(pairs: str, exchange: Exchange) -> bool:
    fields = dict(kv.split("=", 1) for kv in pairs.split("\x01") if kv)
    auth = fields.get("auth", "")
    return auth.startswith("Bearer ") and hmac.compare_digest(
        auth[7:].encode(), exchange.password.encode())


def _xoauth2(initial: bytes | None, exchange: Exchange) -> tuple[str, bool]:
    message = (initial if initial is not None else exchange.challenge(b"")).decode("utf-8")
    user_part, _, rest = message.partition("\x01")
    if not user_part.startswith("user=") or not rest.endswith("\x01\x01"):
        raise ValueError("malformed XOAUTH2 response")
    user = user_part[5:]
    if user == exchange.user and _bearer(rest, exchange):
        return user, True
    if exchange.challenge(_oauth_error()) != b"":
        raise ValueError("XOAUTH2: expected an empty answer to the error")
    return user, False


def _oauthbearer(initial: bytes | None, exchange: Exchange) -> tuple[str, bool]:
    message = (initial if initial is not None else exchange.challenge(b"")).decode("utf-8")
    flag, authzid, rest = message.split(",", 2)
    if flag != "n" or not authzid.startswith("a=") or not rest.startswith("\x01") \
            or not rest.endswith("\x01\x01"):
        raise ValueError("malformed OAUTHBEARER response")
    user = _unescape(authzid[2:])
    if user == exchange.user and _bearer(rest, exchange):
        return user, True
    if exchange.challenge(_oauth_error()) != b"\x01":
        raise ValueError("OAUTHBEARER: expected %x01 in answer to the error (RFC 7628 §3.2.3)")
    return user, False
