#!/usr/bin/env python3
"""End-to-end tests of the reversed SMTP session: extensions, limits, hostile providers.

The real odmr-fetch binary against the fake provider (tests/provider/), after
the turn either Python's smtplib varied by the provider's modes (BDAT in
chunks, BINARYMIME, SMTPUTF8, DSN parameters, SIZE that lies) or a scripted
raw-socket client (tests/provider/scripted_client.py) playing a hostile or
broken provider. Every test checks:

- the RFC reply the provider recorded (code and enhanced code),
- odmr-fetch's exit status,
- how the connection ended (QUIT and 221, or 421 and the customer closing),
- which messages the provider still holds,
- that the Maildir holds exactly the acknowledged messages, byte for byte,
  and nothing in tmp/ or cur/.

odmr-fetch runs with --timeout 2 so the stalls take seconds, not minutes.
ODMR_FETCH names the binary (ctest sets it); by hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_reversed_session.py -v
    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_reversed_session.py \\
        ReversedSession.test_smuggling

Set ODMR_E2E_KEEP=1 to keep each test's temporary directory.
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
sys.path.insert(0, str(HERE))

import make_test_ca  # noqa: E402
from odmr_case import RETRY_DELAY, OdmrCase, write_secret  # noqa: E402
from odmr_provider import (Message, Provider, ProviderConfig, make_message,  # noqa: E402
                           make_messages)
from test_end_to_end import split_stored  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
TIMEOUT = 2  # odmr-fetch's --timeout: what a stall costs
PROVIDER_TIMEOUT = 10  # the provider's wait for any reply (or for the customer to close)
RUN_TIMEOUT = 60
EX_TEMPFAIL, EX_PROTOCOL = 75, 76


def status(reply: str) -> str:
    """ "552 5.3.4 Message size..." -> "552 5.3.4"; "250 OK" -> "250"."""
    found = re.match(r"(\d{3})(?: ([245]\.\d{1,3}\.\d{1,3})(?= |$))?", reply)
    if not found:
        return reply
    return " ".join(part for part in found.groups() if part)


def stored_form(message: Message) -> bytes:
    """What follows our trace headers in the Maildir file: every line end
    (CRLF, or a bare LF in DATA) is stored as LF; anything else is unchanged."""
    return message.body.replace(b"\r\n", b"\n")


def small_message(rcpt="alice@example.org", subject="A small one") -> Message:
    return make_message("ada@origin.test", [rcpt], subject,
                        "Short and well-behaved.\n" + "x" * 998 + "\n")


def big_message(size=6000) -> Message:
    return make_messages(1, ["bob@example.com"], size=size, seed=7)[0]


def utf8_messages():
    """SMTPUTF8 mail: UTF-8 senders, recipients' local parts and headers."""
    first = make_message("ü@example.net", ["jürgen@example.org"], "Grüße aus Köln",
                         "Schöne Grüße!\nÜberall Umlaute: äöü ÄÖÜ ß\n",
                         from_header="Üwe Müller <ü@example.net>")
    second = make_message("山田@example.net", ["用户@example.com", "alice@example.org"],
                          "日本語の件名", "本文です。\n📬\n", from_header="山田 <山田@example.net>")
    return [first, second]


def binary_message() -> Message:
    """Bare CR, bare LF, NUL, a CRLF split across a 64-octet chunk boundary and
    CRLF "." CRLF, which is only data in BDAT."""
    head = make_message("ada@origin.test", ["alice@example.org"], "Binary body", "").body
    body = (b"bare CR\rbare LF\nNUL\x00here\r\n"
            # padding so that the CRLF after it straddles a 64-octet chunk boundary
            + b"a" * (63 - (len(head) + 26) % 64) + b"\r\n"
            + b"a line\r\n.\r\nafter the dot\r\n\x00\xff\xfe\r\r\n\n\rend")
    return Message("ada@origin.test", ["alice@example.org"], head + body, binary=True)


