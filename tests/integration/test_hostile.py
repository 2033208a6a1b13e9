#!/usr/bin/env python3
"""End-to-end tests of what a hostile provider (or an attacker on the path) could do,
issue 12 items 4, 8, 11, 12, 13 and 14: header injection, slow providers, terminal
escapes, log flooding, internationalised domains and a stripped STARTTLS.

The real odmr-fetch binary against the fake provider (tests/provider/), with a
scripted raw-socket client after the turn where the provider must misbehave.

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_hostile.py -v
"""

import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))
sys.path.insert(0, str(HERE))

import make_test_ca  # noqa: E402
from odmr_provider import Provider, ProviderConfig, make_message  # noqa: E402
from odmr_case import RETRY_DELAY, OdmrCase, write_secret  # noqa: E402
from scripted_client import (HELLO, Expect, Pause, Send, deliver_with_data, line,  # noqa: E402
                             quit_steps)
from test_end_to_end import split_stored  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
TIMEOUT = 2
PROVIDER_TIMEOUT = 10
RUN_TIMEOUT = 90
EX_USAGE, EX_TEMPFAIL, EX_PROTOCOL, EX_NOPERM = 64, 75, 76, 77
U_LABEL, A_LABEL = "bücher.example", "xn--bcher-kva.example"


def small_message(rcpt="alice@example.org", sender="ada@origin.test", subject="Hello"):
    return make_message(sender, [rcpt], subject, "Short and well-behaved.\n")


