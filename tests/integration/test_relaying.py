#!/usr/bin/env python3
"""What a hostile provider could make us relay or run (issue 12, items 3, 5,
6 and 7): the handoff bridge as an open relay, routing addresses toward a
local MTA that honours them, MDA arguments that read as options, and the
octets one message or one session may make us store.

The local MTA is a real Exim (tests/integration/test_delivery.py's, with a
configuration that trusts localhost and has the percent hack on, as many
do): whatever it relays lands in a "Relayed" Maildir instead of leaving the
machine, so a test can see what would have been relayed.

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_relaying.py -v
"""

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
from odmr_provider import Provider, ProviderConfig, make_message  # noqa: E402
from odmr_case import OdmrCase, write_secret  # noqa: E402
from test_delivery import (DOMAINS, PASSWORD, RETRY_DELAY, RUN_TIMEOUT, USER, Exim,  # noqa: E402
                           maildir_messages, wait_for)
from test_end_to_end import header_message_id  # noqa: E402

ROUTING = ["v%victim.test@example.org", '"v@victim.test"@example.org',
           "v@victim.test@example.org", "victim.test!v@example.org"]

# Records its argv (one per line, NUL-separated) and its input, per run.
ARGV_MDA = r'''
import os, sys, time
out = os.environ["MDA_OUT"]
name = os.path.join(out, "run.%d" % time.time_ns())
with open(name + ".argv", "wb") as f:
    f.write(b"\0".join(os.fsencode(a) for a in sys.argv[1:]))
with open(name, "wb") as f:
    f.write(sys.stdin.buffer.read())
'''


class TrustingExim(Exim):
    """Exim that accepts any recipient from localhost (exim -bs, or a TCP
    client on 127.0.0.1) and honours the percent hack; local domains go to
    DIR/mail/Maildir, every other domain to DIR/mail/Relayed."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.relayed = directory / "mail" / "Relayed"
        conf = self.conf.read_text()
        conf = conf.replace("tls_advertise_hosts =\n",
                            "tls_advertise_hosts =\npercent_hack_domains = *\n")
        conf = conf.replace("  accept domains = +local_domains\n",
                            "  accept hosts = : 127.0.0.1\n")
        conf = conf.replace("begin transports\n", f"""relay:
  driver = accept
  domains = ! +local_domains
  transport = relayed
begin transports
relayed:
  driver = appendfile
  directory = {self.relayed}
  maildir_format
  envelope_to_add
  user = nobody
  group = nogroup
  create_directory
