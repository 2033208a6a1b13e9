"""The provider's JSON state file, rewritten in the background.

The state (every queued and delivered message, the session count) grows
with the queue, so rendering it after each change made the provider's CPU
quadratic in the queue's length: 100 accounts x 5 messages took 8.4 s of
provider CPU, 0.6 s without the file. A change now only marks the file
stale; a writer thread rewrites it while changes come, pausing after each
write for `interval` or ten times what the write took, whichever is longer
(so the writer takes at most a tenth of a core however long the queue), and
`close()` writes it a last time, so the file a reader finds after the
provider exits is exact. While the provider runs it lags the queue by up to
one pause plus one write.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Callable


class StateFile:
    """PATH kept up to date with RENDER(), a dict, written atomically."""

    def __init__(self, path, render: Callable[[], dict], interval: float = 0.05):
        self.path = Path(path)
        self._render = render
        self._interval = interval
        self._changed = threading.Condition()
        self._stale = False
        self._closing = False
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.writes = 0  # how many times the file was written (for tests)

    def start(self) -> None:
        """Write the file now, then keep it up to date until close()."""
        self.write()
        self._thread = threading.Thread(target=self._run, name="provider-state", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        """Something in the state changed: the file will be rewritten soon. O(1)."""
        with self._changed:
            self._stale = True
            self._changed.notify()

    def close(self) -> None:
        """Stop the writer and write the final state."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        if self._thread:
            self._thread.join()
            self._thread = None
        self.write()

    def write(self) -> None:
        with self._write_lock:
            with self._changed:
                self._stale = False
            text = json.dumps(self._render(), indent=2, ensure_ascii=False) + "\n"
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(text)
            os.replace(temporary, self.path)
            self.writes += 1

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stale or self._closing)
                if self._closing:
                    return
            started = time.monotonic()
            self.write()
            pause = max(self._interval, 10 * (time.monotonic() - started))
            with self._changed:  # cut short by close()
                self._changed.wait_for(lambda: self._closing, pause)
