"""The start that every test of odmr-fetch against a provider shares: the
binary under test (ODMR_FETCH, which ctest sets), one private temporary
directory per test (kept for a post-mortem with ODMR_E2E_KEEP=1) holding the
run's locks and state, and secret files written the way a careful user writes
them (mode 0600, created, never written over).

Why the locks and the state go into the test's directory: run as root without
them, every odmr-fetch of every test would lock /run/odmr-fetch/NAME.lock and
keep state in /var/lib/odmr-fetch, so two tests of one account running at once
(ctest -j2) would find the account locked by the other, and the package test's
check that a purge leaves no /var/lib/odmr-fetch would depend on the order.
"""

import os
import shutil
import tempfile
import unittest
from unittest import mock
from pathlib import Path


# The pause before asking once more after a delivery (--retry-delay, 3 s by
# default, test_running.py's subject) would only make every delivering test
# wait; a short one keeps the second session and its assertions.
RETRY_DELAY = ("--retry-delay", "50ms")


def write_secret(path: Path, value: str) -> Path:
    """VALUE and a newline into a new file PATH of mode 0600; PATH is returned."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value + "\n")
    return path


class OdmrCase(unittest.TestCase):
    """A test case that runs the odmr-fetch binary; `workspace_prefix` names its
    temporary directories (odmr-<prefix>-<test>-XXXX)."""

    workspace_prefix = "odmr"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        binary = os.environ.get("ODMR_FETCH")
        if not binary:
            raise RuntimeError("ODMR_FETCH is not set: point it at the odmr-fetch binary "
                               "(ctest sets it; by hand: ODMR_FETCH=build/odmr-fetch)")
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"ODMR_FETCH={binary} is not an executable file")
        cls.binary = os.path.abspath(binary)

    def make_workspace(self, *, shared: bool = False) -> Path:
        """self.tmp: a new directory for this test, removed after it unless
        ODMR_E2E_KEEP is set, with runtime-dir/ and state-dir/ in it that this process's
        environment (which the odmr-fetch it starts inherits) names as
        XDG_RUNTIME_DIR and STATE_DIRECTORY for the test. SHARED makes it
        searchable by other users (Dovecot and Exim deliver as nobody)."""
        self.tmp = Path(tempfile.mkdtemp(
            prefix=f"{self.workspace_prefix}-{self._testMethodName}-"))
        if not os.environ.get("ODMR_E2E_KEEP"):
            self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        if shared:
            self.tmp.chmod(0o755)
        places = {"XDG_RUNTIME_DIR": self.tmp / "runtime-dir",
                  "STATE_DIRECTORY": self.tmp / "state-dir"}
        for place in places.values():
            place.mkdir(mode=0o700)
        isolated = mock.patch.dict(os.environ, {k: str(v) for k, v in places.items()})
        isolated.start()
        self.addCleanup(isolated.stop)
        return self.tmp
