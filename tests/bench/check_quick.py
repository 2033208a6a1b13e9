#!/usr/bin/env python3
"""The benchmark still runs: `run-bench.py BUILD --quick` produces every row
of every table, and every message of every scenario was delivered (run-bench
itself raises when a run's provider, Maildir or sink disagree with the
count). No figure is checked: timings on a shared machine are not a test.

Usage: check_quick.py BUILD_DIR
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import targets  # noqa: E402

BUILD = pathlib.Path(sys.argv.pop(1)).resolve() if len(sys.argv) > 1 else None


class QuickBenchmark(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as scratch:
            out = pathlib.Path(scratch) / "report.json"
            run = subprocess.run([sys.executable, str(HERE / "run-bench.py"), str(BUILD), "--quick",
                                  "--json", str(out)], capture_output=True, text=True)
            if run.returncode != 0:
                raise AssertionError(f"run-bench.py --quick failed:\n{run.stderr[-4000:]}")
            cls.report = json.loads(out.read_text())
            cls.markdown = run.stdout

    def test_every_target_row_has_a_figure(self):
        figures = targets.figures(self.report, "after")
        for key, *_ in targets.TARGETS:
            if key == "instructions" and not self.report["instructions"]:
                continue  # no valgrind, or a sanitizer build it cannot run
            self.assertIsNotNone(figures[key], key)
        self.assertEqual(self.markdown.count("| figure | after | target | met |"), 1)
        self.assertIn("CPU per GB over TLS", self.markdown)

    def test_figures_against_the_machine_floor(self):
        limits = self.report["limits"]
        self.assertGreater(limits["receive_write"], 0)
        self.assertGreater(limits["receive_write_gb"], 0)
        table = self.markdown.split("## The same figures against what this machine allows")[1]
        rows = [line for line in table.split("\n\n")[1].splitlines() if line.startswith("| ")]
        self.assertEqual(len(rows), 2 + 3, rows)  # head, rule, three figures

    def test_every_scenario_delivered_its_messages(self):
        keys = {row["key"] for row in self.report["rows"]}
        self.assertEqual(keys, {"data_4k", "bdat_4k", "bdat_4k_exim", "data_100k", "big_data",
                                "big_bdat", "big_tls", "no_mail"})
        for row in self.report["rows"]:
            self.assertGreater(row["wall"], 0, row["name"])

    def test_side_by_side_rows(self):
        rows = {(r["contender"], r["tls"]): r for r in self.report["side_by_side"]}
        for contender in ("smtp", "maildir"):
            for tls in (False, True):
                self.assertTrue(rows[(contender, tls)]["ok"], (contender, tls))
        if shutil.which("fetchmail"):
            self.assertTrue(rows[("fetchmail", False)]["ok"], "fetchmail in clear text")
            self.assertIn(("fetchmail", True), rows)

    def test_accounts_and_poll_loop(self):
        jobs = sorted(r["jobs"] for r in self.report["accounts"]
                      if r["accounts"] == self.report["accounts"][-1]["accounts"])
        self.assertEqual(jobs, [1, 4, 16])
        for row in self.report["accounts"]:
            self.assertEqual(row["messages"], row["accounts"] * 2)
        self.assertEqual([s["polls"] for s in self.report["polls"]], [10, 30])
        self.assertEqual({r["provider"] for r in self.report["accounts"]}, {"fast"})
        more = self.report["accounts_more"]
        self.assertEqual([(r["provider"], r["retry_delay"]) for r in more],
                         [("fast", "3s"), ("test", "0"), ("test", "0")])
        for row in more:
            self.assertEqual(row["messages"], row["accounts"] * 2)
        self.assertIn("open descriptors", self.markdown)


if __name__ == "__main__":
    unittest.main()
