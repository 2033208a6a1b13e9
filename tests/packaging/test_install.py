#!/usr/bin/env python3
"""`cmake --install` into a DESTDIR: the tree, the units, the man pages.

ODMR_BUILD_DIR is the build to install (default: ./build); the units are
checked with systemd-analyze (verify, and security --offline), the man pages
with mandoc -Tlint and man --warnings.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install_tree import EXPECTED, ROOT, install  # noqa: E402

UNITS = ("odmr-fetch@.service", "odmr-fetch@.timer")


def run(*argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="odmr-install-")
        cls.dest = install(Path(cls.tmp.name) / "root")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_tree_has_every_file_of_the_layout(self):
        for path in EXPECTED:
            self.assertTrue((self.dest / path).is_file(), path)
        self.assertTrue(os.access(self.dest / "usr/bin/odmr-fetch", os.X_OK))
        service = (self.dest / "usr/lib/systemd/system/odmr-fetch@.service").read_text()
        self.assertIn("ExecStart=/usr/bin/odmr-fetch %i\n", service)

    def test_installed_binary_reports_commit_and_libraries(self):
        out = run(str(self.dest / "usr/bin/odmr-fetch"), "--version")
        self.assertEqual(out.returncode, 0, out.stderr)
        print(out.stdout)
        for label in ("commit:", "OpenSSL:", "libsodium:", "asio:"):
            self.assertRegex(out.stdout, rf"(?m)^{label} +\S")
        self.assertRegex(out.stdout, r"OpenSSL:.*built with OpenSSL 3.*runs with OpenSSL 3")

    def unit_copies(self, directory: Path) -> Path:
        """The installed units, running the DESTDIR's binary (verify checks it exists)."""
        binary = self.dest / "usr/bin/odmr-fetch"
        for name in UNITS:
            text = (self.dest / "usr/lib/systemd/system" / name).read_text()
            (directory / name).write_text(text.replace("/usr/bin/odmr-fetch", str(binary)))
            # An instance, as `systemctl enable odmr-fetch@example.org.timer` makes.
            shutil.copy(directory / name, directory / name.replace("@.", "@example.org."))
        return directory

    def test_units_verify_clean(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        pid1 = Path("/proc/1/comm").read_text().strip()
        print(f"PID 1 is {pid1!r}: " + ("systemd" if pid1 == "systemd" else
              "not systemd; the unit files are verified offline"))
        with tempfile.TemporaryDirectory() as tmp:
            units = self.unit_copies(Path(tmp))
            env = dict(os.environ, MANPATH=str(self.dest / "usr/share/man"))
            for name in ("odmr-fetch@example.org.service", "odmr-fetch@example.org.timer"):
                out = run("systemd-analyze", "verify", str(units / name), env=env)
                print(f"systemd-analyze verify {name}: {out.returncode} {out.stdout}{out.stderr}")
                self.assertEqual((out.returncode, out.stdout + out.stderr), (0, ""))

    def test_service_exposure_is_ok_or_better(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        with tempfile.TemporaryDirectory() as tmp:
            units = self.unit_copies(Path(tmp))
            out = run("systemd-analyze", "security", "--offline=yes", "--no-pager",
                      str(units / "odmr-fetch@example.org.service"))
        found = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", out.stdout)
        self.assertIsNotNone(found, out.stdout + out.stderr)
        print(f"systemd-analyze security: exposure {found[1]} {found[2]}")
        print("\n".join(line for line in out.stdout.splitlines() if line.startswith("✗")))
        self.assertLessEqual(float(found[1]), 2.9)

    def test_man_pages_lint_clean(self):
        for page in ("man/odmr-fetch.1", "man/odmr-fetch.conf.5", "man/odmr-fetch-security.7"):
            out = run("mandoc", "-Tlint", str(ROOT / page))
            self.assertEqual(out.stdout + out.stderr, "", f"mandoc -Tlint {page}")
            env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
            out = run("man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", str(ROOT / page),
                      env=env)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stderr, "", f"man --warnings -l {page}")

    def test_installed_man_page_is_found(self):
        env = dict(os.environ, MANPATH=str(self.dest / "usr/share/man"))
        out = run("man", "-w", "odmr-fetch", env=env)
        self.assertEqual(out.stdout.strip(), str(self.dest / "usr/share/man/man1/odmr-fetch.1"))


if __name__ == "__main__":
    unittest.main()