""")
        self.conf.write_text(conf)


class Relaying(OdmrCase):

    workspace_prefix = "odmr-relay"

    def setUp(self):
        self.make_workspace(shared=True)
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.proc = None
        self.exim_log = None

    def start_provider(self, messages, **config):
        self.provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=30, pipelining=True, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def fetch(self, deliver, *options, env=None):
        argv = [self.binary, "-vv", "--host", f"localhost:{self.provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                "--deliver", deliver, *RETRY_DELAY, *options, *DOMAINS]
        self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=RUN_TIMEOUT, env=dict(os.environ, **(env or {})))
        self.provider.wait_idle(timeout=15)
        return self.proc

    def exim(self, daemon=False):
        exim = TrustingExim(self.tmp / "exim")
        self.addCleanup(exim.stop)
        self.exim_log = exim.log
        if daemon:
            exim.start_daemon()
        return exim

    def context(self) -> str:
        err = self.proc.stderr.decode("utf-8", "replace") if self.proc else ""
        parts = [f"exit status: {self.proc.returncode if self.proc else None}",
                 f"--- odmr-fetch stderr ---\n{err[-5000:]}",
                 f"--- provider ---\n{self.provider.transcripts()[-4000:]}"]
        if self.exim_log:
            parts.append(f"--- exim mainlog ---\n{self.exim_log()[-3000:]}")
        return "\n\n" + "\n".join(parts)

    def reply(self, message_id, recipient) -> str:
        return self.provider.queue.get(message_id).replies.get(recipient, "")

    def assertRefused(self, message_id, recipient, prefix):
        reply = self.reply(message_id, recipient)
        self.assertTrue(reply.startswith(prefix), f"{recipient}: {reply!r}{self.context()}")

    # ================================================================ item 3

    def handoff_refuses_foreign_recipients(self, deliver, exim, **config):
        message = make_message("ada@origin.test", ["victim@victim.test", "alice@example.org",
                                                   "v%victim.test@example.org", "bob@example.com"],
                               "not for victims", "Only for alice and bob.\n")
        ids = self.start_provider([message], send_foreign_recipients=True, **config)
        self.fetch(deliver)
        self.assertEqual(self.proc.returncode, 0, self.context())
        self.assertRefused(ids[0], "victim@victim.test", "550 5.7.1")
        self.assertRefused(ids[0], "v%victim.test@example.org", "550 5.7.1")
        self.assertRefused(ids[0], "alice@example.org", "250")
        exim.wait_delivered(2)  # one file per recipient (appendfile's batch_max)
        stored = maildir_messages(exim.maildir)
        self.assertEqual([header_message_id(s) for s in stored], [message.message_id] * 2)
        envelope_to = sorted(re.search(rb"(?m)^Envelope-to: (\S+)", s).group(1) for s in stored)
        self.assertEqual(envelope_to, [b"alice@example.org", b"bob@example.com"])
        self.assertEqual(maildir_messages(exim.relayed), [], "nothing relayed")
        self.assertNotIn("victim", exim.log(), "a refused RCPT never reaches Exim")

    def test_handoff_exec_refuses_recipients_outside_the_domains(self):
        """handoff:exec: `exim -bs` trusting local input would relay victim@victim.test;
        the bridge refuses it (550 5.7.1) and the message goes to the valid recipients."""
        exim = self.exim()
        self.handoff_refuses_foreign_recipients(
            "handoff:exec:" + " ".join(exim.argv("-bs", "-odi")), exim)

    def test_handoff_tcp_refuses_recipients_outside_the_domains(self):
        """The same over TCP, with BDAT chunks pipelined after the RCPTs."""
        exim = self.exim(daemon=True)
        self.handoff_refuses_foreign_recipients(f"handoff:tcp:127.0.0.1:{exim.port}", exim,
                                                chunking=True)

    # ================================================================ item 6

    def test_routing_addresses_refused_toward_smtp(self):
        """smtp: to an Exim with the percent hack: every routing form gets 550 5.7.1,
        the plain recipient of the same message is delivered, nothing is relayed."""
        exim = self.exim(daemon=True)
        message = make_message("ada@origin.test", ["alice@example.org", *ROUTING], "routing",
                               "R.\n")
        ids = self.start_provider([message])
        self.fetch(f"smtp:127.0.0.1:{exim.port}")
        for address in ROUTING:
            self.assertRefused(ids[0], address, "550 5.7.1")
        self.assertRefused(ids[0], "alice@example.org", "250")
        exim.wait_delivered(1)
        self.assertEqual(len(maildir_messages(exim.maildir)), 1)
        self.assertEqual(maildir_messages(exim.relayed), [])

    def test_routing_addresses_allowed_by_option(self):
        """--allow-routing-addresses lets v%victim.test@example.org through, and this
        Exim then relays it: what the default refusal prevents."""
        exim = self.exim(daemon=True)
        message = make_message("ada@origin.test", ["v%victim.test@example.org"], "hack", "H.\n")
        ids = self.start_provider([message])
        self.fetch(f"smtp:127.0.0.1:{exim.port}", "--allow-routing-addresses")
        self.assertEqual(self.proc.returncode, 0, self.context())
        self.assertRefused(ids[0], "v%victim.test@example.org", "250")
        wait_for(lambda: maildir_messages(exim.relayed), what="the relayed copy")
        relayed = maildir_messages(exim.relayed)
        self.assertEqual([header_message_id(r) for r in relayed], [message.message_id])

    def test_routing_addresses_stored_in_maildir(self):
        """maildir: never relays: routing addresses are accepted, in safe names."""
        base = self.tmp / "mail"
        message = make_message("ada@origin.test", ROUTING[:1] + ROUTING[3:], "routing", "R.\n")
        ids = self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertEqual(self.proc.returncode, 0, self.context())
        self.assertEqual(self.provider.queue.get(ids[0]).pending, [], self.context())
        names = sorted(p.name for p in (base / "example.org").iterdir())
        self.assertEqual(names, ["v%25victim.test", "victim.test!v"])

    # ================================================================ item 5

    def test_mda_arguments_never_read_as_options(self):
        """mda: with {sender} and {local} in its arguments: a sender or recipient
        starting with '-' is refused (553 5.1.7, 553 5.1.3); the program's argv as
        recorded holds only what the pattern and the valid addresses make."""
        script = self.tmp / "argv_mda.py"
        script.write_text(ARGV_MDA)
        out = self.tmp / "mda-out"
        out.mkdir()
        evil_sender = make_message("-oQ/tmp/x@evil.test", ["alice@example.org"], "s", "S.\n")
        evil_rcpt = make_message("ada@origin.test", ["--help@example.org", "alice@example.org"],
                                 "r", "R.\n")
        ids = self.start_provider([evil_sender, evil_rcpt])
        self.fetch(f"mda:{sys.executable} {script} -f {{sender}} -- {{local}}",
                   env={"MDA_OUT": str(out)})
        # MAIL refused: the pipelined RCPT and DATA after it get 503.
        self.assertIn("553 5.1.7", self.provider.transcripts(), self.context())
        self.assertEqual(self.provider.queue.get(ids[0]).pending, ["alice@example.org"])
        self.assertRefused(ids[1], "--help@example.org", "553 5.1.3")
        self.assertRefused(ids[1], "alice@example.org", "250")
        runs = sorted(out.glob("*.argv"))
        self.assertEqual(len(runs), 1, self.context())
        argv = runs[0].read_bytes().split(b"\0")
        self.assertEqual(argv, [b"-f", b"ada@origin.test", b"--", b"alice"])

    # ================================================================ item 7

    def routed_copies(self, size, count, *options, **config):
        base = self.tmp / "mail"
        recipients = [f"r{i}@example.org" for i in range(count)]
        message = make_message("ada@origin.test", recipients, "big", "x" * size + "\n")
        ids = self.start_provider([message], **config)
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}", *options)
        return base, recipients, message, ids

    def test_copies_times_size_bounded_per_message(self):
        """300 KB to 10 routed Maildirs with --max-stored-per-message 1 MiB: three
        recipients per transaction (452 4.5.3 to the rest, which come in the next
        ones); every Maildir has exactly one copy."""
        base, recipients, message, ids = self.routed_copies(
            300_000, 10, "--max-stored-per-message", str(1 << 20))
        self.assertEqual(self.proc.returncode, 0, self.context())
        self.assertEqual(self.provider.queue.get(ids[0]).pending, [], self.context())
        for r in recipients:
            stored = maildir_messages(base / "example.org" / r.split("@")[0])
            self.assertEqual([header_message_id(s) for s in stored], [message.message_id], r)
        transcript = self.provider.transcripts()
        self.assertGreaterEqual(transcript.count("452 4.5.3"), 7, self.context())

    def test_size_declared_too_small_refused_at_end_of_data(self):
        """A provider that declares SIZE=1000 and sends 300 KB to 10 routed Maildirs
        gets 552 5.3.4 after the data: nothing stored, and it cannot loop."""
        base, recipients, message, ids = self.routed_copies(
            300_000, 10, "--max-stored-per-message", str(1 << 20), declare_size="1000")
        last = self.provider.queue.get(ids[0]).last_reply
        self.assertTrue(last.startswith("552 5.3.4"), f"{last!r}{self.context()}")
        for r in recipients:
            self.assertEqual(maildir_messages(base / "example.org" / r.split("@")[0]), [], r)

    def test_stored_octets_bounded_per_session(self):
        """Five 400 KB messages with --max-stored-per-session 1 MiB: two per session,
        452 4.3.1 for the rest, which come in the next sessions of the same run."""
        base = self.tmp / "Maildir"
        messages = [make_message("ada@origin.test", ["alice@example.org"], f"m{i}",
                                 "y" * 400_000 + "\n") for i in range(5)]
        self.start_provider(messages)
        self.fetch(f"maildir:{base}", "--max-stored-per-session", str(1 << 20))
        self.assertEqual(self.proc.returncode, 0, self.context())
        self.assertEqual(sorted(header_message_id(s) for s in maildir_messages(base)),
                         sorted(m.message_id for m in messages))
        self.assertGreaterEqual(self.provider.session_count, 3, self.context())
        self.assertIn("452 4.3.1", self.provider.transcripts(), self.context())


if __name__ == "__main__":
    unittest.main()