class Hostile(OdmrCase):

    workspace_prefix = "odmr-hostile"

    def setUp(self):
        self.make_workspace()
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.provider = None
        self.proc = None
        self.elapsed = 0.0

    # -- the two sides

    def start_provider(self, messages, domains=DOMAINS, **config):
        self.provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=domains, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=PROVIDER_TIMEOUT, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def fetch(self, *options, domains=DOMAINS, verbose="-v"):
        argv = [self.binary, verbose, "--host", f"localhost:{self.provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                "--deliver", f"maildir:{self.maildir}", "--timeout", str(TIMEOUT),
                *RETRY_DELAY, *options, *domains]
        started = time.monotonic()
        try:
            self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            self.proc = expired
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s{self.context()}")
        self.elapsed = time.monotonic() - started
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)

    def context(self) -> str:
        parts = []
        if self.proc is not None:
            parts.append("command: " + " ".join(map(str, self.proc.args)))
            parts.append(f"exit status: {getattr(self.proc, 'returncode', 'timed out')}")
            parts.append(f"--- stdout ---\n{self.stdout()[-2000:]}")
            parts.append(f"--- stderr (last 3000 chars) ---\n{self.stderr()[-3000:]}")
        if self.provider is not None:
            parts.append("--- provider transcripts (last 5000 chars) ---\n"
                         + self.provider.transcripts()[-5000:])
        return "\n\n" + "\n".join(parts)

    def stderr(self) -> str:
        return (getattr(self.proc, "stderr", None) or b"").decode("utf-8", "replace")

    def stdout(self) -> str:
        return (getattr(self.proc, "stdout", None) or b"").decode("utf-8", "replace")

    # -- assertions

    def assertExit(self, expected: int):
        self.assertEqual(self.proc.returncode, expected, f"exit status{self.context()}")

    def stored_files(self):
        new = self.maildir / "new"
        return sorted(new.iterdir()) if new.is_dir() else []

    def assertStoredAcknowledged(self):
        """One file in new/ per transaction the provider saw acknowledged; tmp/ empty."""
        self.assertEqual(len(self.stored_files()), len(self.provider.queue.deliveries()),
                         f"stored files vs. acknowledged transactions{self.context()}")
        tmp = self.maildir / "tmp"
        self.assertEqual(sorted(tmp.iterdir()) if tmp.is_dir() else [], [], "left in tmp/")

    def script(self, session: int = 0):
        outcome = self.provider.sessions()[session].script
        self.assertIsNotNone(outcome, f"no scripted client ran{self.context()}")
        return outcome

    def assertScript(self, statuses, ending, session: int = 0):
        outcome = self.script(session)
        self.assertEqual(outcome.statuses, statuses, f"replies{self.context()}")
        self.assertEqual(outcome.ending, ending, f"how the connection ended{self.context()}")

    def assertQueued(self, ids):
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), sorted(ids),
                         f"messages still queued at the provider{self.context()}")

    # ---------------------------------------------------------------- 4: header injection

    def test_quoted_pair_before_cr_or_nul_refused(self):
        """A backslash before CR or NUL inside a quoted local part, in MAIL and RCPT:
        501 5.5.4 each; the message then delivered has no injected header line."""
        message = small_message()

        def steps(claims):
            return [Send(line(f"EHLO {HELLO}")), Expect(),
                    Send(b'MAIL FROM:<"x\\\rReturn-Path: <evil@attacker.test>"@origin.test>\r\n'),
                    Expect(),
                    Send(line("MAIL FROM:<ada@origin.test>")), Expect(),
                    Send(b'RCPT TO:<"a\\\rX-Injected: yes"@example.org>\r\n'), Expect(),
                    Send(b'RCPT TO:<"a\\\x00X-Injected: yes"@example.org>\r\n'), Expect(),
                    Send(b'RCPT TO:<"a\\\x1b[2J"@example.org>\r\n'), Expect(),
                    Send(line("RSET")), Expect(),
                    *deliver_with_data(0, claims[0]), *quit_steps()]

        self.start_provider([message], script=steps)
        self.fetch()
        self.assertExit(0)
        self.assertScript(["250", "501 5.5.4", "250 2.1.0", "501 5.5.4", "501 5.5.4",
                           "501 5.5.4", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354",
                           "250 2.0.0", "221 2.0.0"], "eof")
        self.assertQueued([])
        files = self.stored_files()
        self.assertEqual(len(files), 1, self.context())
        raw = files[0].read_bytes()
        self.assertNotIn(b"X-Injected", raw)
        self.assertNotIn(b"attacker.test", raw)
        self.assertEqual(split_stored(raw)[0], "ada@origin.test")

    def test_helo_name_with_line_break_refused(self):
        """--helo-name with CR, LF or a space: status 64 before connecting."""
        self.start_provider([small_message()])
        for name in ("host.example\r\nX-Evil: 1", "host.example\nMAIL FROM:<a@b>",
                     "host example", "host\x1b[2J"):
            with self.subTest(name=name):
                self.fetch("--helo-name", name)
                self.assertExit(EX_USAGE)
                self.assertIn("--helo-name", self.stderr())
        self.assertEqual(self.provider.sessions(), [], "a connection was made")

    # ---------------------------------------------------------------- 8: slow providers

    def test_greeting_trickled_byte_by_byte(self):
        """A greeting sent one byte every 1.5 s never completes within --timeout 2:
        the customer gives up after about 2 s (not after every byte), status 75."""
        ids = self.start_provider([small_message()], trickle_greeting=1.5)
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertLess(self.elapsed, 8, f"took {self.elapsed:.1f} s{self.context()}")
        self.assertIn("timed out", self.stderr())
        self.assertQueued(ids)

    def test_command_line_trickled_byte_by_byte(self):
        """After the turn, a MAIL command sent one byte every 0.4 s (13 s in all):
        421 4.4.2 once --timeout 2 has passed for the line, not for each byte."""
        command = line("MAIL FROM:<ada@origin.test>")

        def steps(claims):
            out = [Send(line(f"EHLO {HELLO}")), Expect()]
            for byte in command:
                out += [Send(bytes([byte])), Pause(0.4)]
            return out + [Expect(), *quit_steps()]

        ids = self.start_provider([small_message()], script=steps)
        self.fetch()
        self.assertExit(EX_TEMPFAIL)
        self.assertScript(["250", "421 4.4.2"], "eof")
        self.assertLess(self.elapsed, 10, f"took {self.elapsed:.1f} s{self.context()}")
        self.assertQueued(ids)

    def test_run_timeout(self):
        """A provider that delivers slowly but steadily (a pause of 1.5 s between
        messages, each within --timeout 2) is stopped by --run-timeout 10: 421 4.4.2,
        every acknowledged message stored once, the rest still queued; mail was
        delivered, so the run exits 0 with a warning (issue 10's partial success)."""
        messages = [small_message(subject=f"Slow {i}") for i in range(12)]

        def steps(claims):
            out = [Send(line(f"EHLO {HELLO}")), Expect()]
            for index, claim in enumerate(claims):
                out += [*deliver_with_data(index, claim), Pause(1.5)]
            return out + quit_steps()

        self.start_provider(messages, script=steps)
        self.fetch("--run-timeout", "10")
        self.assertExit(0)
        self.assertIn("warning:", self.stderr())
        self.assertLess(self.elapsed, 20, f"took {self.elapsed:.1f} s{self.context()}")
        outcome = self.script()
        self.assertEqual(outcome.statuses[-1], "421 4.4.2", self.context())
        self.assertEqual(outcome.ending, "eof", self.context())
        self.assertStoredAcknowledged()
        delivered = len(self.provider.queue.deliveries())
        self.assertGreater(delivered, 2, self.context())
        self.assertEqual(len(self.provider.queue.queued()), len(messages) - delivered)
        self.assertIn("--run-timeout", self.stderr())

    def test_run_timeout_option_checked(self):
        """--run-timeout below 10 s is a usage error."""
        self.start_provider([])
        self.fetch("--run-timeout", "5")
        self.assertExit(EX_USAGE)

    # ---------------------------------------------------------------- 11: terminal escapes

    def test_serverinfo_escapes_control_characters(self):
        """ESC, BEL and CR in the greeting and an EHLO line reach --serverinfo's output
        only as \\xNN."""
        self.start_provider([], greeting_extra=" \x1b[31mred\x07\rX",
                            ehlo_extra=("XEVIL \x1b]0;owned\x07",))
        self.fetch("--serverinfo", domains=())
        self.assertExit(0)
        out = self.proc.stdout
        for raw in (b"\x1b", b"\x07", b"\r"):
            self.assertNotIn(raw, out, self.context())
        self.assertIn("\\x1b[31mred\\x07\\x0dX", self.stdout())
        self.assertIn("XEVIL \\x1b]0;owned\\x07", self.stdout())

    # ---------------------------------------------------------------- 12: log flooding

    def _foreign_flood(self, count: int):
        def steps(claims):
            rcpts = b"".join(line(f"RCPT TO:<user{i}@victim.test>") for i in range(count))
            return [Send(line(f"EHLO {HELLO}")), Expect(),
                    Send(line("MAIL FROM:<ada@origin.test>") + rcpts), Expect(1 + count),
                    Send(line("RSET")), Expect(),
                    *deliver_with_data(0, claims[0]), *quit_steps()]
        return steps

    def test_refused_recipients_summarised(self):
        """500 recipients outside our domains, with -q and --max-errors 1000: each
        gets 550 5.7.1, the log shows five and then one line with the count."""
        message = small_message()
        self.start_provider([message], script=self._foreign_flood(500))
        self.fetch("--max-errors", "1000", verbose="-q")
        self.assertExit(0)
        statuses = self.script().statuses
        self.assertEqual(statuses.count("550 5.7.1"), 500, self.context())
        self.assertQueued([])
        lines = self.stderr().splitlines()
        self.assertLessEqual(len(lines), 8, self.context())
        self.assertEqual(sum("refused recipient <" in text for text in lines), 5)
        self.assertIn("495 more recipient(s) refused (500 in all this session)", self.stderr())

    def test_refused_recipients_count_toward_max_errors(self):
        """30 recipients outside our domains with the default --max-errors 20: the
        20th refusal is followed by 421 4.7.0, status 76, nothing taken."""
        ids = self.start_provider([small_message()], script=self._foreign_flood(30))
        self.fetch()
        self.assertExit(EX_PROTOCOL)
        self.assertScript(["250", "250 2.1.0"] + ["550 5.7.1"] * 20 + ["421 4.7.0"], "eof")
        self.assertQueued(ids)
        self.assertIn("15 more recipient(s) refused (20 in all this session)", self.stderr())

    # ---------------------------------------------------------------- 13: IDN

    def test_idn_configured_as_u_label(self):
        """Configured as bücher.example: ATRN asks for the A-label, and a recipient
        written with it (by Python's smtplib) is accepted and stored."""
        message = small_message(rcpt=f"anna@{A_LABEL}")
        self.start_provider([message], domains=(A_LABEL,))
        self.fetch(domains=(U_LABEL,))
        self.assertExit(0)
        self.assertEqual(self.provider.sessions()[0].atrn_domains, [A_LABEL])
        self.assertEqual(len(self.stored_files()), 1, self.context())
        self.assertQueued([])

    def test_idn_configured_as_a_label(self):
        """Configured as xn--bcher-kva.example: recipients written as U-labels (in
        capitals, too) are accepted in an SMTPUTF8 transaction; another domain is not."""
        message = make_message("ada@origin.test",
                               [f"anna@{A_LABEL}", f"bea@{U_LABEL}", "carl@BÜCHER.example",
                                "dora@bucher.example"], "IDN", "Grüße\n")
        self.start_provider([message], domains=(A_LABEL,), send_foreign_recipients=True)
        self.fetch(domains=(A_LABEL,))
        self.assertExit(0)
        replies = [text for who, text in self.provider.sessions()[0].transcript if who == "C"]
        self.assertEqual(sum(text.startswith("550 5.7.1") for text in replies), 1,
                         self.context())
        files = self.stored_files()
        self.assertEqual(len(files), 1, self.context())
        head = files[0].read_bytes().split(b"\n\n")[0].decode("utf-8")
        for rcpt in (f"anna@{A_LABEL}", f"bea@{U_LABEL}", "carl@BÜCHER.example"):
            self.assertIn(f"Delivered-To: {rcpt}", head)
        self.assertNotIn("Delivered-To: dora@", head)

    def test_invalid_idn_refused_at_start(self):
        """A domain that is not a valid IDN: status 64, no connection."""
        self.start_provider([])
        for domain in ("xn--zz.example", "a\u200db.example"):
            with self.subTest(domain=domain):
                self.fetch(domains=(domain,))
                self.assertExit(EX_USAGE)
                self.assertIn("invalid domain", self.stderr())
        self.assertEqual(self.provider.sessions(), [], "a connection was made")

    # ---------------------------------------------------------------- 14: stripped STARTTLS

    def test_stripped_starttls_refuses_cram_md5(self):
        """STARTTLS removed, CRAM-MD5 offered, --tls starttls-optional: no AUTH sent,
        status 77, and the warning says an attacker may have removed STARTTLS; with
        --auth CRAM-MD5 the user's explicit choice is honoured."""
        ids = self.start_provider([small_message()], no_starttls=True,
                                  auth_mechs=("PLAIN", "LOGIN", "CRAM-MD5"))
        self.fetch("--tls", "starttls-optional")
        self.assertExit(EX_NOPERM)
        self.assertIn("attacker on the path may have removed STARTTLS", self.stderr())
        self.assertIn("CRAM-MD5 without TLS would give whoever removed STARTTLS", self.stderr())
        lines = self.provider.sessions()[0].customer_lines()
        self.assertFalse(any(text.upper().startswith("AUTH") for text in lines), self.context())
        self.assertQueued(ids)
        self.fetch("--tls", "starttls-optional", "--auth", "CRAM-MD5")
        self.assertExit(0)
        lines = self.provider.sessions()[1].customer_lines()
        self.assertTrue(any(text.startswith("AUTH CRAM-MD5") for text in lines), self.context())
        self.assertQueued([])

    def test_stripped_starttls_still_uses_scram(self):
        """STARTTLS removed, SCRAM-SHA-256 and CRAM-MD5 offered: SCRAM is used."""
        self.start_provider([small_message()], no_starttls=True,
                            auth_mechs=("CRAM-MD5", "SCRAM-SHA-256"))
        self.fetch("--tls", "starttls-optional")
        self.assertExit(0)
        lines = self.provider.sessions()[0].customer_lines()
        self.assertTrue(any(text.startswith("AUTH SCRAM-SHA-256") for text in lines),
                        self.context())
        self.assertQueued([])


if __name__ == "__main__":
    unittest.main()
