#!/usr/bin/env python3
"""Duplicate suppression after a lost 250 (issue 12), end to end.

The fake provider stamps every message with an Exim-like Received field
(its queue id) and cuts the connection at message K of the first run: right
after sending the end of its data, or right after reading our reply to it
(as if that 250 were lost). It keeps the message and sends it again on the
next run; afterwards every store holds exactly one copy of every message,
and odmr-fetch's log says the second copy was suppressed. For maildir (DATA
and BDAT), mda (Exim's sendmail), lmtp (Dovecot) and smtp (an Exim daemon).
Run by ctest (see CMakeLists.txt) with ODMR_FETCH set.
"""

import os
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))
sys.path.insert(0, str(HERE))

import test_delivery as td  # noqa: E402
from odmr_provider import make_message  # noqa: E402
from test_end_to_end import header_message_id  # noqa: E402

SUPPRESSED = "was delivered before; not stored again"
K = 2  # the message whose 250 is lost, of three


class Resend(td.Delivery):
    """The delivery tests' harness (provider, Dovecot, Exim), with a state directory."""

    def setUp(self):
        super().setUp()
        self.state = self.tmp / "state"
        saved = os.environ.get("STATE_DIRECTORY")
        os.environ["STATE_DIRECTORY"] = str(self.state)
        self.addCleanup(lambda: os.environ.__setitem__("STATE_DIRECTORY", saved) if saved
                        else os.environ.pop("STATE_DIRECTORY", None))

    def messages(self, count=3):
        return [make_message("ada@origin.test", ["alice@example.org"], f"message {i}",
                             f"Body of message {i}.\n.a dot line\n") for i in range(count)]

    def stderr(self) -> str:
        return self.proc.stderr.decode("utf-8", "replace")

    def lost_250(self, deliver, stored, cut, **provider):
        """Three messages; the first run is cut at message K; the second run gets K again
        and the rest. STORED() returns the raw messages of the store."""
        messages = self.messages()
        ids = self.start_provider(messages, received_trace=True, **{cut: K}, **provider)
        # One session: the record must carry the entry over to the next run.
        self.fetch(deliver, "--max-sessions", "1")
        self.assertEqual(len(stored(K)), K, f"after the cut run{self.context()}")
        self.assertEqual(len(self.provider.queue.queued()), len(messages) - K + 1,
                         f"the provider keeps message K{self.context()}")
        self.assertEqual(getattr(self.provider.config, cut), 0, "the cut happens once")
        self.fetch(deliver)
        self.assertExit(0)
        self.assertPending({})
        found = sorted(header_message_id(td.lf(raw)) for raw in stored(len(messages)))
        self.assertEqual(found, sorted(m.message_id for m in messages),
                         f"each message exactly once{self.context()}")
        self.assertEqual(self.stderr().count(SUPPRESSED), 1, self.context())
        self.assertIn("duplicates=1", self.stderr())
        self.assertNotIn("message(s) may not have been acknowledged", self.stderr())
        # The second session ended with QUIT: its entries (and the match of K) are gone;
        # those of the messages before K in the cut session stay (bounded, aged out).
        record = self.state / "example.org.acknowledged"
        kept = record.read_text().splitlines()
        self.assertEqual(len(kept), K - 1, self.context())
        self.assertTrue(all(f"-{ids[i]}-XX" in kept[i] for i in range(K - 1)), kept)
        self.assertEqual(record.stat().st_mode & 0o777, 0o600)
        self.assertEqual(self.state.stat().st_mode & 0o777, 0o700)

    # -- the store of each kind

    def maildir(self, path):
        return lambda count: td.maildir_messages(path)

    def exim_store(self, exim):
        def stored(count):
            exim.wait_delivered(count)
            return td.maildir_messages(exim.maildir)
        return stored

    # -- the tests

    def test_maildir_cut_after_data(self):
        """Maildir (group commit), DATA: the provider hangs up right after the end of data."""
        box = self.tmp / "Maildir"
        self.lost_250(f"maildir:{box}", self.maildir(box), "cut_after_data")

    def test_maildir_cut_after_reply(self):
        """Maildir, DATA: the provider reads our 250 of message K, then hangs up."""
        box = self.tmp / "Maildir"
        self.lost_250(f"maildir:{box}", self.maildir(box), "cut_after_reply")

    def test_maildir_bdat_cut_after_data(self):
        """Maildir, BDAT: the whole message in chunks, then the provider hangs up."""
        box = self.tmp / "Maildir"
        self.lost_250(f"maildir:{box}", self.maildir(box), "cut_after_data", chunking=True,
                      chunk_size=40)

    def test_maildir_bdat_cut_after_reply(self):
        box = self.tmp / "Maildir"
        self.lost_250(f"maildir:{box}", self.maildir(box), "cut_after_reply", chunking=True)

    def mda(self, cut):
        exim = self.exim()
        argv = " ".join(exim.argv("-odi", "-oi", "-f", "{sender}", "--", "{recipient}"))
        self.lost_250(f"mda:{argv}", self.exim_store(exim), cut)

    def test_mda_cut_after_data(self):
        """mda: Exim's sendmail: the provider hangs up right after the end of data."""
        self.mda("cut_after_data")

    def test_mda_cut_after_reply(self):
        self.mda("cut_after_reply")

    def lmtp(self, cut):
        dovecot = self.dovecot(["alice@example.org"])
        self.lost_250(f"lmtp:unix:{dovecot.socket}",
                      lambda count: td.maildir_messages(dovecot.maildir("alice@example.org")), cut)

    def test_lmtp_cut_after_data(self):
        """lmtp: Dovecot: the provider hangs up right after the end of data."""
        self.lmtp("cut_after_data")

    def test_lmtp_cut_after_reply(self):
        self.lmtp("cut_after_reply")

    def smtp(self, cut):
        exim = self.exim(daemon=True)
        self.lost_250(f"smtp:127.0.0.1:{exim.port}", self.exim_store(exim), cut)

    def test_smtp_cut_after_data(self):
        """smtp: an Exim daemon: the provider hangs up right after the end of data."""
        self.smtp("cut_after_data")

    def test_smtp_cut_after_reply(self):
        self.smtp("cut_after_reply")

    def test_identical_bodies_with_other_queue_ids(self):
        """Two identical messages (same envelope, same body, same Message-ID) that the
        provider queued twice differ in its queue id: after a lost 250 of the first,
        the next run suppresses that one's copy and delivers the second."""
        box = self.tmp / "Maildir"
        same = self.messages(1)[0]
        self.start_provider([same, same], received_trace=True, cut_after_reply=1)
        self.fetch(f"maildir:{box}", "--max-sessions", "1")
        self.assertEqual(len(td.maildir_messages(box)), 1, self.context())
        self.fetch(f"maildir:{box}")
        self.assertExit(0)
        self.assertPending({})
        self.assertEqual(len(td.maildir_messages(box)), 2, self.context())
        self.assertEqual(self.stderr().count(SUPPRESSED), 1, self.context())

    def test_no_provider_trace_is_never_suppressed(self):
        """Without the provider's Received field nothing is suppressed: the message whose
        250 was lost comes twice (the documented limit), nothing is lost."""
        box = self.tmp / "Maildir"
        messages = self.messages()
        self.start_provider(messages, cut_after_reply=K)
        self.fetch(f"maildir:{box}", "--max-sessions", "1")
        self.fetch(f"maildir:{box}")
        self.assertExit(0)
        self.assertPending({})
        self.assertEqual(len(td.maildir_messages(box)), len(messages) + 1, self.context())
        self.assertNotIn(SUPPRESSED, self.stderr())

    def test_same_run_next_session(self):
        """Without --max-sessions the run itself asks again after the cut: the copy sent
        again in its next session is suppressed too."""
        box = self.tmp / "Maildir"
        messages = self.messages()
        self.start_provider(messages, received_trace=True, cut_after_reply=K)
        self.fetch(f"maildir:{box}")
        self.assertPending({})
        self.assertEqual(len(td.maildir_messages(box)), len(messages), self.context())
        self.assertEqual(self.stderr().count(SUPPRESSED), 1, self.context())

    def test_unwritable_state_directory_warns_and_delivers(self):
        """A state directory we cannot use: one warning, and the mail is delivered."""
        box = self.tmp / "Maildir"
        self.state.write_text("a file where the directory should be\n")
        self.start_provider(self.messages(), received_trace=True)
        self.fetch(f"maildir:{box}")
        self.assertExit(0)
        self.assertEqual(len(td.maildir_messages(box)), 3)
        self.assertEqual(self.stderr().count("duplicate suppression is off"), 1, self.context())


def load_tests(loader, tests, pattern):
    """Only this file's tests, not the harness's that Resend inherits."""
    own = [name for name in vars(Resend) if name.startswith("test_")]
    return unittest.TestSuite(Resend(name) for name in sorted(own))


if __name__ == "__main__":
    unittest.main()
