#!/usr/bin/env python3
"""packaging/rpm/odmr-fetch.spec builds with `rpmbuild -bb --nodeps` here
(Debian's rpm: the build dependencies are the Debian ones, hence --nodeps),
and the RPM holds the whole install layout; packaging/arch/PKGBUILD passes
`bash -n` and, where makepkg exists, `makepkg --printsrcinfo`.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install_tree import BUILD, EXPECTED, ROOT  # noqa: E402

VERSION = "0.1.0"


def source_filter(info: tarfile.TarInfo):
    """The tree as a release tarball would hold it: no .git, no build directories."""
    top = info.name.split("/")[1] if info.name.count("/") else ""
    if top.startswith((".git", "build")) or "__pycache__" in info.name:
        return None
    return info


class Rpm(unittest.TestCase):
    def test_spec_builds_an_rpm_with_the_install_layout(self):
        if not shutil.which("rpmbuild"):
            self.skipTest("rpmbuild is not installed (packaging/install-debian-deps.sh --test)")
        top = BUILD / "rpm"
        shutil.rmtree(top, ignore_errors=True)
        sources = top / "SOURCES"
        sources.mkdir(parents=True)
        with tarfile.open(sources / f"odmr-fetch-{VERSION}.tar.gz", "w:gz") as tar:
            tar.add(ROOT, arcname=f"odmr-fetch-{VERSION}", filter=source_filter)
        shutil.copy(ROOT / "packaging/sysusers.d/odmr-fetch.conf", sources / "odmr-fetch.sysusers")
        env = dict(os.environ)
        if Path("/usr/lib/ccache").is_dir():
            env["PATH"] = "/usr/lib/ccache:" + env["PATH"]
            env.setdefault("CCACHE_SLOPPINESS", "pch_defines,time_macros,include_file_mtime,"
                           "include_file_ctime")
        started = time.monotonic()
        out = subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {top}",
                              "--define", "_smp_mflags -j2",
                              str(ROOT / "packaging/rpm/odmr-fetch.spec")],
                             capture_output=True, text=True, env=env, timeout=1700)
        print(out.stdout[-3000:], out.stderr[-3000:])
        print(f"rpmbuild: {time.monotonic() - started:.0f} s")
        self.assertEqual(out.returncode, 0)
        rpms = list((top / "RPMS").glob("*/odmr-fetch-0*.rpm"))
        self.assertEqual(len(rpms), 1, rpms)
        listing = subprocess.run(["rpm", "-qlp", str(rpms[0])], capture_output=True, text=True,
                                 check=True).stdout.split()
        for path in EXPECTED:
            if path.startswith("usr/share/man"):
                path += ".gz" if any(p.endswith(".gz") for p in listing) else ""
            self.assertIn("/" + path, listing)
        self.assertIn("/etc/odmr-fetch", listing)

    def test_pkgbuild_parses(self):
        pkgbuild = ROOT / "packaging/arch/PKGBUILD"
        subprocess.run(["bash", "-n", str(pkgbuild)], check=True)
        if not shutil.which("makepkg"):
            print("makepkg is not available here (not a Debian package): bash -n only")
            return
        out = subprocess.run(["makepkg", "--printsrcinfo"], cwd=pkgbuild.parent,
                             capture_output=True, text=True, check=True)
        self.assertIn("pkgname = odmr-fetch", out.stdout)


if __name__ == "__main__":
    unittest.main()
