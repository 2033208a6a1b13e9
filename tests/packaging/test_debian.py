#!/usr/bin/env python3
"""The Debian package: built, linted, installed on this machine, run, purged.

packaging/build-deb.sh builds odmr-fetch_*.deb in ODMR_BUILD_DIR/deb (the
same directory each time, so ccache makes a rebuild quick); then, as root,
`dpkg -i` installs it here, the installed program runs (--version, man -w,
its bash completion, the demo against the fake provider), and
`dpkg --purge` removes it. One test: each step needs the one before.
"""

import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install_tree import BUILD, ROOT  # noqa: E402

# Lintian warnings accepted, and why (none today: lintian reports nothing
# but one pedantic spelling guess in the binary's strings).
ACCEPTED = {}


def run(*argv, check=True, **kwargs):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=1500, **kwargs)
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: {out.returncode}\n{out.stdout}\n{out.stderr}")
    return out


class Debian(unittest.TestCase):
    def setUp(self):
        for tool in ("dpkg-buildpackage", "dh", "lintian"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is not installed (packaging/install-debian-deps.sh --test)")
        if os.geteuid() != 0:
            self.skipTest("installing a package needs root")

    def build(self) -> Path:
        started = time.monotonic()
        work = BUILD / "deb"
        run(str(ROOT / "packaging/build-deb.sh"), str(work))
        print(f"dpkg-buildpackage: {time.monotonic() - started:.0f} s")
        debs = sorted(work.glob("odmr-fetch_*.deb"))
        self.assertEqual(len(debs), 1, debs)
        return debs[0]

    def lintian(self, deb: Path):
        out = run("lintian", "--allow-root", "--tag-display-limit", "0", str(deb), check=False)
        print("lintian:\n" + out.stdout + out.stderr)
        tags = re.findall(r"^([EW]): odmr-fetch[^:]*: (\S+)", out.stdout, re.MULTILINE)
        errors = [tag for level, tag in tags if level == "E"]
        self.assertEqual(errors, [], "lintian errors")
        for level, tag in tags:
            self.assertIn(tag, ACCEPTED, f"lintian {level}: {tag} is not an accepted warning")
            print(f"accepted lintian {level}: {tag}: {ACCEPTED[tag]}")

    def check_installed(self):
        version = run("odmr-fetch", "--version").stdout
        print(version)
        self.assertRegex(version, r"(?m)^commit: +\S+")
        self.assertEqual(run("man", "-w", "odmr-fetch").stdout.strip(),
                         "/usr/share/man/man1/odmr-fetch.1.gz")
        completion = run("bash", "--norc", "-c", "source /usr/share/bash-completion/bash_completion;"
                         " _completion_loader odmr-fetch; complete -p odmr-fetch").stdout
        self.assertEqual(completion.strip(), "complete -F _odmr_fetch odmr-fetch")
        user = pwd.getpwnam("odmr-fetch")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        config = os.stat("/etc/odmr-fetch")
        self.assertEqual(stat.S_IMODE(config.st_mode), 0o750)
        self.assertEqual((config.st_uid, grp.getgrgid(config.st_gid).gr_name), (0, "odmr-fetch"))
        # Nothing starts by itself: no timer or service enabled.
        enabled = run("sh", "-c", "ls -R /etc/systemd/system | grep odmr || true").stdout
        self.assertEqual(enabled, "")

    def run_demo(self):
        with tempfile.TemporaryDirectory(prefix="odmr-deb-demo-") as build:
            os.symlink("/usr/bin/odmr-fetch", Path(build) / "odmr-fetch")
            out = run(str(ROOT / "tests/demo/run-demo.sh"), build, check=False)
            print(out.stdout[-1500:], out.stderr[-1500:])
            self.assertEqual(out.returncode, 0)
            self.assertIn("4 message(s) in the Maildir", out.stdout)

    def test_builds_lints_installs_runs_and_purges(self):
        deb = self.build()
        self.lintian(deb)
        listing = run("dpkg-deb", "-c", str(deb)).stdout.splitlines()
        files = [line.split(" -> ")[0].split()[-1].lstrip(".") for line in listing
                 if not line.startswith("d")]
        run("dpkg", "-i", str(deb))
        try:
            self.check_installed()
            self.run_demo()
        finally:
            run("dpkg", "--purge", "odmr-fetch")
        left = [path for path in files + ["/etc/odmr-fetch", "/var/lib/odmr-fetch"]
                if os.path.lexists(path)]
        self.assertEqual(left, [])
        self.assertEqual(run("dpkg-query", "-W", "odmr-fetch", check=False).returncode, 1)
        print("after purge: the system user odmr-fetch stays (Debian policy keeps system users)")


if __name__ == "__main__":
    unittest.main()
