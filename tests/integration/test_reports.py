#!/usr/bin/env python3
"""What a run tells: the summary line, journal priorities, the JSON report, the
metrics file and the live status line (under a pseudo-terminal, and its absence
without one). The real odmr-fetch binary against the fake provider; see
running_support.py. ODMR_FETCH names the binary (ctest sets it); by hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_reports.py -v
"""

import json
import os
import pty
import re
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from running_support import RunningCase, make_messages  # noqa: E402


class Reports(RunningCase):
    """One scenario of logs and reports per test."""

    def test_summary_line(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        status, err = self.run_once("--retry-delay", "100ms")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        line = [x for x in err.splitlines() if "account=" in x][-1]
        # Sessions: the one that delivered, the 453, and asking once more.
        self.assertRegex(line, r"account=example\.org messages=2 octets=[1-9]\d* sessions=3 "
                               r"seconds=\d+\.\d provider=\"localhost port \d+\" tls=TLSv1\.[23] "
                               r"sasl=\S+ outcome=\"delivered\" status=0")

    # -- logs and reports

    def test_journal_priorities(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  one_per_session=True, max_sessions=1)
        status, err = self.finish(self.start(journal=True))
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids[:1], ids[1:])
        lines = err.splitlines()
        self.assertTrue(lines and all(re.match(r"<[0-7]>odmr-fetch: ", x) for x in lines), err)
        self.assertTrue(any(x.startswith("<4>odmr-fetch: warning: ") for x in lines), err)
        self.assertTrue(any(x.startswith("<5>odmr-fetch: account=example.org ") for x in lines))
        self.assertTrue(any(x.startswith("<6>odmr-fetch: connected to ") for x in lines), err)

    def test_no_priorities_when_stderr_is_not_the_journal(self):
        self.start_provider([])
        self.env["JOURNAL_STREAM"] = "1:1"
        status, err = self.run_once()
        self.assertEqual(status, 1, self.context())
        self.assertFalse(re.search(r"(?m)^<\d>", err), err)

    def test_json_report_and_metrics_file(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        report, metrics = self.tmp / "report.json", self.tmp / "metrics" / "odmr.prom"
        metrics.parent.mkdir()
        status, _ = self.run_once("--retry-delay", "0", "--report-json", str(report),
                                  "--metrics-file", str(metrics))
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        data = json.loads(report.read_text())
        self.assertEqual(data["status"], 0)
        (account,) = data["accounts"]
        self.assertEqual((account["account"], account["messages"], account["outcome"],
                          account["status"], account["error"]),
                         ("example.org", 2, "delivered", 0, None))
        self.assertGreater(account["octets"], 0)
        self.assertRegex(account["tls"], r"TLSv1\.[23]")
        self.assertRegex(account["provider"], r"localhost port \d+")

        def series():
            found = {}
            for line in metrics.read_text().splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    found[name] = float(value)
            return found

        first = series()
        self.assertEqual(first['odmr_fetch_messages_total{account="example.org"}'], 2)
        self.assertEqual(first['odmr_fetch_runs_total{account="example.org"}'], 1)
        self.assertAlmostEqual(first['odmr_fetch_last_success_timestamp_seconds'
                                     '{account="example.org"}'], time.time(), delta=120)
        # A second run adds to the totals, through "-" the report goes to stdout.
        ids += self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        proc = self.start("--retry-delay", "0", "--report-json", "-", "--metrics-file",
                          str(metrics))
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        self.assertEqual(json.loads(proc.out_path.read_text())["accounts"][0]["messages"], 1)
        second = series()
        self.assertEqual(second['odmr_fetch_messages_total{account="example.org"}'], 3)
        self.assertEqual(second['odmr_fetch_runs_total{account="example.org"}'], 2)
        self.assertEqual(second['odmr_fetch_failures_total{account="example.org"}'], 0)
        self.assertEqual(sorted(p.name for p in metrics.parent.iterdir()), ["odmr.prom"])

    def test_status_line_on_a_terminal_only(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        primary, secondary = pty.openpty()
        proc = self.start("--retry-delay", "1500ms", verbose=False, stderr=secondary)
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(primary)
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        text = seen.decode("utf-8", "replace")
        self.assertIn("\r\x1b[K", text, "no status line on a terminal")
        self.assertRegex(text, r"example\.org: waiting to ask again, 2 messages, \d")
        self.assertTrue(text.endswith("\r\x1b[K") or text.rstrip().endswith("status=0"),
                        f"the status line was not cleared: {text[-200:]!r}")
        self.assertAgree(ids, [])
        # Without a terminal: not a trace of it.
        status, err = self.run_once("--retry-delay", "1500ms")
        self.assertEqual(status, 1, self.context())
        self.assertNotIn("\x1b", err)


if __name__ == "__main__":
    unittest.main()
