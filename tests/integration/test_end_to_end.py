#!/usr/bin/env python3
"""End-to-end tests: the real odmr-fetch binary against the fake ODMR provider.

Each test makes a fresh temporary directory with its own test CA, starts the
fake provider (tests/provider/odmr_provider.py) in this process on a free
port, runs odmr-fetch as a subprocess, and then checks three things: the
exit code, the Maildir (read back both as raw bytes and with Python's
`mailbox.Maildir`) and what the provider's queue says was delivered.

The binary is taken from the environment variable ODMR_FETCH (ctest sets it;
see CMakeLists.txt beside this file). By hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_end_to_end.py -v
    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_end_to_end.py \
        EndToEnd.test_tls_cram_md5

Set ODMR_E2E_KEEP=1 to keep each test's temporary directory for a look.
"""

import mailbox
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))

import make_test_ca  # noqa: E402
from odmr_case import RETRY_DELAY, OdmrCase, write_secret  # noqa: E402
from odmr_provider import (Message, Provider, ProviderConfig,  # noqa: E402
                           make_message, make_messages)

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
RUN_TIMEOUT = 60  # seconds odmr-fetch may take before the test fails
EX_TEMPFAIL, EX_NOPERM = 75, 77


def split_stored(raw: bytes):
    """Split a stored file into (Return-Path address, Received header, the rest).

    odmr-fetch writes "Return-Path: <sender>" as the first line, then one
    "Delivered-To:" line per recipient stored in that Maildir, then one
    Received header (continuation lines start with a space or a tab), then
    the message as the provider sent it, with LF line ends.
    """
    lines = raw.split(b"\n")
    first = re.fullmatch(rb"Return-Path: <(.*)>", lines[0])
    if not first:
        raise AssertionError(f"first line is not a Return-Path: {lines[0]!r}")
    start = 1
    while start < len(lines) and lines[start].startswith(b"Delivered-To: "):
        start += 1
    if start == 1:
        raise AssertionError(f"no Delivered-To after the Return-Path: {lines[1:2]!r}")
    if len(lines) <= start or not lines[start].startswith(b"Received:"):
        raise AssertionError(f"no Received header after Delivered-To: {lines[start:start + 1]!r}")
    end = start + 1
    while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
        end += 1
    return (first.group(1).decode("utf-8"), b"\n".join(lines[start:end]) + b"\n",
            b"\n".join(lines[end:]))


def header_message_id(data: bytes) -> str:
    found = re.search(rb"(?im)^message-id:[ \t]*(\S+)", data.split(b"\n\n", 1)[0])
    return found.group(1).decode("ascii") if found else ""


def awkward_message() -> Message:
    """Dot-leading lines, a lone ".", UTF-8, Latin-1, high bytes, a 998-octet line."""
    body = (b"Lines that start with a dot must survive dot-stuffing:\n"
            b".hidden\n"
            b".\n"
            b"..\n"
            b"...three dots\n"
            b". dot and space\n"
            b"\n"
            + "UTF-8: Grüße, naïve café, 日本語, 📬\n".encode("utf-8")
            + "Latin-1: Grüße, naïve café\n".encode("latin-1")
            + b"High bytes: \x80\x81\xa0\xfe\xff\n"
            + b"x" * 998 + b"\n"
            b"The last line is a lone dot:\n"
            b".\n")
    return make_message("ada@origin.test", ["alice@example.org"],
                        "Ünïcödé subject, 8-bit", body)


def as_stored(message: Message) -> bytes:
    """The message as odmr-fetch must store it after its two trace headers."""
    return message.body.replace(b"\r\n", b"\n")


