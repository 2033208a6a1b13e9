#!/usr/bin/env python3
"""The fake provider's JSON state file (tests/provider/state_file.py).

The benchmark (tests/bench/scale.py) and the demo read it: it must be exact
once the provider has exited, follow the queue while it runs, and cost the
provider a bounded number of writes however many changes come (rewriting it
after each change made the provider's CPU quadratic in the queue's length).

Every method `test_x` here is ctest test `provider_state.x`. By hand:

    python3 tests/integration/test_provider_state.py -v
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVIDER_DIR = HERE.parent / "provider"
sys.path.insert(0, str(PROVIDER_DIR))

from state_file import StateFile  # noqa: E402


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class ProviderState(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory(prefix="odmr-provider-state-")
        self.path = Path(self.directory.name) / "state.json"

    def tearDown(self):
        self.directory.cleanup()

    def read(self) -> dict:
        return json.loads(self.path.read_text())

    def test_many_changes_few_writes_exact_at_close(self):
        counter = {"n": 0}
        lock = threading.Lock()
        state = StateFile(self.path, lambda: dict(counter), interval=0.05)
        state.start()
        self.assertEqual(self.read(), {"n": 0}, "written at start")

        def change(times: int) -> None:
            for _ in range(times):
                with lock:
                    counter["n"] += 1
                state.changed()

        threads = [threading.Thread(target=change, args=(5000,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state.close()
        self.assertEqual(self.read(), {"n": 20000}, "the last write has every change")
        self.assertLess(state.writes, 1000, "changes were coalesced, not one write each")
        self.assertFalse(Path(str(self.path) + ".tmp").exists())

    def test_follows_changes_while_running(self):
        value = {"phase": "one"}
        state = StateFile(self.path, lambda: dict(value), interval=0.02)
        state.start()
        try:
            value["phase"] = "two"
            state.changed()
            self.assertTrue(wait_for(lambda: self.read() == {"phase": "two"}),
                            "a change reaches the file while the provider runs")
            writes = state.writes
            time.sleep(0.2)
            self.assertEqual(state.writes, writes, "no write without a change")
        finally:
            state.close()

    def test_program_state_after_sigterm(self):
        port_file = Path(self.directory.name) / "port"
        process = subprocess.Popen(
            [sys.executable, str(PROVIDER_DIR / "odmr_provider.py"), "--port-file",
             str(port_file), "--state", str(self.path), "--no-starttls",
             "--domains", "a.test,b.test", "--messages", "300", "--to", "user@a.test",
             "--to", "user@b.test"], stdout=subprocess.DEVNULL)
        try:
            self.assertTrue(wait_for(lambda: port_file.exists() and port_file.read_text()),
                            "the provider started")
            self.assertTrue(wait_for(self.path.exists), "the state file exists once it listens")
        finally:
            process.send_signal(signal.SIGTERM)
            self.assertEqual(process.wait(timeout=30), 0)
        state = self.read()
        self.assertEqual(len(state["queued"]), 300)
        self.assertEqual(state["delivered"], [])
        self.assertEqual(state["sessions"], 0)
        self.assertEqual(state["port"], int(port_file.read_text()))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    unittest.main()
