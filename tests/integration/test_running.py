#!/usr/bin/env python3
"""How accounts run: one run per account (locks), stopping on signals, asking
once more after an empty turn, and the exit status after partial success.

The real odmr-fetch binary against the fake provider (tests/provider/), run
with subprocess.Popen so that tests can overlap runs and send real signals.
Every test checks the exit status, the Maildir (exactly the acknowledged
messages, nothing in tmp/) and what the provider still holds: nothing lost,
nothing doubled, nothing partial.

Locks go to a temporary XDG_RUNTIME_DIR. ODMR_FETCH names the binary (ctest
sets it); by hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_running.py -v

Set ODMR_E2E_KEEP=1 to keep each test's temporary directory.
"""

import os
import re
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from running_support import (EX_TEMPFAIL, LONG_PAUSE, PROVIDER_TIMEOUT, SLOW,  # noqa: E402
                             RunningCase, deliver_then_pause, make_messages,
                             pause_mid_message, sc)


class Running(RunningCase):
    """One scenario of running accounts per test."""

    # -- one run per account

    def test_overlapping_run_exits_75_at_once(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        began = time.monotonic()
        status, err = self.run_once()
        self.assertEqual(status, EX_TEMPFAIL, f"second run{self.context()}")
        self.assertLess(time.monotonic() - began, 10, "the second run did not exit promptly")
        self.assertIn("another run", err)
        self.assertEqual(self.provider.session_count, 1, "the second run connected")
        # After the stall the first run goes on and delivers both.
        first_status, _ = self.finish(first)
        self.assertEqual(first_status, 0, f"first run{self.context()}")
        self.assertAgree(ids, [])

    def test_lock_wait_waits_for_the_other_run(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        second = self.start("--lock-wait", "120")
        time.sleep(1)
        self.assertIsNone(second.poll(), "the second run did not wait for the lock")
        self.assertEqual(self.provider.session_count, 1)
        first_status, _ = self.finish(first)
        self.assertEqual(first_status, 0, f"first run{self.context()}")
        status, err = self.finish(second)
        self.assertEqual(status, 1, f"second run: no mail left{self.context()}")
        self.assertIn("locked by another run", err)
        self.assertAgree(ids, [])

    def test_killed_run_leaves_no_lock(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        first.kill()
        first.wait()
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)
        self.provider.config.script = None
        status, _ = self.run_once()
        self.assertEqual(status, 0, f"run after a killed one{self.context()}")
        self.assertAgree(ids, [])

    # -- stopping cleanly

    def stop_run(self, script, signum, transcript_mark="[pause:"):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), script=script)
        proc = self.start()
        self.wait_for_transcript(transcript_mark)
        began = time.monotonic()
        proc.send_signal(signum)
        status, err = self.finish(proc)
        self.assertLess(time.monotonic() - began, 10, "the stop took too long")
        return ids, status, err

    def assertStoppedAfterFirst(self, ids, status, err):
        # The first message is safe and acknowledged; the second stays queued.
        self.assertEqual(status, 0, f"exit status after a stop with mail delivered{self.context()}")
        self.assertAgree(ids[:1], ids[1:])
        session = self.provider.sessions()[0]
        self.assertIsNotNone(session.script, self.context())
        self.assertIn("421 4.3.2", [r.status for r in session.script.replies],
                      f"the provider was not told 421 4.3.2{self.context()}")
        self.assertEqual(self.summary(err)[2], "delivered, then failed temporarily")
        self.assertEqual(self.provider.session_count, 1, "a new session after the stop")

    def test_sigterm_between_messages(self):
        ids, status, err = self.stop_run(deliver_then_pause(LONG_PAUSE), signal.SIGTERM)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigint_between_messages(self):
        ids, status, err = self.stop_run(deliver_then_pause(LONG_PAUSE), signal.SIGINT)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigterm_mid_message(self):
        ids, status, err = self.stop_run(pause_mid_message, signal.SIGTERM)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigint_mid_message(self):
        ids, status, err = self.stop_run(pause_mid_message, signal.SIGINT)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_stop_before_any_mail_exits_75(self):
        # The provider stalls before its first message: nothing delivered, 75.
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  script=[sc.Pause(LONG_PAUSE), *sc.quit_steps()])
        proc = self.start()
        self.wait_for_transcript("[pause:")
        proc.send_signal(signal.SIGTERM)
        status, err = self.finish(proc)
        self.assertEqual(status, EX_TEMPFAIL, self.context())
        self.assertEqual(self.summary(err)[2], "stopped")
        self.assertAgree([], ids)

    def test_second_sigint_exits_at_once(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=pause_mid_message)
        proc = self.start()
        self.wait_for_transcript("[pause:")
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        status, _ = self.finish(proc)
        # 130 when the second one came mid-stop, 0 when the stop was already done, or
        # killed by it when it came as the run was exiting.
        self.assertIn(status, (0, 128 + signal.SIGINT, -signal.SIGINT), self.context())
        # Safe either way: the acknowledged message is stored once, the other is queued.
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)
        self.assertEqual([d.message_id for d in self.provider.queue.deliveries()], ids[:1])
        self.assertEqual(len(self.files("new")), 1)
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), ids[1:])

    # -- asking once more, partial success

    def test_asks_once_more_after_an_empty_turn(self):
        ids = self.start_provider(make_messages(3, ["alice@example.org"]),
                                  one_per_session=True, empty_turns_after_delivery=1)
        status, err = self.run_once("--retry-delay", "200ms")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        self.assertEqual(self.summary(err)[1], "3")

    def test_without_asking_once_more_mail_is_left(self):
        ids = self.start_provider(make_messages(3, ["alice@example.org"]),
                                  one_per_session=True, empty_turns_after_delivery=1)
        status, _ = self.run_once("--retry-delay", "0")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids[:1], ids[1:])

    def test_temporary_failure_after_delivery_exits_0(self):
        # One session is allowed; the "is there more?" connection is refused.
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  one_per_session=True, max_sessions=1)
        status, err = self.run_once()
        self.assertEqual(status, 0, self.context())
        self.assertRegex(err, r"warning: .*mail was delivered, then")
        self.assertEqual(self.summary(err)[2], "delivered, then failed temporarily")
        self.assertAgree(ids[:1], ids[1:])

    # -- the poll loop

    def test_interval_sigusr1_polls_now_and_sighup_rereads(self):
        first_box, second_box = self.tmp / "first", self.tmp / "second"
        config = self.tmp / "odmr.conf"
        config.write_text(f"deliver = maildir:{first_box}\n")
        ids = self.start_provider(make_messages(1, ["alice@example.org"]))
        proc = self.start("--interval", "1h", "--retry-delay", "0", "--config", str(config),
                          deliver=False)
        self.wait_until(lambda: self.provider.queue.deliveries(), "the first poll")
        self.wait_until(lambda: "next poll in 1h" in self.log(proc), "the first poll's end")
        config.write_text(f"deliver = maildir:{second_box}\n")
        proc.send_signal(signal.SIGHUP)
        self.wait_until(lambda: "SIGHUP" in self.log(proc), "SIGHUP noticed")
        ids += self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        sessions = self.provider.session_count
        proc.send_signal(signal.SIGUSR1)
        self.wait_until(lambda: len(self.provider.queue.deliveries()) == 2, "the second poll")
        self.assertGreater(self.provider.session_count, sessions)
        self.wait_until(lambda: self.log(proc).count("next poll in 1h") == 2, "its end")
        proc.send_signal(signal.SIGTERM)
        status, err = self.finish(proc)
        self.assertEqual(status, 0, f"a stopped poll loop{self.context()}")
        self.assertEqual(len(list((first_box / "new").iterdir())), 1)
        self.assertEqual(len(list((second_box / "new").iterdir())), 1)
        self.assertEqual(self.provider.queue.queued(), [])
        self.assertEqual(sorted(d.message_id for d in self.provider.queue.deliveries()),
                         sorted(ids))

    def test_interval_memory_stays_flat(self):
        self.start_provider([])
        # Under AddressSanitizer, freed memory waits in a quarantine of up to
        # 256 MiB before it is reused: keep it small, or RSS measures ASan.
        # Its own allocator caches add a little more: allow for them there.
        asan = [o for o in os.environ.get("ASAN_OPTIONS", "").split(":") if o]
        self.env["ASAN_OPTIONS"] = ":".join(asan + ["quarantine_size_mb=1"])
        sanitized = "libasan" in subprocess.run(["ldd", self.binary], capture_output=True,
                                                 text=True).stdout
        bound_kib = 4096 if sanitized else 2048
        proc = self.start("--interval", "10ms", verbose=False)

        def rss_after(polls):
            self.wait_until(lambda: self.provider.session_count >= polls, f"{polls} polls",
                            timeout=240)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))

        early, late = rss_after(10), rss_after(1000)
        proc.send_signal(signal.SIGTERM)
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        self.assertLess(late - early, bound_kib, f"RSS grew from {early} kB at poll 10 to {late} kB "
                                            f"at poll 1000")


if __name__ == "__main__":
    unittest.main()