class EndToEnd(OdmrCase):
    """odmr-fetch against the fake provider, one scenario per test."""

    workspace_prefix = "odmr-e2e"

    def setUp(self):
        self.make_workspace()
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.provider = None
        self.proc = None

    # -- running the two sides

    def start_provider(self, messages=(), *, cert="server", password=PASSWORD, **config):
        """Start the fake provider with MESSAGES queued; return their queue ids."""
        self.provider = Provider(ProviderConfig(
            user=USER, password=password, domains=DOMAINS, certfile=str(self.ca.cert(cert)),
            keyfile=str(self.ca.key(cert)), timeout=20, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def fetch(self, *options, tls="starttls", ca_file=None):
        """Run odmr-fetch once against the provider; return the CompletedProcess."""
        argv = [self.binary, "-v", "--host", f"localhost:{self.provider.port}",
                "--user", USER, "--password-file", str(self.password_file), "--tls", tls]
        if tls != "none":
            argv += ["--tls-ca-file", str(ca_file or self.ca.ca_pem)]
        argv += ["--deliver", f"maildir:{self.maildir}", *RETRY_DELAY, *options, *DOMAINS]
        try:
            self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            self.proc = expired
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s{self.context()}")
        self.provider.wait_idle(timeout=15)
        return self.proc

    def context(self) -> str:
        """What to read when a test fails: the command, its output, the transcripts."""
        parts = []
        if self.proc is not None:
            parts.append("command: " + " ".join(map(str, self.proc.args)))
            parts.append(f"exit status: {getattr(self.proc, 'returncode', 'timed out')}")
            for name in ("stdout", "stderr"):
                text = (getattr(self.proc, name, None) or b"").decode("utf-8", "replace")
                parts.append(f"--- odmr-fetch {name} (last 3000 chars) ---\n{text[-3000:]}")
        if self.provider is not None:
            transcripts = self.provider.transcripts()
            parts.append(f"--- provider transcripts (last 8000 chars) ---\n{transcripts[-8000:]}")
        return "\n\n" + "\n".join(parts)

    # -- assertions

    def assertExit(self, expected: int):
        self.assertEqual(self.proc.returncode, expected,
                         f"odmr-fetch exit status{self.context()}")

    def assertRefused(self):
        """A failure: any exit status but 0 (delivered) or 1 (no mail)."""
        self.assertNotIn(self.proc.returncode, (0, 1),
                         f"odmr-fetch should have failed{self.context()}")
        self.assertGreater(self.proc.returncode, 1, f"killed by a signal?{self.context()}")

    def maildir_files(self, subdir: str) -> list[Path]:
        folder = self.maildir / subdir
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def assertNothingDelivered(self, queued_ids):
        """Maildir empty (or absent) and every message still queued at the provider."""
        for subdir in ("new", "cur", "tmp"):
            self.assertEqual(self.maildir_files(subdir), [],
                             f"Maildir/{subdir} should be empty{self.context()}")
        self.assertEqual(self.provider.queue.deliveries(), [],
                         f"the provider recorded deliveries{self.context()}")
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), sorted(queued_ids))

    def assertStoredExactly(self, messages):
        """Maildir/new holds exactly MESSAGES, byte for byte, and nothing is left in tmp/."""
        files = self.maildir_files("new")
        self.assertEqual(len(files), len(messages), f"files in Maildir/new{self.context()}")
        self.assertEqual(self.maildir_files("tmp"), [], "Maildir/tmp should be empty")
        expected = {m.message_id: m for m in messages}
        raw_files = []
        for path in files:
            raw = path.read_bytes()
            raw_files.append(raw)
            return_path, _, rest = split_stored(raw)
            message = expected.pop(header_message_id(rest), None)
            self.assertIsNotNone(message, f"{path.name} is not one of the queued messages")
            self.assertEqual(return_path, message.sender, f"Return-Path of {path.name}")
            self.assertEqual(rest, as_stored(message), f"body of {path.name} differs")
        self.assertEqual(expected, {}, "messages missing from the Maildir")
        self.assertReadableMaildir(raw_files, messages)

    def assertReadableMaildir(self, raw_files, messages):
        """A reader nobody here wrote (Python's mailbox) sees the same messages."""
        box = mailbox.Maildir(str(self.maildir), factory=None, create=False)
        senders = {m.message_id: m.sender for m in messages}
        self.assertEqual(len(box), len(messages))
        self.assertEqual(sorted(box.get_bytes(key) for key in box.keys()), sorted(raw_files))
        for message in box:
            self.assertEqual(message.get_subdir(), "new")
            self.assertIsNotNone(message["Received"])
            self.assertEqual(message["Return-Path"], f"<{senders[message['Message-ID']]}>")

    def customer_lines(self, session: int = 0) -> list[str]:
        return self.provider.sessions()[session].customer_lines()

    # -- the scenarios

    def test_tls_cram_md5(self):
        """STARTTLS, CRAM-MD5, three messages: all stored byte-exact, queue empty."""
        messages = make_messages(3, ["alice@example.org", "bob@example.com"])
        self.start_provider(messages, auth_mechs_tls=("CRAM-MD5",))
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly(messages)
        self.assertEqual(self.provider.queue.queued(), [])
        first = self.provider.sessions()[0]
        self.assertTrue(first.tls, "STARTTLS was not used")
        self.assertIn("AUTH CRAM-MD5", first.customer_lines())
        self.assertEqual(first.atrn_domains, list(DOMAINS))
        offered = first.customer_extensions
        for extension in ("pipelining", "8bitmime", "size", "enhancedstatuscodes"):
            self.assertIn(extension, offered, f"not advertised after the turn{self.context()}")
        self.assertNotIn("starttls", offered, "STARTTLS must never be advertised after the turn")

    def test_tls_plain(self):
        """STARTTLS, then AUTH PLAIN (the only mechanism offered inside TLS)."""
        messages = make_messages(2, ["alice@example.org"])
        self.start_provider(messages, auth_mechs_tls=("PLAIN",))
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly(messages)
        self.assertTrue(any(line.upper().startswith("AUTH PLAIN") for line in self.customer_lines()))
        self.assertEqual(self.provider.queue.queued(), [])

    def test_no_mail(self):
        """An empty queue: 453 to ATRN, exit 1, no message stored."""
        self.start_provider()
        self.fetch()
        self.assertExit(1)
        self.assertEqual(self.maildir_files("new"), [])
        self.assertTrue(self.provider.sessions()[0].atrn_reply.startswith("453"))

    def test_bad_password(self):
        """535 to AUTH: exit 77, nothing delivered, no ATRN sent."""
        ids = self.start_provider(make_messages(3, ["alice@example.org"]),
                                  password="not the password in the file")
        self.fetch()
        self.assertExit(EX_NOPERM)
        self.assertNothingDelivered(ids)
        self.assertFalse(any(line.upper().startswith("ATRN") for line in self.customer_lines()))

    def test_no_starttls_refused(self):
        """No STARTTLS offered while --tls starttls: refused, nothing after EHLO but QUIT."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), no_starttls=True)
        self.fetch()
        self.assertRefused()
        self.assertNothingDelivered(ids)
        lines = self.customer_lines()
        self.assertTrue(lines and lines[0].upper().startswith("EHLO"), lines)
        self.assertEqual([line for line in lines[1:] if line.upper() != "QUIT"], [],
                         f"sent after EHLO without TLS{self.context()}")

    def test_tls_none_cram_md5(self):
        """--tls none against a provider without STARTTLS: CRAM-MD5 in clear text works."""
        messages = make_messages(3, ["alice@example.org", "bob@example.com"])
        self.start_provider(messages, no_starttls=True)
        self.fetch(tls="none")
        self.assertExit(0)
        self.assertStoredExactly(messages)
        self.assertIn("AUTH CRAM-MD5", self.customer_lines())

    def test_wrong_certificate_host(self):
        """The provider's certificate names wrong.example: refused before AUTH."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), cert="wrong")
        self.fetch()
        self.assertRefused()
        self.assertNothingDelivered(ids)
        self.assertFalse(any(line.upper().startswith("AUTH") for line in self.customer_lines()))

    def test_unknown_ca(self):
        """The certificate is signed by a CA the customer was not told to trust."""
        other = make_test_ca.ensure(self.tmp / "other-ca")
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        self.fetch(ca_file=other.ca_pem)
        self.assertRefused()
        self.assertNothingDelivered(ids)
        self.assertFalse(any(line.upper().startswith("AUTH") for line in self.customer_lines()))

    def test_foreign_recipient_refused(self):
        """RCPTs outside the ATRN domains get 550 and stay queued; the rest is delivered."""
        normal = make_messages(2, ["alice@example.org", "bob@example.com"])
        foreign = make_message("mallory@origin.test", ["carol@example.net"],
                               "Not for this customer", "Relay me, please.\n")
        mixed = make_message("ada@origin.test", ["alice@example.org", "eve@example.net"],
                             "Half for this customer", "One copy belongs here.\n")
        ids = self.start_provider([normal[0], foreign, mixed, normal[1]],
                                  send_foreign_recipients=True)
        foreign_id, mixed_id = ids[1], ids[2]
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly([normal[0], mixed, normal[1]])
        queue = self.provider.queue
        self.assertEqual(sorted(m.id for m in queue.queued()), [foreign_id, mixed_id])
        self.assertEqual(queue.get(foreign_id).pending, ["carol@example.net"])
        self.assertEqual(queue.get(mixed_id).pending, ["eve@example.net"])
        for message_id, rcpt in ((foreign_id, "carol@example.net"), (mixed_id, "eve@example.net")):
            reply = queue.get(message_id).replies[rcpt]
            self.assertTrue(reply.startswith("550 5.7.1"),
                            f"reply to RCPT {rcpt}: {reply!r}{self.context()}")

    def test_dot_lines_and_8bit(self):
        """Dot-leading lines, a lone ".", 8-bit text and a 998-octet line arrive intact."""
        message = awkward_message()
        self.start_provider([message])
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly([message])

    def test_bdat_dot_lines_and_8bit(self):
        """The same through Exim's BDAT (no dot-stuffing there), with two more messages."""
        messages = [awkward_message()] + make_messages(2, ["bob@example.com"])
        self.start_provider(messages, pipelining=True, chunking=True)
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly(messages)
        first = self.provider.sessions()[0]
        if "chunking" not in first.customer_extensions:
            self.skipTest("odmr-fetch does not offer CHUNKING, so DATA was used")
        self.assertTrue(any(who == "S" and text.startswith("BDAT ")
                            for who, text in first.transcript), f"BDAT not used{self.context()}")

    def test_one_message_per_session(self):
        """Exim over TLS delivers one message per session: odmr-fetch comes back for more."""
        messages = make_messages(3, ["alice@example.org", "bob@example.com"])
        self.start_provider(messages, one_per_session=True, pipelining=True, chunking=True)
        self.fetch()
        self.assertExit(0)
        self.assertStoredExactly(messages)
        self.assertEqual(self.provider.queue.queued(), [])
        sessions = self.provider.sessions()
        self.assertGreaterEqual(len(sessions), 3)
        self.assertTrue(sessions[-1].atrn_reply.startswith("453"),
                        f"the last session should end on 453{self.context()}")

    def test_bare_quit_after_turn(self):
        """Exim's 250 then a raw QUIT (clear text beneath TLS) and close: no mail, exit 1."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  bare_quit_after_turn=True)
        self.fetch()
        self.assertExit(1)
        self.assertNothingDelivered(ids)
        self.assertEqual(self.provider.session_count, 1, "no reconnect after an empty session")

    def test_bare_quit_after_turn_plaintext(self):
        """The same bare QUIT without TLS (--tls none): no mail, exit 1."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  bare_quit_after_turn=True, no_starttls=True)
        self.fetch(tls="none")
        self.assertExit(1)
        self.assertNothingDelivered(ids)
        self.assertEqual(self.provider.session_count, 1, "no reconnect after an empty session")

    def test_atrn_451(self):
        """451 to ATRN is temporary: exit 75, nothing delivered."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), atrn_reply=451)
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertNothingDelivered(ids)

    def test_atrn_530(self):
        """530 to ATRN after a good AUTH: a failure, nothing delivered."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), atrn_reply=530)
        self.fetch()
        self.assertRefused()
        self.assertNothingDelivered(ids)

    def test_implicit_tls(self):
        """--tls implicit against a provider speaking TLS from the first byte."""
        messages = make_messages(3, ["alice@example.org", "bob@example.com"])
        self.start_provider(messages, implicit_tls=True)
        self.fetch(tls="implicit")
        self.assertExit(0)
        self.assertStoredExactly(messages)
        self.assertEqual(self.provider.queue.queued(), [])

    def test_max_sessions_one(self):
        """--max-sessions 1 with one message per session: one delivered, two left."""
        messages = make_messages(3, ["alice@example.org"])
        ids = self.start_provider(messages, one_per_session=True, pipelining=True)
        self.fetch("--max-sessions", "1")
        self.assertExit(0)
        self.assertEqual(self.provider.session_count, 1)
        self.assertStoredExactly(messages[:1])
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), ids[1:])

    def test_connection_lost_mid_message(self):
        """The provider cuts the line halfway through a body: exit 75, nothing half-stored."""
        ids = self.start_provider(make_messages(3, ["alice@example.org"], size=20000),
                                  drop_mid_data=True)
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertNothingDelivered(ids)

    def test_connection_lost_mid_bdat(self):
        """The same cut inside Exim's pipelined BDAT chunk: exit 75, nothing half-stored."""
        ids = self.start_provider(make_messages(3, ["alice@example.org"], size=20000),
                                  drop_mid_data=True, pipelining=True, chunking=True)
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertNothingDelivered(ids)


if __name__ == "__main__":
    unittest.main()