def smuggling_messages():
    """Bodies that hide a second transaction behind "\\n.\\n", "\\r\\n.\\n" and "\\n.\\r\\n"."""
    messages = []
    for name, end in (("LF.LF", b"\n.\n"), ("CRLF.LF", b"\r\n.\n"), ("LF.CRLF", b"\n.\r\n")):
        head = make_message("ada@origin.test", ["alice@example.org"],
                            f"Smuggling with {name}", "").body
        body = (b"Innocent text" + end + b"MAIL FROM:<evil@attacker.example>\r\n"
                b"RCPT TO:<alice@example.org>\r\nDATA\r\nFrom: ceo@example.org\r\n"
                b"Subject: smuggled " + name.encode() + b"\r\n\r\nWire the money.\r\n")
        messages.append(Message("ada@origin.test", ["alice@example.org"], head + body,
                                binary=True))
    return messages


class ReversedSession(OdmrCase):
    """One scenario of the reversed session per test."""

    workspace_prefix = "odmr-rs"

    def setUp(self):
        self.make_workspace()
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.provider = None
        self.proc = None

    # -- running the two sides

    def start_provider(self, messages, **config):
        """Start the provider (over STARTTLS) with MESSAGES queued; return their ids."""
        self.provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=PROVIDER_TIMEOUT, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def fetch(self, *options):
        argv = [self.binary, "-v", "--host", f"localhost:{self.provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                "--deliver", f"maildir:{self.maildir}", "--timeout", str(TIMEOUT),
                *RETRY_DELAY, *options, *DOMAINS]
        try:
            self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            self.proc = expired
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s{self.context()}")
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)

    def context(self) -> str:
        parts = []
        if self.proc is not None:
            parts.append("command: " + " ".join(map(str, self.proc.args)))
            parts.append(f"exit status: {getattr(self.proc, 'returncode', 'timed out')}")
            text = (getattr(self.proc, "stderr", None) or b"").decode("utf-8", "replace")
            parts.append(f"--- odmr-fetch stderr (last 3000 chars) ---\n{text[-3000:]}")
        if self.provider is not None:
            parts.append("--- provider transcripts (last 6000 chars) ---\n"
                         + self.provider.transcripts()[-6000:])
        return "\n\n" + "\n".join(parts)

    def stderr(self) -> str:
        return self.proc.stderr.decode("utf-8", "replace")

    # -- assertions

    def assertExit(self, expected: int):
        self.assertEqual(self.proc.returncode, expected, f"exit status{self.context()}")

    def maildir_files(self, subdir: str):
        folder = self.maildir / subdir
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def stored(self):
        """[(Return-Path address, Received header, message)] of every file in new/."""
        return [split_stored(path.read_bytes()) for path in self.maildir_files("new")]

    def assertStored(self, *messages):
        """new/ holds exactly one file per MESSAGES entry (a message may be listed
        more than once), byte for byte; tmp/ and cur/ are empty; and there is one
        file per transaction the provider saw acknowledged, no more, no fewer."""
        stored = sorted((sender, rest) for sender, _, rest in self.stored())
        expected = sorted((m.sender, stored_form(m)) for m in messages)
        self.assertEqual(len(stored), len(expected), f"files in Maildir/new{self.context()}")
        self.assertEqual(stored, expected, f"Maildir contents{self.context()}")
        self.assertEqual(self.maildir_files("tmp"), [], "a partial file was left in tmp/")
        self.assertEqual(self.maildir_files("cur"), [], "something in cur/")
        self.assertEqual(len(self.provider.queue.deliveries()), len(messages),
                         f"acknowledged transactions vs. stored files{self.context()}")
        if messages and self.maildir.is_dir():
            box = mailbox.Maildir(str(self.maildir), factory=None, create=False)
            self.assertEqual(len(box), len(messages), "Python's mailbox sees another count")

    def assertLogSays(self, words: str):
        """odmr-fetch's output (-v) says what happened, in these words (any case)."""
        self.assertIn(words.lower(), self.stderr().lower(), f"log{self.context()}")

    def assertQueued(self, ids):
        """The provider still holds exactly these messages (ids)."""
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), sorted(ids),
                         f"messages still queued at the provider{self.context()}")

    def assertQuitCleanly(self):
        """Every smtplib session after the turn ended with QUIT answered by 221."""
        for session in self.provider.sessions():
            if not session.turned:
                continue
            self.assertEqual(session.error, "", f"session {session.number}{self.context()}")
            replies = [text for who, text in session.transcript if who == "C"]
            self.assertTrue(replies[-1].startswith("221 2.0.0"),
                            f"session {session.number} did not end with 221{self.context()}")

    def script(self, session: int = 0):
        outcome = self.provider.sessions()[session].script
        self.assertIsNotNone(outcome, f"no scripted client ran{self.context()}")
        return outcome

    def assertScript(self, statuses, ending, session: int = 0):
        """The scripted client got exactly these replies (status = code and enhanced
        code), then the connection ended this way."""
        outcome = self.script(session)
        self.assertEqual(outcome.greeting.code if outcome.greeting else None, 220)
        self.assertEqual(outcome.statuses, statuses, f"replies{self.context()}")
        self.assertEqual(outcome.ending, ending, f"how the connection ended{self.context()}")

    def sent(self, prefix: str, session: int = 0):
        """The lines the provider sent after the turn that start with PREFIX."""
        transcript = self.provider.sessions()[session].transcript
        turn = next(i for i, (who, text) in enumerate(transcript) if text.startswith("----"))
        lines = [text for who, text in transcript[turn:] if who == "S"]
        # smtplib writes "mail FROM:", "rcpt TO:": compare verbs in capitals
        lines = [verb.upper() + rest for verb, rest in (re.match(r"(\S*)(.*)", t, re.S).groups()
                                                         for t in lines)]
        return [text for text in lines if text.upper().startswith(prefix.upper())]

    def replies_after_turn(self, session: int = 0):
        transcript = self.provider.sessions()[session].transcript
        turn = next(i for i, (who, text) in enumerate(transcript) if text.startswith("----"))
        return [text for who, text in transcript[turn:] if who == "C"]

    # ---------------------------------------------------------------- BDAT

    def test_bdat_chunks_pipelined(self):
        """MAIL, RCPT and every 100-octet BDAT chunk in one write: all stored byte-exact."""
        messages = [small_message()] + make_messages(2, ["bob@example.com"], seed=3)
        self.start_provider(messages, pipelining=True, chunking=True, chunk_size=100)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        chunks = self.sent("BDAT ")
        self.assertGreater(len(chunks), 3 * len(messages), "messages were not sent in chunks")
        self.assertTrue(all(line.endswith("in the same write]") for line in chunks))
        self.assertEqual(len([c for c in chunks if " LAST" in c]), len(messages))
        replies = self.replies_after_turn()
        self.assertIn("250 2.0.0 100 octets received", replies)
        self.assertEqual([r for r in replies[1:] if not r.startswith(("250", "221"))], [],
                         f"a refusal{self.context()}")

    def test_bdat_chunks_one_at_a_time_zero_last(self):
        """BDAT without pipelining, 500-octet chunks, each message ended by BDAT 0 LAST."""
        messages = make_messages(2, ["alice@example.org"], size=1800, seed=5)
        self.start_provider(messages, chunking=True, chunk_size=500, bdat_zero_last=True)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        self.assertEqual(self.sent("BDAT 0 LAST"), ["BDAT 0 LAST"] * 2)
        self.assertIn("250 2.0.0 500 octets received", self.replies_after_turn())

    def test_binarymime(self):
        """BODY=BINARYMIME with bare CR, bare LF and NUL in 64-octet chunks, then
        BDAT 0 LAST: stored unchanged but for CRLF -> LF; the next message follows."""
        messages = [binary_message(), small_message()]
        self.start_provider(messages, pipelining=True, chunking=True, chunk_size=64,
                            bdat_zero_last=True)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        mail = self.sent("MAIL FROM:")
        self.assertIn("BODY=BINARYMIME", mail[0])
        self.assertNotIn("BODY=BINARYMIME", mail[1])
        raw = [rest for _, _, rest in self.stored() if b"\x00" in rest]
        self.assertEqual(len(raw), 1)
        self.assertIn(b"bare CR\rbare LF\nNUL\x00here\n", raw[0])
        self.assertIn(b"a line\n.\nafter the dot\n", raw[0])

    # ---------------------------------------------------------------- SMTPUTF8

    def test_smtputf8(self):
        """MAIL FROM:<ü@example.net> SMTPUTF8, UTF-8 recipients and headers: delivered
        unchanged, with Return-Path and Received in UTF-8 and "with UTF8SMTPS"."""
        messages = utf8_messages()
        self.start_provider(messages)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        mail = self.sent("MAIL FROM:")
        self.assertEqual(len(mail), 2)
        self.assertTrue(mail[0].startswith("MAIL FROM:<ü@example.net> "), mail[0])
        for line in mail:
            self.assertIn(" SMTPUTF8", line)
        received = {sender: header for sender, header, _ in self.stored()}
        self.assertIn(b"with UTF8SMTPS", received["ü@example.net"])
        self.assertIn("for <jürgen@example.org>".encode(), received["ü@example.net"])
        self.assertIn(b"with UTF8SMTPS", received["山田@example.net"])

    def test_smtputf8_pipelined_bdat(self):
        """The same mail pipelined through 50-octet BDAT chunks."""
        messages = utf8_messages()
        self.start_provider(messages, pipelining=True, chunking=True, chunk_size=50)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        for line in self.sent("MAIL FROM:"):
            self.assertIn(" SMTPUTF8", line)
        self.assertTrue(self.sent("BDAT "), f"BDAT was not used{self.context()}")
        for _, received, _ in self.stored():
            self.assertIn(b"with UTF8SMTPS", received)

    def test_utf8_without_smtputf8_refused(self):
        """UTF-8 in MAIL or RCPT without the SMTPUTF8 parameter: 553 5.6.7, the
        message stays queued; an ASCII message in the same session is delivered."""
        utf8_sender = utf8_messages()[0]
        utf8_rcpt = make_message("ada@origin.test", ["jürgen@example.org"], "ASCII sender",
                                 "Hello.\n")
        plain = small_message()
        ids = self.start_provider([utf8_sender, utf8_rcpt, plain], smtputf8="never")
        self.fetch()
        self.assertExit(0)
        self.assertStored(plain)
        self.assertQueued(ids[:2])
        self.assertQuitCleanly()
        queue = self.provider.queue
        self.assertEqual(status(queue.get(ids[0]).last_reply), "553 5.6.7")
        self.assertEqual(status(queue.get(ids[1]).replies["jürgen@example.org"]), "553 5.6.7")
        self.assertFalse(any(" SMTPUTF8" in line for line in self.sent("MAIL FROM:")))

    # ---------------------------------------------------------------- DSN

    def check_dsn(self, **config):
        messages = [make_message("ada@origin.test", ["alice+tag@example.org", "bob@example.com"],
                                 "With DSN", "Please confirm.\n"), small_message()]
        ids = self.start_provider(messages, dsn_ret="HDRS", dsn_notify="SUCCESS,FAILURE", **config)
        self.fetch()
        self.assertExit(0)
        self.assertStored(*messages)
        self.assertQueued([])
        self.assertQuitCleanly()
        mail = self.sent("MAIL FROM:")
        self.assertEqual(len(mail), 2)
        self.assertTrue(mail[0].endswith(f" RET=HDRS ENVID={ids[0]}"), mail[0])
        rcpt = self.sent("RCPT TO:")
        self.assertIn("RCPT TO:<alice+tag@example.org> NOTIFY=SUCCESS,FAILURE "
                      "ORCPT=rfc822;alice+2Btag@example.org", rcpt)
        for message_id in ids:
            for reply in self.provider.queue.get(message_id).replies.values():
                self.assertEqual(status(reply), "250 2.0.0")

    def test_dsn_parameters(self):
        """RET=HDRS ENVID= on MAIL, NOTIFY=SUCCESS,FAILURE ORCPT=rfc822; on RCPT: accepted."""
        self.check_dsn()

    def test_dsn_parameters_pipelined(self):
        """The same DSN parameters in a pipelined MAIL/RCPT/DATA."""
        self.check_dsn(pipelining=True)

    # ---------------------------------------------------------------- limits

    def check_recipient_limit(self, **config):
        rcpts = [f"user{i}@example.org" for i in range(1, 6)]
        message = make_message("ada@origin.test", rcpts, "For five", "Five recipients.\n")
        self.start_provider([message], pipelining=True, **config)
        self.fetch("--max-recipients", "2")
        self.assertExit(0)
        self.assertStored(message, message, message)
        self.assertQueued([])
        self.assertQuitCleanly()
        deliveries = self.provider.queue.deliveries()
        self.assertEqual([d.recipients for d in deliveries],
                         [tuple(rcpts[0:2]), tuple(rcpts[2:4]), tuple(rcpts[4:])])
        self.assertEqual({d.session for d in deliveries}, {1}, "not retried in the same session")
        refused = [r for r in self.replies_after_turn() if r.startswith("452")]
        self.assertEqual([status(r) for r in refused], ["452 4.5.3"] * 4)
        received = sorted(header for _, header, _ in self.stored())
        self.assertEqual(sum(b"for <user5@example.org>" in h for h in received), 1)

    def test_too_many_recipients(self):
        """Five recipients, --max-recipients 2: 452 4.5.3 for the rest, which the
        provider sends in new transactions; three copies, all acknowledged once."""
        self.check_recipient_limit()

    def test_too_many_recipients_bdat(self):
        """The same with BDAT pipelined behind the RCPTs."""
        self.check_recipient_limit(chunking=True)

    def check_too_big(self, *options, expected="552 5.3.4", **config):
        big, small = big_message(), small_message()
        ids = self.start_provider([big, small], **config)
        self.fetch("--max-message-size", "2048", *options)
        self.assertExit(0)
        self.assertStored(small)
        self.assertQueued([ids[0]])
        self.assertQuitCleanly()
        if config.get("chunking"):
            self.assertTrue(self.sent("BDAT "), f"BDAT was not used{self.context()}")
        return self.provider.queue.get(ids[0])

    def test_message_too_big_data(self):
        """6,000 octets over DATA with no SIZE= against --max-message-size 2048:
        counted, 552 5.3.4, stays queued; the next message is delivered."""
        big = self.check_too_big(declare_size="none")
        self.assertEqual(status(big.last_reply), "552 5.3.4")

    def test_message_too_big_bdat(self):
        """The same in pipelined 1,000-octet BDAT chunks: 552 5.3.4 when the count
        passes the limit; the chunks already in the pipe are discarded."""
        big = self.check_too_big(declare_size="none", pipelining=True, chunking=True,
                                 chunk_size=1000)
        self.assertEqual(status(big.last_reply), "552 5.3.4")

    def test_message_too_big_many_chunks(self):
        """As above in 100-octet chunks: 40 chunks are still in the pipe after the
        552. RFC 3030 says the server MUST accept and discard them; they must not
        count as the provider's errors (--max-errors, default 20) and end the session."""
        big = self.check_too_big(declare_size="none", pipelining=True, chunking=True,
                                 chunk_size=100)
        self.assertEqual(status(big.last_reply), "552 5.3.4")

    def test_declared_size_over_limit(self):
        """SIZE=6000 on a pipelined MAIL against --max-message-size 2048: 552 5.3.4
        before any data; the pipelined RCPT and DATA fail; the next message is delivered."""
        big = self.check_too_big(pipelining=True)
        self.assertEqual({status(r) for r in big.replies.values()}, {"552 5.3.4"})
        self.assertIn("SIZE=6", self.sent("MAIL FROM:")[0])
        replies = self.replies_after_turn()
        ehlo_end = next(i for i, r in enumerate(replies) if r.startswith("250 "))
        mail_reply = replies[ehlo_end + 1]  # the first reply after EHLO's
        self.assertEqual(status(mail_reply), "552 5.3.4", f"MAIL was not refused{self.context()}")
        self.assertEqual(len([r for r in replies if r.startswith("354")]), 1,
                         f"DATA should go ahead for the small message only{self.context()}")

    def test_declared_size_lies(self):
        """SIZE=100 declared for 6,000 octets in one BDAT chunk: caught by counting."""
        big = self.check_too_big(declare_size="100", pipelining=True, chunking=True)
        self.assertEqual(status(big.last_reply), "552 5.3.4")
        self.assertTrue(self.sent("MAIL FROM:")[0].endswith(" SIZE=100"))

    def check_long_line(self, **config):
        long_line = make_message("ada@origin.test", ["alice@example.org"], "A long line",
                                 "Next comes a line of 1,200 octets:\n" + "y" * 1200 + "\n")
        small = small_message()  # has a line of exactly 998 octets
        ids = self.start_provider([long_line, small], **config)
        self.fetch("--max-line-length", "998")
        if config.get("chunking"):
            self.assertTrue(self.sent("BDAT "), f"BDAT was not used{self.context()}")
        self.assertExit(0)
        self.assertStored(small)
        self.assertQueued([ids[0]])
        self.assertQuitCleanly()
        self.assertEqual(status(self.provider.queue.get(ids[0]).last_reply), "552 5.3.4")

    def test_long_message_line(self):
        """A 1,200-octet message line over DATA with --max-line-length 998: 552 5.3.4,
        stays queued; a message with a 998-octet line is delivered."""
        self.check_long_line()

    def test_long_message_line_bdat(self):
        """The same line in a BDAT chunk (BODY is not BINARYMIME, so it has lines)."""
        self.check_long_line(pipelining=True, chunking=True)

    # ---------------------------------------------------------------- hostile, scripted

    def test_garbage_instead_of_ehlo(self):
        """Junk lines instead of EHLO: 500 5.5.2 each, and with --max-errors 3 the
        third is followed by 421 4.7.0 and the customer closes; exit 76, nothing taken."""
        ids = self.start_provider([small_message()], script="garbage")
        self.fetch("--max-errors", "3")
        self.assertExit(EX_PROTOCOL)
        self.assertScript(["500 5.5.2"] * 3 + ["421 4.7.0"], "eof")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("too many errors")

    def test_commands_out_of_order(self):
        """RCPT, DATA and BDAT before MAIL get 503 5.5.1 (the BDAT chunk is swallowed,
        not read as commands); the session then delivers the message properly."""
        message = small_message()
        self.start_provider([message], script="out-of-order")
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "503 5.5.1", "503 5.5.1", "503 5.5.1",
                           "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"], "eof")
        self.assertStored(message)
        self.assertQueued([])

    def test_mail_without_rcpt(self):
        """MAIL then DATA, MAIL then BDAT, and a refused RCPT then DATA: 554 5.5.1
        each, nothing stored; after RSET the message is delivered once."""
        message = small_message()
        self.start_provider([message], script="mail-without-rcpt")
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "250 2.1.0", "554 5.5.1", "554 5.5.1", "250 2.0.0",
                           "250 2.1.0", "550 5.7.1", "554 5.5.1", "250 2.0.0",
                           "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"], "eof")
        self.assertStored(message)
        self.assertQueued([])

    def test_bdat_size_lies_then_close(self):
        """BDAT announcing 1,000 octets more than sent, then the provider hangs up:
        nothing delivered, nothing left in tmp/, exit 75."""
        ids = self.start_provider([small_message()], script="bdat-short-close")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5"], "provider hung up")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("not delivered")

    def test_bdat_size_lies_then_stall(self):
        """The same lying BDAT, then silence: 421 4.4.2 after --timeout, clean close."""
        ids = self.start_provider([small_message()], script="bdat-short-stall")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5", "421 4.4.2"], "eof")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("not delivered")

    def test_stall_mid_command(self):
        """Half a command line, no CRLF, then silence: 421 4.4.2 after --timeout."""
        ids = self.start_provider([small_message()], script="stall-mid-command")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "421 4.4.2"], "eof")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("timeout waiting for a command")

    def test_stall_mid_data(self):
        """Message data that stops mid-line, then silence: 421 4.4.2, nothing stored."""
        ids = self.start_provider([big_message()], script="stall-mid-data")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5", "354", "421 4.4.2"], "eof")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("not delivered")

    def test_close_mid_data(self):
        """The whole body and CRLF "." but not the final CRLF, then the provider hangs
        up: not the end of the data, so nothing is delivered; exit 75."""
        ids = self.start_provider([big_message()], script="close-mid-data")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5", "354"], "provider hung up")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("not delivered")

    def test_close_mid_bdat(self):
        """A first chunk acknowledged, then half of the LAST chunk and the provider
        hangs up: the message is not delivered; exit 75."""
        ids = self.start_provider([big_message()], script="close-mid-bdat")
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5", "250 2.0.0"], "provider hung up")
        self.assertStored()
        self.assertQueued(ids)
        self.assertLogSays("not delivered")

    def test_smuggling(self):
        """A second MAIL FROM hidden behind "\\n.\\n", "\\r\\n.\\n" or "\\n.\\r\\n" in
        DATA: each is ONE message holding those bytes, never two; no message from
        the smuggled sender; QUIT pipelined behind the last dot is still a command."""
        messages = smuggling_messages()
        self.start_provider(messages, script="smuggle")
        self.fetch()
        self.assertExit(0)
        one = ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"]
        self.assertScript(["250"] + one * 3 + ["221 2.0.0"], "eof")
        self.assertStored(*messages)
        self.assertQueued([])
        for sender, _, rest in self.stored():
            self.assertEqual(sender, "ada@origin.test")
            self.assertIn(b"MAIL FROM:<evil@attacker.example>\n", rest)

    def test_long_command_line(self):
        """Command lines of 1,200 and 100,000 octets: 500 5.5.2 each, the session goes on."""
        message = small_message()
        self.start_provider([message], script="long-command")
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "500 5.5.2", "500 5.5.2", "250 2.1.0", "250 2.1.5", "354",
                           "250 2.0.0", "221 2.0.0"], "eof")
        self.assertStored(message)
        self.assertQueued([])

    def test_assorted_commands(self):
        """HELP 214, VRFY 252, EXPN 502, NOOP; RSET and a second EHLO abandon a
        transaction (DATA then gets 503); after HELO, MAIL parameters get 555 and
        the message is received as plain SMTP."""
        message = small_message()
        self.start_provider([message], script="assorted-commands")
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "214 2.0.0", "252 2.5.0", "502 5.5.1", "250 2.0.0",
                           "250 2.1.0", "250 2.1.5", "250 2.0.0", "503 5.5.1",
                           "250 2.1.0", "250 2.1.5", "250", "503 5.5.1",
                           "250", "555 5.5.4",
                           "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"], "eof")
        self.assertStored(message)
        self.assertQueued([])
        (_, received, _), = self.stored()
        self.assertIn(b"with SMTPS", received)

    def test_trickle(self):
        """Message data in six pieces 0.5 s apart, 2.5 s in all with --timeout 2:
        the timeout is per read, so a slow provider is not cut off."""
        message = big_message()
        self.start_provider([message], script="trickle")
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"],
                          "eof")
        self.assertStored(message)
        self.assertQueued([])


if __name__ == "__main__":
    unittest.main()
