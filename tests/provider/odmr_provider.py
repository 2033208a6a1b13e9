#!/usr/bin/env python3
"""A scriptable fake ODMR provider (RFC 2645) that talks like Exim 4.99.

odmr-fetch is the *customer* side of ODMR; this is the other side, for the
integration tests, the benchmark and the demo. It greets, offers STARTTLS and
AUTH exactly as Exim 4.99.1 does (see ../shared/reference/), answers ATRN, and
after "250 ODMR provider turning line around" hands the same connection (and
the same TLS session) to Python's own smtplib, which then delivers the queued
mail to the customer, now the SMTP server. Every delivery outcome is recorded
in a thread-safe queue that tests inspect afterwards. The queue and the
helpers that make test mail live in mail_queue.py and are re-exported here.

Use it as a module:

    provider = Provider(ProviderConfig(certfile=..., keyfile=...))
    provider.queue.add_all(make_messages(3, ["alice@example.org"]))
    port = provider.start()
    ... run odmr-fetch against 127.0.0.1:port ...
    provider.wait_idle()
    provider.queue.queued(), provider.queue.deliveries(), provider.sessions()
    provider.stop()

or as a program (`odmr_provider.py --help`), which prints
"odmr_provider listening on HOST:PORT" once it accepts connections.

Transcripts use the notation of the recorded sessions: "S" lines go from the
provider to the customer, "C" lines from the customer to the provider, "*"
lines are notes. AUTH payloads are recorded as "<credentials>".

Delivery after the turn can be varied (see ProviderConfig): PIPELINING as
Exim does it, BDAT in chunks of any size (with BODY=BINARYMIME for binary
messages, optionally ending with "BDAT 0 LAST"), SMTPUTF8, DSN parameters,
a SIZE= that lies. With `script` a raw-socket client from scripted_client.py
replaces smtplib and plays a hostile or broken provider.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import hmac
import os
import re
import secrets
import select
import selectors
import signal
import smtplib
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

import scripted_client
from mail_queue import (Claim, Delivery, Message, Queue, crlf_lines,  # noqa: F401
                        make_message, make_messages)
import sasl_server
from state_file import StateFile

HOSTNAME = "provider.odmr.test"
MAX_LINE = 4096  # longest command line the provider reads before the turn
REDACTED = "<credentials>"


# ---------------------------------------------------------------- config, sessions

@dataclass
class ProviderConfig:
    """How the fake provider behaves. Defaults imitate Exim 4.99.1."""
    hostname: str = HOSTNAME
    user: str = "example.org"
    password: str = "secret"
    domains: tuple[str, ...] = ("example.org", "example.com")  # the account's domains
    certfile: str | None = None  # server certificate (PEM), needed for any TLS
    keyfile: str | None = None
    no_starttls: bool = False  # withhold STARTTLS entirely
    implicit_tls: bool = False  # TLS from the first byte (no STARTTLS offered)
    auth_mechs: tuple[str, ...] = ("CRAM-MD5",)  # offered in clear text
    auth_mechs_tls: tuple[str, ...] = ("PLAIN", "LOGIN", "CRAM-MD5")  # offered inside TLS
    atrn_reply: int | None = None  # force this reply to an authenticated ATRN
    one_per_session: bool = False  # Exim over TLS: one message, then QUIT
    bare_quit_after_turn: bool = False  # Exim: 250, raw "QUIT", close unread
    # Exim over TLS right after a delivery (its delivery process still holds the
    # spool lock): the next N ATRNs get 250 and a bare QUIT although mail is queued.
    empty_turns_after_delivery: int = 0
    pipelining: bool = False  # Exim over TLS: MAIL+RCPT+DATA in one write, QUIT after the dot
    chunking: bool = False  # BDAT instead of DATA (pipelining: the chunks in the same write)
    chunk_size: int = 0  # octets per BDAT chunk; 0: the whole body in one (Exim)
    bdat_zero_last: bool = False  # end each BDAT message with an empty "BDAT 0 LAST"
    declare_size: str = "real"  # SIZE= over TLS: "real", "none", or a number to claim instead
    smtputf8: str = "auto"  # "auto": SMTPUTF8 when the envelope is not ASCII; "never"
    dsn_ret: str = ""  # "FULL"/"HDRS": RET= and ENVID= on MAIL (when DSN is offered)
    dsn_notify: str = ""  # e.g. "SUCCESS,FAILURE": NOTIFY= and ORCPT= on RCPT (likewise)
    script: object = None  # after the turn run this instead of smtplib (scripted_client.py)
    send_foreign_recipients: bool = False  # also send recipients outside the ATRN domains
    drop_mid_data: bool = False  # cut the connection halfway through the first body
    # Cut the connection before the turn (the fault matrix, tests/faults/): "greeting"
    # (before it), "ehlo", "starttls", "auth", "atrn" (when that command arrives,
    # before answering it), "tls-handshake" (after "220 TLS go ahead", before the
    # handshake) or "turn" (right after "250" to ATRN). Only in the first session.
    cut_at: str = ""
    # Duplicate suppression (issue 12): an Exim-like Received field with the queue id at the
    # top of every body, as the provider wrote it when it queued the message; and cut points
    # for the lost-250 window, for message K (1-based) of each session, without PIPELINING:
    # right after sending its end of data (its reply unread), or right after reading that
    # reply (as if the 250 were lost: the message stays queued). 0: no cut. Each cut
    # happens once per provider: it sets its option back to 0.
    received_trace: bool = False
    cut_after_data: int = 0
    cut_after_reply: int = 0
    timeout: float = 30.0  # seconds for any one read, write or handshake
    # Hostile before the turn (issue 12):
    greeting_extra: str = ""  # appended to the greeting line (may hold ESC, BEL, CR)
    ehlo_extra: tuple[str, ...] = ()  # more EHLO reply lines, verbatim
    trickle_greeting: float = 0.0  # seconds between the greeting's bytes (0: one write)
    # Reaching and authentication (the mechanisms of sasl_server.py):
    client_ca: str | None = None  # verify client certificates against this CA (EXTERNAL)
    tls_max_version: str | None = None  # e.g. "TLSv1.2"
    starttls_inject: bytes = b""  # sent in the same write as "220 TLS go ahead"
    scram_iterations: int = 4096
    scram_impostor: bool = False  # SCRAM server signature made without the password
    scram_plus_unadvertised: bool = False  # can bind, but -PLUS is not in the AUTH list

    def tls_context(self) -> ssl.SSLContext | None:
        if not self.certfile:
            if self.implicit_tls or not self.no_starttls:
                raise ValueError("TLS needs certfile and keyfile (or set no_starttls)")
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certfile, self.keyfile)
        if self.client_ca:
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(self.client_ca)
        if self.tls_max_version:
            context.maximum_version = ssl.TLSVersion[self.tls_max_version.replace(".", "_")]
        return context


ATRN_TEXTS = {
    250: "ODMR provider turning line around",
    450: "ATRN request refused: try again later",
    451: "Unable to process ATRN request now",
    453: "You have no mail",
    502: "ATRN command not implemented",
    530: "ATRN is not permitted without authentication",
}


@dataclass
class Session:
    """What happened on one customer connection."""
    number: int
    peer: str = ""
    transcript: list[tuple[str, str]] = field(default_factory=list)
    tls: str = ""  # protocol and cipher once TLS is up
    user: str = ""  # authenticated user
    atrn_domains: list[str] | None = None
    atrn_reply: str = ""
    turned: bool = False
    customer_extensions: dict[str, str] = field(default_factory=dict)  # its EHLO, after the turn
    delivered: list[str] = field(default_factory=list)  # queue ids with a 250 after the data
    script: scripted_client.Outcome | None = None  # what a scripted client saw
    error: str = ""
    finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                  repr=False, compare=False)

    def log(self, who: str, text: str) -> None:
        with self._lock:
            self.transcript.append((who, text))

    def snapshot(self) -> Session:
        with self._lock:
            return dataclasses.replace(
                self, transcript=list(self.transcript), delivered=list(self.delivered),
                customer_extensions=dict(self.customer_extensions),
                atrn_domains=None if self.atrn_domains is None else list(self.atrn_domains))

    def customer_lines(self) -> list[str]:
        """Everything the customer sent, one line each (bodies are not kept)."""
        return [text for who, text in self.transcript if who == "C"]

    def format(self) -> str:
        marks = {"S": "S< ", "C": "C> ", "*": "   "}
        lines = [f"==== session {self.number} ({self.peer}) ===="]
        lines += [marks[who] + text for who, text in self.transcript]
        if self.error:
            lines.append(f"   [error: {self.error}]")
        return "\n".join(lines)


# ---------------------------------------------------------------- the wire

class Wire:
    """The customer's connection: a plain or TLS socket with buffered lines.

    Both roles read through it: the provider's command loop before the turn,
    and smtplib after it (as smtplib's `file`), so no byte the customer sent
    early is lost when the roles change.
    """

    def __init__(self, sock: socket.socket, timeout: float):
        sock.settimeout(timeout)
        self.sock = sock
        self._buffer = bytearray()

    def readline(self, limit: int = MAX_LINE) -> bytes:
        """One line including its LF, at most LIMIT bytes; b"" at end of stream."""
        while True:
            end = self._buffer.find(b"\n", 0, limit)
            if end >= 0 or len(self._buffer) >= limit:
                cut = end + 1 if end >= 0 else limit
                line = bytes(self._buffer[:cut])
                del self._buffer[:cut]
                return line
            data = self.sock.recv(65536)
            if not data:
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
            self._buffer += data

    def buffered(self) -> int:
        return len(self._buffer)

    def discard_buffer(self) -> None:
        self._buffer.clear()

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def start_tls(self, context: ssl.SSLContext) -> str:
        """Do the server side of a TLS handshake; return "protocol cipher"."""
        self.sock = context.wrap_socket(self.sock, server_side=True)
        return f"{self.sock.version()} {self.sock.cipher()[0]}"

    def write_raw(self, data: bytes) -> None:
        """Write DATA to the TCP socket itself, beneath any TLS layer."""
        os.write(self.sock.fileno(), data)

    def interrupt(self) -> None:
        """From another thread: make any blocked read or write return."""
        try:
            dup = socket.socket(fileno=os.dup(self.sock.fileno()))
        except OSError:
            return
        with dup:
            try:
                dup.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class _Dropped(Exception):
    """The provider cut the connection on purpose (drop_mid_data)."""


class _ReversedClient(smtplib.SMTP):
    """Python's smtplib, speaking to the customer's server over the existing wire.

    Only two things are added: every line each way is recorded in the
    session transcript (bodies as a byte count), and `send_together`, which
    puts commands and a body in one write, as Exim does over TLS.
    """

    def __init__(self, wire: Wire, session: Session, hostname: str):
        super().__init__(local_hostname=hostname)
        self.sock = wire.sock
        self.file = wire
        self._session = session
        self._body_next = False

    def send(self, s):
        # UTF-8 even without SMTPUTF8: smtputf8="never" sends such addresses on purpose.
        data = s.encode("utf-8") if isinstance(s, str) else s
        if self._body_next:
            self._body_next = False
            self._session.log("*", f"[DATA body: {len(data)} bytes]")
        else:
            for line in data.decode("utf-8", "replace").splitlines():
                self._session.log("S", line)
        super().send(data)

    def send_together(self, commands=(), body: bytes = b"", trailer=()) -> None:
        """Send COMMANDS, then BODY (already framed), then TRAILER in a single write."""
        for command in commands:
            self._session.log("S", command)
        if body:
            self._session.log("*", f"[body: {len(body)} bytes, in the same write]")
        for command in trailer:
            self._session.log("S", command + "   [in the same write]")
        data = ("".join(c + "\r\n" for c in commands).encode("utf-8") + body
                + "".join(c + "\r\n" for c in trailer).encode("utf-8"))
        self._body_next = False
        smtplib.SMTP.send(self, data)

    def send_chunks(self, commands, frames, trailer=()) -> None:
        """Send COMMANDS, each BDAT command of FRAMES with its chunk, then TRAILER,
        all in a single write."""
        for command in commands:
            self._session.log("S", command)
        data = "".join(c + "\r\n" for c in commands).encode("utf-8")
        for command, chunk in frames:
            self._session.log("S", f"{command}   [+ {len(chunk)} bytes, in the same write]")
            data += command.encode("ascii") + b"\r\n" + chunk
        for command in trailer:
            self._session.log("S", command + "   [in the same write]")
        data += "".join(c + "\r\n" for c in trailer).encode("utf-8")
        self._body_next = False
        smtplib.SMTP.send(self, data)

    def getreply(self):
        code, text = super().getreply()
        lines = text.decode("utf-8", "replace").split("\n")
        for i, line in enumerate(lines):
            self._session.log("C", f"{code}{'-' if i + 1 < len(lines) else ' '}{line}")
        self._body_next = code == 354
        return code, text


def _reply_text(code: int, text: bytes) -> str:
    return f"{code} {text.decode('utf-8', 'replace')}".replace("\n", " / ")


def _xtext(text: str) -> str:
    """RFC 3461 xtext: "+XX" for "+", "=" and every octet that is not printable ASCII."""
    return "".join(chr(b) if 33 <= b <= 126 and b not in b"+=" else f"+{b:02X}"
                   for b in text.encode("utf-8"))


def _bdat_frames(body: bytes, chunk_size: int, zero_last: bool) -> list[tuple[str, bytes]]:
    """BODY as (BDAT command, chunk) pairs: CHUNK_SIZE octets each (0: one chunk),
    the last marked LAST, or all followed by an empty "BDAT 0 LAST" (ZERO_LAST)."""
    size = chunk_size or len(body) or 1
    chunks = [body[i:i + size] for i in range(0, len(body), size)]
    frames = [(f"BDAT {len(chunk)}", chunk) for chunk in chunks]
    if zero_last or not frames:
        return frames + [("BDAT 0 LAST", b"")]
    command, chunk = frames[-1]
    frames[-1] = (command + " LAST", chunk)
    return frames


# ---------------------------------------------------------------- one connection

class _Conversation:
    """Runs one customer connection: ODMR commands, then the reversed SMTP session."""

    def __init__(self, config: ProviderConfig, queue: Queue, context, wire: Wire,
                 session: Session, hold: _Hold | None = None):
        self.config, self.queue, self.context = config, queue, context
        self.hold = hold or _Hold()
        self.wire, self.session = wire, session
        self.helo = ""
        self.user = ""
        self.sent_count = 0  # transactions with data in this session (cut_after_*)
        self.in_transaction = False
        self.tls = False
        self.done = False

    # -- the command loop

    def run(self) -> None:
        try:
            if self.config.implicit_tls:
                self._start_tls()
            self._maybe_cut("greeting")
            greeting = (f"220 {self.config.hostname} ESMTP Exim 4.99.1 "
                        f"{formatdate(usegmt=True).replace('GMT', '+0000')}"
                        f"{self.config.greeting_extra}")
            if self.config.trickle_greeting:
                self._trickle(greeting + "\r\n", self.config.trickle_greeting)
            else:
                self._reply(greeting)
            while not self.done:
                line = self.wire.readline()
                if not line:
                    self.session.log("*", "[customer closed the connection]")
                    return
                if not line.endswith(b"\n"):
                    self._reply("500 Command line too long")
                    return
                text = line.rstrip(b"\r\n").decode("utf-8", "replace")
                verb, _, args = text.partition(" ")
                verb = verb.upper()
                self.session.log("C", f"AUTH {args.split()[0]} {REDACTED}"
                                 if verb == "AUTH" and len(args.split()) > 1 else text)
                self._maybe_cut(verb.lower())
                handler = self.COMMANDS.get(verb, _Conversation._unknown)
                handler(self, args.strip())
        except _Dropped:
            self.session.log("*", "[provider cut the connection on purpose]")
        except (OSError, EOFError, smtplib.SMTPException, ValueError) as error:
            self.session.error = f"{type(error).__name__}: {error}"

    def _maybe_cut(self, phase: str) -> None:
        """Cut the connection here when the configuration asks for it (cut_at)."""
        if self.config.cut_at == phase and self.session.number == 1:
            self.session.log("*", f"[cut at {phase}]")
            self.wire.close()
            raise _Dropped(f"provider cut the connection at {phase}")

    def _reply(self, text: str) -> None:
        for line in text.split("\r\n"):
            self.session.log("S", line)
        self.wire.sendall(text.encode("utf-8") + b"\r\n")

    def _trickle(self, text: str, pause: float) -> None:
        """Send TEXT one byte at a time, PAUSE seconds apart, until the customer leaves."""
        self.session.log("S", f"{text.rstrip()}   [one byte every {pause} s]")
        for byte in text.encode("utf-8"):
            self.wire.sendall(bytes([byte]))
            ready, _, _ = select.select([self.wire.sock], [], [], pause)
            if ready:  # the customer closed (or, wrongly, spoke first)
                self.session.log("*", "[the customer closed during the trickle]")
                raise EOFError("customer closed during the trickled greeting")

    def _multiline(self, code: int, lines) -> None:
        last = len(lines) - 1
        self._reply("\r\n".join(f"{code}{' ' if i == last else '-'}{line}"
                                for i, line in enumerate(lines)))

    def _start_tls(self) -> None:
        self.session.tls = self.wire.start_tls(self.context)
        self.session.log("*", f"[TLS established: {self.session.tls}]")
        self.tls = True

    def _starttls_offered(self) -> bool:
        return not (self.tls or self.config.no_starttls)

    def _mechanisms(self) -> tuple[str, ...]:
        return self.config.auth_mechs_tls if self.tls else self.config.auth_mechs

    # -- commands before the turn

    def _ehlo(self, args: str) -> None:
        if not args:
            return self._reply("501 Syntactically invalid EHLO argument(s)")
        self.helo, self.in_transaction = args, False
        lines = [f"{self.config.hostname} Hello {args} [{self.session.peer}]",
                 "SIZE 209715200", "LIMITS MAILMAX=100000", "8BITMIME", "ATRN",
                 "PIPELINING", "PIPECONNECT"]
        lines += self.config.ehlo_extra
        if self._mechanisms():
            lines.append("AUTH " + " ".join(self._mechanisms()))
        lines.append("CHUNKING")
        if self._starttls_offered():
            lines.append("STARTTLS")
        lines.append("HELP")
        self._multiline(250, lines)

    def _helo(self, args: str) -> None:
        if not args:
            return self._reply("501 Syntactically invalid HELO argument(s)")
        self.helo, self.in_transaction = args, False
        self._reply(f"250 {self.config.hostname} Hello {args} [{self.session.peer}]")

    def _starttls(self, args: str) -> None:
        if not self._starttls_offered() or not self.helo:
            return self._reply("503 STARTTLS command used when not advertised")
        if self.config.starttls_inject:  # a man in the middle's extra bytes, same write
            self.session.log("S", f"220 TLS go ahead   [+ injected {self.config.starttls_inject!r}]")
            self.wire.sendall(b"220 TLS go ahead\r\n" + self.config.starttls_inject)
        else:
            self._reply("220 TLS go ahead")
        if self.wire.buffered():
            # Commands pipelined after STARTTLS must not survive the handshake.
            self.session.log("*", f"[discarded {self.wire.buffered()} bytes sent "
                                  "after STARTTLS before the handshake]")
            self.wire.discard_buffer()
        self._maybe_cut("tls-handshake")
        self._start_tls()
        self.helo, self.user, self.in_transaction = "", "", False

    def _auth(self, args: str) -> None:
        if self.user:
            return self._reply("503 already authenticated")
        if not self.helo or not self._mechanisms():
            return self._reply("503 AUTH command used when not advertised")
        mechanism, _, initial = args.partition(" ")
        mechanism = mechanism.upper()
        if mechanism not in self._mechanisms():
            return self._reply(f"504 {mechanism} authentication mechanism not supported")
        try:
            if mechanism in sasl_server.MECHANISMS:
                user, password = self._sasl_server(mechanism, initial.strip())
            else:
                user, password = self.SASL[mechanism](self, initial.strip())
        except _Cancelled:
            return self._reply("501 Authentication cancelled")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return self._reply("501 Invalid base64 data")
        if user == self.config.user and password is not None and hmac.compare_digest(
                password.encode("utf-8"), self.config.password.encode("utf-8")):
            self.user = user
            self.session.user = user
            return self._reply("235 Authentication succeeded")
        self._reply("535 Incorrect authentication data")

    def _challenge(self, challenge: bytes) -> bytes:
        """Send a 334 challenge; return the customer's decoded answer."""
        self._reply("334 " + base64.b64encode(challenge).decode("ascii"))
        line = self.wire.readline()
        if not line:
            raise EOFError("customer closed the connection during AUTH")
        self.session.log("C", REDACTED)
        answer = line.strip()
        if answer == b"*":
            raise _Cancelled()
        return base64.b64decode(answer, validate=True)

    def _sasl_plain(self, initial: str):
        if initial == "=":
            data = b""
        elif initial:
            data = base64.b64decode(initial, validate=True)
        else:
            data = self._challenge(b"")
        authzid, authcid, password = data.decode("utf-8").split("\0")
        if authzid and authzid != authcid:
            return authzid, None
        return authcid, password

    def _sasl_login(self, initial: str):
        user = (base64.b64decode(initial, validate=True) if initial
                else self._challenge(b"Username:"))
        return user.decode("utf-8"), self._challenge(b"Password:").decode("utf-8")

    def _sasl_cram_md5(self, initial: str):
        if initial:
            raise ValueError("CRAM-MD5 takes no initial response")
        challenge = (f"<{secrets.randbelow(10**9)}.{int(time.time())}"
                     f"@{self.config.hostname}>").encode("ascii")
        user, _, digest = self._challenge(challenge).decode("utf-8").rpartition(" ")
        expected = hmac.new(self.config.password.encode("utf-8"), challenge,
                            "md5").hexdigest()
        if hmac.compare_digest(digest.lower().encode(), expected.encode()):
            return user, self.config.password
        return user, None

    SASL = {"PLAIN": _sasl_plain, "LOGIN": _sasl_login, "CRAM-MD5": _sasl_cram_md5}

    def _sasl_server(self, mechanism: str, initial: str):
        """SCRAM(-PLUS), EXTERNAL, XOAUTH2 and OAUTHBEARER, in sasl_server.py."""
        exchange = sasl_server.Exchange(
            challenge=self._challenge, user=self.config.user, password=self.config.password,
            tls_socket=self.wire.sock if self.tls else None, certfile=self.config.certfile,
            offered=self._mechanisms(), iterations=self.config.scram_iterations,
            impostor=self.config.scram_impostor,
            supports_plus=self.config.scram_plus_unadvertised,
            note=lambda text: self.session.log("*", text))
        data = None if not initial else b"" if initial == "=" else base64.b64decode(
            initial, validate=True)
        user, accepted = sasl_server.authenticate(mechanism, data, exchange)
        return user, self.config.password if accepted else None

    def _atrn(self, args: str) -> None:
        if not self.user:
            return self._answer_atrn("530 ATRN is not permitted without authentication")
        if self.in_transaction:
            return self._answer_atrn("503 ATRN is not permitted inside a transaction")
        account = [d.lower() for d in self.config.domains]
        requested = [d.strip().lower() for d in args.split(",") if d.strip()] or account
        self.session.atrn_domains = requested
        forced = self.config.atrn_reply
        if forced is not None and forced != 250:
            return self._answer_atrn(f"{forced} {ATRN_TEXTS.get(forced, 'ATRN refused')}")
        refused = [d for d in requested if d not in account]
        if refused:
            return self._answer_atrn(f"450 ATRN request refused: {refused[0]} is not "
                                     f"permitted for {self.user}")
        if (forced is None and not self.config.bare_quit_after_turn
                and not self.queue.has_mail(requested)):
            return self._answer_atrn("453 You have no mail")
        self._answer_atrn(f"250 {ATRN_TEXTS[250]}")
        self.session.turned = True
        self.session.log("*", "---- line turned around: the provider is now the SMTP client ----")
        self.done = True
        self._turn(requested)

    def _answer_atrn(self, text: str) -> None:
        self.session.atrn_reply = text
        self._reply(text)

    def _mail(self, args: str) -> None:
        self.in_transaction = True
        self._reply("250 OK")

    def _rset(self, args: str) -> None:
        self.in_transaction = False
        self._reply("250 Reset OK")

    def _noop(self, args: str) -> None:
        self._reply("250 OK")

    def _help(self, args: str) -> None:
        self._multiline(214, ["Commands supported:",
                              "AUTH STARTTLS HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT RSET HELP ATRN"])

    def _quit(self, args: str) -> None:
        self._reply(f"221 {self.config.hostname} closing connection")
        self.done = True

    def _unknown(self, args: str) -> None:
        self._reply("500 unrecognized command")

    COMMANDS = {"EHLO": _ehlo, "HELO": _helo, "STARTTLS": _starttls, "AUTH": _auth,
                "ATRN": _atrn, "MAIL": _mail, "RSET": _rset, "NOOP": _noop,
                "HELP": _help, "QUIT": _quit}

    # -- after the turn: the provider is the SMTP client

    def _turn(self, domains) -> None:
        self._maybe_cut("turn")
        held = self.hold.take()
        if self.config.bare_quit_after_turn or held:
            # Exim writes this in clear text even inside TLS, then closes unread.
            self.wire.write_raw(b"QUIT\r\n")
            self.session.log("S", "QUIT   [bare, beneath any TLS; connection closed]"
                             + ("   [mail held after the last delivery]" if held else ""))
            return
        try:
            self._serve_turn(domains)
        finally:
            if self.session.delivered and self.config.empty_turns_after_delivery:
                self.hold.arm(self.config.empty_turns_after_delivery)

    def _serve_turn(self, domains) -> None:
        limit = 1 if self.config.one_per_session else None
        claims = self.queue.claim(domains, self.config.send_foreign_recipients, limit)
        sent = ([_with_trace(c, self.config.hostname) for c in claims]
                if self.config.received_trace else claims)
        try:
            if self.config.script is not None:
                scripted_client.run(self.config.script, self.wire, self.session, sent,
                                    self.queue)
            else:
                self._deliver(sent)
        finally:
            self.queue.release(claims)

    def _deliver(self, claims) -> None:
        client = _ReversedClient(self.wire, self.session, self.config.hostname)
        code, text = client.getreply()
        if code != 220:
            self.session.error = f"customer greeted with {_reply_text(code, text)}"
            return
        code, text = client.ehlo()
        if code != 250:
            self.session.error = f"customer refused EHLO: {_reply_text(code, text)}"
            client.quit()
            return
        self.session.customer_extensions = dict(client.esmtp_features)
        quit_sent = False
        self.sent_count = 0
        for index, claim in enumerate(claims):
            quit_sent = self._transfer(client, claim, last=index + 1 == len(claims))
        if not quit_sent:
            client.quit()

    def _transfer(self, client: _ReversedClient, claim: Claim, last: bool) -> bool:
        """Deliver one claimed message; return whether QUIT was already sent.

        Recipients the customer defers with 452 (too many recipients) are
        offered again in a new transaction, as RFC 5321 asks, as long as each
        transaction delivers something.
        """
        recipients = claim.recipients
        while recipients:
            try:
                replies, accepted, final, quit_sent = self._transaction(
                    client, claim, recipients, last)
            except (OSError, smtplib.SMTPException, _Dropped) as error:
                self.queue.record(claim.id, self.session.number, {}, [],
                                  f"error: {type(error).__name__}: {error}")
                raise
            delivered = accepted if final.startswith("250") else []
            self.queue.record(claim.id, self.session.number, replies, delivered, final)
            if delivered:
                self.session.delivered.append(claim.id)
            if quit_sent or not delivered:
                return quit_sent
            recipients = [r for r, reply in replies.items() if reply.startswith("452")]
        return False

    def _mail_options(self, client: _ReversedClient, claim: Claim, bdat: bool) -> list[str]:
        """MAIL parameters: SIZE= (Exim says it only over TLS; in clear text it
        ignores the EHLO reply), BODY=BINARYMIME, SMTPUTF8 and the DSN ones."""
        options = []
        declared = self.config.declare_size
        if self.tls and client.has_extn("size") and declared != "none":
            options.append(f"SIZE={len(claim.body) if declared == 'real' else int(declared)}")
        if claim.binary and bdat:
            options.append("BODY=BINARYMIME")
        if (self.config.smtputf8 == "auto" and client.has_extn("smtputf8")
                and not all(a.isascii() for a in [claim.sender, *claim.recipients])):
            options.append("SMTPUTF8")
        if self.config.dsn_ret and client.has_extn("dsn"):
            options += [f"RET={self.config.dsn_ret}", f"ENVID={_xtext(claim.id)}"]
        return options

    def _rcpt_options(self, client: _ReversedClient, rcpt: str) -> list[str]:
        if self.config.dsn_notify and client.has_extn("dsn"):
            return [f"NOTIFY={self.config.dsn_notify}", f"ORCPT=rfc822;{_xtext(rcpt)}"]
        return []

    def _transaction(self, client: _ReversedClient, claim: Claim, recipients, last: bool):
        """One MAIL/RCPT/DATA (or BDAT) exchange: (rcpt replies, accepted, final reply,
        quit sent)."""
        bdat = self.config.chunking and client.has_extn("chunking")
        if claim.binary and not (bdat and client.has_extn("binarymime")):
            return {}, [], "not sent: a binary message needs CHUNKING and BINARYMIME", False
        options = self._mail_options(client, claim, bdat)
        if self.config.pipelining and self.tls and client.has_extn("pipelining"):
            return self._pipelined_transaction(client, claim, recipients, options, bdat, last)
        code, text = client.mail(claim.sender, options)
        if code != 250:
            client.rset()
            return {}, [], _reply_text(code, text), False
        replies, accepted = {}, []
        for rcpt in recipients:
            code, text = client.rcpt(rcpt, self._rcpt_options(client, rcpt))
            replies[rcpt] = _reply_text(code, text)
            if code in (250, 251):
                accepted.append(rcpt)
        if not accepted:
            client.rset()
            return replies, [], replies[recipients[-1]], False
        self.sent_count += 1
        if self.sent_count == self.config.cut_after_data:
            self._cut_after_data(client, claim, bdat)
        if bdat:
            final = self._chunks_one_by_one(client, claim)
        else:
            if self.config.drop_mid_data:
                self._drop_mid_data(client, claim)
            try:
                code, text = client.data(claim.body)
            except smtplib.SMTPDataError as error:
                code, text = error.smtp_code, error.smtp_error
            final = _reply_text(code, text)
        if self.sent_count == self.config.cut_after_reply:
            self.config.cut_after_reply = 0
            self.session.log("*", f"[read {final!r}, then cut: as if that reply were lost]")
            self.wire.close()
            raise _Dropped("provider cut the connection right after the reply to the data")
        for rcpt in accepted:
            replies[rcpt] = final
        return replies, accepted, final, False

    def _frames(self, claim: Claim) -> list[tuple[str, bytes]]:
        return _bdat_frames(claim.body, self.config.chunk_size, self.config.bdat_zero_last)

    def _chunks_one_by_one(self, client: _ReversedClient, claim: Claim) -> str:
        """BDAT without pipelining: each command and its chunk in one write, then its
        reply; the first refusal ends the message. Returns the final reply."""
        frames = self._frames(claim)
        if self.config.drop_mid_data:
            self._cut_frames(client, (), frames)
        for command, chunk in frames:
            client.send_together([command], chunk)
            code, text = client.getreply()
            if code != 250:
                break
        return _reply_text(code, text)

    def _pipelined_transaction(self, client, claim, recipients, options, bdat: bool, last: bool):
        """Exim over TLS: MAIL, the RCPTs and DATA in one write (or, with chunking,
        every BDAT chunk too); QUIT right after the last message, in the same write
        as its end, unless recipients deferred with 452 wait for another transaction."""
        commands = [f"MAIL FROM:<{claim.sender}>" + "".join(" " + o for o in options)]
        commands += [f"RCPT TO:<{r}>" + "".join(" " + o for o in self._rcpt_options(client, r))
                     for r in recipients]
        if bdat:
            return self._pipelined_bdat(client, claim, recipients, commands, last)
        client.send_together(commands + ["DATA"])
        replies, accepted = self._envelope_replies(client, recipients)
        code, text = client.getreply()
        if code != 354:
            client.rset()
            return replies, [], _reply_text(code, text), False
        if self.config.drop_mid_data:
            self._cut(client, (), claim.body)
        # RFC 2920: with nobody accepted, a lone dot ends a DATA that
        # should not have been accepted either.
        body = re.sub(rb"(?m)^\.", b"..", claim.body) if accepted else b""
        quit_now = last and not any(r.startswith("452") for r in replies.values())
        client.send_together((), body + b".\r\n", ["QUIT"] if quit_now else [])
        final = _reply_text(*client.getreply())
        return self._pipelined_end(client, replies, accepted, final, quit_now)

    def _pipelined_bdat(self, client, claim, recipients, commands, last: bool):
        """MAIL, the RCPTs and every BDAT chunk in one write. QUIT goes in it too
        after the last message if that has one recipient (with more, some may be
        deferred with 452 and need another transaction). The final reply is the
        first refusal of a chunk, or the reply to the last one."""
        frames = self._frames(claim)
        if self.config.drop_mid_data:
            self._cut_frames(client, commands, frames)
        quit_now = last and len(recipients) == 1
        client.send_chunks(commands, frames, ["QUIT"] if quit_now else [])
        replies, accepted = self._envelope_replies(client, recipients)
        final = ""
        for _ in frames:
            code, text = client.getreply()
            if not final and code != 250:
                final = _reply_text(code, text)
        final = final or _reply_text(code, text)
        return self._pipelined_end(client, replies, accepted, final, quit_now)

    @staticmethod
    def _pipelined_end(client, replies, accepted, final: str, quit_sent: bool):
        if quit_sent:
            client.getreply()  # to the pipelined QUIT
            client.close()
        for rcpt in accepted:
            replies[rcpt] = final
        return replies, accepted, final, quit_sent

    @staticmethod
    def _envelope_replies(client: _ReversedClient, recipients):
        """Read the replies to a pipelined MAIL and RCPTs: (rcpt replies, accepted)."""
        mail_code, mail_text = client.getreply()
        replies, accepted = {}, []
        for rcpt in recipients:
            code, text = client.getreply()
            replies[rcpt] = _reply_text(code, text)
            if code in (250, 251) and mail_code == 250:
                accepted.append(rcpt)
        if mail_code != 250:
            replies = {rcpt: _reply_text(mail_code, mail_text) for rcpt in recipients}
        return replies, accepted

    def _drop_mid_data(self, client: _ReversedClient, claim: Claim) -> None:
        """After MAIL and RCPT: send DATA, then half the body, then cut the connection."""
        code, _ = client.docmd("DATA")
        if code == 354:
            self._cut(client, (), claim.body)

    def _cut_after_data(self, client: _ReversedClient, claim: Claim, bdat: bool) -> None:
        """Send the whole message data and its end, then close without reading the reply."""
        self.config.cut_after_data = 0
        if bdat:
            client.send_chunks((), self._frames(claim))
        else:
            code, _ = client.docmd("DATA")
            if code == 354:
                client.send_together((), re.sub(rb"(?m)^\.", b"..", claim.body) + b".\r\n")
        self.session.log("*", "[end of data sent, then cut before its reply]")
        self.wire.close()
        raise _Dropped("provider cut the connection right after the end of the data")

    def _cut(self, client: _ReversedClient, commands, body: bytes) -> None:
        """Send COMMANDS and the first half of BODY, then close the connection."""
        client.send_together(commands, body[: len(body) // 2])
        self.wire.close()
        raise _Dropped("provider cut the connection halfway through the data")

    def _cut_frames(self, client: _ReversedClient, commands, frames) -> None:
        """Send COMMANDS and the BDAT chunks up to half the body, then close the connection."""
        left = sum(len(chunk) for _, chunk in frames) // 2
        partial = []
        for command, chunk in frames:
            partial.append((command, chunk[:left]))
            if len(chunk) >= left:
                break
            left -= len(chunk)
        client.send_chunks(commands, partial)
        self.wire.close()
        raise _Dropped("provider cut the connection halfway through the data")


def _with_trace(claim: Claim, hostname: str) -> Claim:
    """CLAIM with the Received field Exim writes when it queues a message: the same on
    every attempt, its queue id naming this queued copy."""
    field = (f"Received: from [192.0.2.25] (helo=origin.test)\r\n"
             f"\tby {hostname} with esmtps (Exim 4.99.1)\r\n"
             f"\t(envelope-from <{claim.sender}>)\r\n"
             f"\tid 1vQodm-{claim.id}-XX\r\n"
             f"\tTue, 01 Dec 2026 10:00:00 +0000\r\n").encode()
    return dataclasses.replace(claim, body=field + claim.body)


class _Hold:
    """Empty turns still due after a delivery (empty_turns_after_delivery), shared by
    the sessions of one provider."""

    def __init__(self):
        self._lock = threading.Lock()
        self._due = 0

    def arm(self, count: int) -> None:
        with self._lock:
            self._due = count

    def take(self) -> bool:
        with self._lock:
            if self._due <= 0:
                return False
            self._due -= 1
            return True


class _Cancelled(Exception):
    """The customer answered a SASL challenge with "*"."""


# ---------------------------------------------------------------- the server

class Provider:
    """The fake provider: a listening socket and one thread per connection.

    `queue` and `sessions()` may be read at any time from any thread. After
    the customer finishes, call `wait_idle()` before looking at transcripts:
    the provider may still be closing its side.
    """

    def __init__(self, config: ProviderConfig | None = None, *, state_file=None,
                 max_sessions: int | None = None, on_session_end=None):
        self.config = config or ProviderConfig()
        self._context = self.config.tls_context()
        self._state_file = StateFile(state_file, self._render_state) if state_file else None
        self._max_sessions = max_sessions
        self._on_session_end = on_session_end or (lambda session: None)
        self._lock = threading.Condition()
        self._sessions: list[Session] = []
        self._active: dict[int, Wire] = {}
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._hold = _Hold()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.queue = Queue(on_change=self._state_changed)
        self.port = 0

    # -- life cycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on HOST:PORT (0 = any free port); return the bound port."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, port), family=family)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="provider-accept",
                                        daemon=True)
        self._thread.start()
        if self._state_file:
            self._state_file.start()
        return self.port

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, cut any connection still open and wait for the threads."""
        if self._stopped:
            return
        self._stopped = True
        self._wake_w.send(b"x")
        if self._thread:
            self._thread.join(timeout)
        with self._lock:
            wires = list(self._active.values())
        for wire in wires:
            wire.interrupt()
        try:
            self.wait_idle(timeout)
        except TimeoutError:
            pass  # daemon threads; their sockets are shut down already
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock:
                sock.close()
        if self._state_file:
            self._state_file.close()

    def __enter__(self) -> Provider:
        if not self.port:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no connection is being served; TimeoutError if it takes longer."""
        with self._lock:
            if not self._lock.wait_for(lambda: not self._active, timeout):
                raise TimeoutError(f"provider still busy after {timeout} s")

    def wait_sessions(self, count: int, timeout: float | None = None) -> bool:
        """Wait until COUNT sessions have finished."""
        with self._lock:
            return self._lock.wait_for(
                lambda: sum(s.finished for s in self._sessions) >= count, timeout)

    # -- what tests read

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def sessions(self) -> list[Session]:
        """Copies of every session so far, oldest first."""
        with self._lock:
            return [s.snapshot() for s in self._sessions]

    def transcripts(self) -> str:
        return "\n".join(s.format() for s in self.sessions())

    # -- inside

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    try:
                        sock, address = self._listener.accept()
                    except OSError:
                        continue
                    if not self._admit(sock, address):
                        self._listener.close()  # later customers are refused
                        return

    def _admit(self, sock: socket.socket, address) -> bool:
        """Start a thread for a new connection; False once max_sessions is reached."""
        with self._lock:
            session = Session(number=len(self._sessions) + 1, peer=address[0])
            self._sessions.append(session)
            wire = Wire(sock, self.config.timeout)
            self._active[session.number] = wire
        threading.Thread(target=self._serve, args=(wire, session),
                         name=f"provider-session-{session.number}", daemon=True).start()
        self._state_changed()
        return self._max_sessions is None or session.number < self._max_sessions

    def _serve(self, wire: Wire, session: Session) -> None:
        try:
            _Conversation(self.config, self.queue, self._context, wire, session,
                          self._hold).run()
        except Exception as error:  # never let one customer kill the provider
            session.error = f"internal error: {type(error).__name__}: {error}"
        finally:
            wire.close()
            session.finished = True
            with self._lock:
                del self._active[session.number]
                self._lock.notify_all()
            self._state_changed()
            self._on_session_end(session.snapshot())

    def _state_changed(self) -> None:
        """The JSON state file, if there is one, is rewritten soon (state_file.py)."""
        if self._state_file:
            self._state_file.changed()

    def _render_state(self) -> dict:
        state = self.queue.state()
        state["sessions"] = self.session_count
        state["port"] = self.port
        return state


# ---------------------------------------------------------------- command line

def _parse_args(argv):
    parser = argparse.ArgumentParser(
        description="A scriptable fake ODMR provider that talks like Exim 4.99.")
    add = parser.add_argument
    add("--listen", default="127.0.0.1:0", metavar="HOST:PORT",
        help="address to listen on (port 0: any free port; default %(default)s)")
    add("--port-file", help="write the bound port to this file once listening")
    add("--state", help="JSON file with queued and delivered messages, kept up to date "
        "(rewritten at most every 50 ms while it changes, exact once the provider exits)")
    add("--sessions", type=int, help="exit after this many sessions (default: never)")
    add("--log", help="append each finished session's transcript to this file ('-': stderr)")
    defaults = ProviderConfig()
    add("--hostname", default=defaults.hostname)
    add("--user", default=defaults.user, help="account name (default %(default)s)")
    add("--password", default=defaults.password)
    add("--password-file", help="read the password from the first line of this file")
    add("--domains", default=",".join(defaults.domains),
        help="the account's domains, comma-separated (default %(default)s)")
    add("--cert", dest="certfile", help="server certificate (PEM)")
    add("--key", dest="keyfile", help="server private key (PEM)")
    add("--no-starttls", action="store_true", help="do not offer STARTTLS")
    add("--implicit-tls", action="store_true", help="TLS from the first byte")
    add("--auth-mechs", default=",".join(defaults.auth_mechs),
        help="AUTH mechanisms offered in clear text (default %(default)s)")
    add("--auth-mechs-tls", default=",".join(defaults.auth_mechs_tls),
        help="AUTH mechanisms offered inside TLS (default %(default)s)")
    add("--atrn-reply", type=int, help="answer every authenticated ATRN with this code")
    add("--one-per-session", action="store_true",
        help="deliver one message per session, then QUIT (Exim over TLS)")
    add("--bare-quit-after-turn", action="store_true",
        help="after 250 to ATRN write a raw QUIT and close (Exim)")
    add("--empty-turns-after-delivery", type=int, default=0, metavar="N",
        help="after a session that delivered, answer the next N ATRNs with 250 and a raw "
             "QUIT although mail is queued (Exim holding the spool lock)")
    add("--pipelining", action="store_true",
        help="pipeline MAIL/RCPT/DATA and the last QUIT over TLS (Exim)")
    add("--chunking", action="store_true",
        help="BDAT instead of DATA; with --pipelining the chunks go in the same write as "
             "MAIL and RCPT (Exim)")
    add("--chunk-size", type=int, default=defaults.chunk_size, metavar="OCTETS",
        help="with --chunking: octets per BDAT chunk (default: the whole body in one)")
    add("--bdat-zero-last", action="store_true",
        help="with --chunking: end each message with an empty BDAT 0 LAST")
    add("--declare-size", type=_declared_size, default=defaults.declare_size,
        metavar="real|none|N",
        help="SIZE= on MAIL over TLS: the real size, none, or N instead (default %(default)s)")
    add("--smtputf8", choices=("auto", "never"), default=defaults.smtputf8,
        help="auto: SMTPUTF8 on MAIL when the envelope is not ASCII; never: send UTF-8 "
             "addresses without it (default %(default)s)")
    add("--dsn-ret", choices=("FULL", "HDRS"), help="send RET= and ENVID= on MAIL")
    add("--dsn-notify", metavar="NEVER|SUCCESS,FAILURE,DELAY",
        help="send NOTIFY= and ORCPT= on RCPT")
    add("--script", choices=sorted(scripted_client.SCENARIOS), metavar="NAME",
        help="after the turn, run this scripted (hostile) client instead of smtplib: "
             + ", ".join(sorted(scripted_client.SCENARIOS)) + " (see scripted_client.py)")
    add("--send-foreign-recipients", action="store_true",
        help="also send recipients outside the ATRN domains")
    add("--drop-mid-data", action="store_true",
        help="cut the connection halfway through the first message body")
    add("--received-trace", action="store_true",
        help="put an Exim-like Received field with the queue id at the top of every body")
    add("--cut-after-data", type=int, default=0, metavar="K",
        help="cut the connection right after the end of data of message K of a session")
    add("--cut-after-reply", type=int, default=0, metavar="K",
        help="cut the connection right after reading the reply to message K's data")
    add("--timeout", type=float, default=defaults.timeout, help="seconds per read or write")
    add("--messages", type=int, default=0, help="queue this many generated messages")
    add("--to", action="append", default=[], metavar="ADDRESS",
        help="recipient of generated messages, repeatable (taken in turn)")
    add("--message-size", type=int, default=0, help="approximate body size in bytes")
    add("--add-message", nargs=3, action="append", default=[],
        metavar=("SENDER", "RCPT[,RCPT]", "FILE"),
        help="queue FILE as a message with this envelope, repeatable")
    add("--add-binary-message", nargs=3, action="append", default=[],
        metavar=("SENDER", "RCPT[,RCPT]", "FILE"),
        help="queue FILE byte for byte (bare CR, LF, NUL kept): sent with BDAT and "
             "BODY=BINARYMIME, or verbatim by --script; repeatable")
    return parser.parse_args(argv)


def _declared_size(text: str) -> str:
    if text in ("real", "none") or text.isdigit():
        return text
    raise argparse.ArgumentTypeError("expected real, none or a number of octets")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv=None) -> int:
    args = _parse_args(argv)
    password = args.password
    if args.password_file:
        password = Path(args.password_file).read_text(encoding="utf-8").splitlines()[0]
    config = ProviderConfig(
        hostname=args.hostname, user=args.user, password=password,
        domains=_split(args.domains), certfile=args.certfile, keyfile=args.keyfile,
        no_starttls=args.no_starttls, implicit_tls=args.implicit_tls,
        auth_mechs=_split(args.auth_mechs), auth_mechs_tls=_split(args.auth_mechs_tls),
        atrn_reply=args.atrn_reply, one_per_session=args.one_per_session,
        bare_quit_after_turn=args.bare_quit_after_turn, pipelining=args.pipelining,
        empty_turns_after_delivery=args.empty_turns_after_delivery, chunking=args.chunking, chunk_size=args.chunk_size,
        bdat_zero_last=args.bdat_zero_last, declare_size=args.declare_size,
        smtputf8=args.smtputf8, dsn_ret=args.dsn_ret or "", dsn_notify=args.dsn_notify or "",
        script=args.script,
        send_foreign_recipients=args.send_foreign_recipients,
        drop_mid_data=args.drop_mid_data, received_trace=args.received_trace,
        cut_after_data=args.cut_after_data, cut_after_reply=args.cut_after_reply,
        timeout=args.timeout)

    log = None
    if args.log == "-":
        log = sys.stderr
    elif args.log:
        log = open(args.log, "a", encoding="utf-8")

    def write_transcript(session: Session) -> None:
        if log:
            print(session.format(), file=log, flush=True)

    provider = Provider(config, state_file=args.state, max_sessions=args.sessions,
                        on_session_end=write_transcript)
    if args.messages:
        provider.queue.add_all(make_messages(
            args.messages, args.to or [f"postmaster@{config.domains[0]}"],
            size=args.message_size))
    for sender, rcpts, path in args.add_message:
        provider.queue.add(Message(sender, list(_split(rcpts)),
                                   crlf_lines(Path(path).read_bytes())))
    for sender, rcpts, path in args.add_binary_message:
        provider.queue.add(Message(sender, list(_split(rcpts)), Path(path).read_bytes(),
                                   binary=True))

    # Before the port is announced: a SIGTERM right after it still ends in
    # provider.stop(), which writes the final state file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, _, port = args.listen.rpartition(":")
    bound = provider.start(host or "127.0.0.1", int(port))
    try:
        if args.port_file:
            temporary = Path(args.port_file + ".tmp")
            temporary.write_text(f"{bound}\n")
            os.replace(temporary, args.port_file)
        print(f"odmr_provider listening on {host or '127.0.0.1'}:{bound}", flush=True)
        if args.sessions is None:
            threading.Event().wait()
        provider.wait_sessions(args.sessions)
    except KeyboardInterrupt:
        pass
    finally:
        provider.stop()
        if log and log is not sys.stderr:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
