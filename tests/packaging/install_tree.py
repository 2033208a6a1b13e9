"""Shared by the packaging tests: install the build into a DESTDIR once."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("ODMR_BUILD_DIR", ROOT / "build")).resolve()

# What `cmake --install BUILD --prefix /usr` must put where (issue 11).
EXPECTED = [
    "usr/bin/odmr-fetch",
    "usr/share/man/man1/odmr-fetch.1",
    "usr/share/man/man5/odmr-fetch.conf.5",
    "usr/share/man/man7/odmr-fetch-security.7",
    "usr/share/bash-completion/completions/odmr-fetch",
    "usr/share/zsh/vendor-completions/_odmr-fetch",
    "usr/share/fish/vendor_completions.d/odmr-fetch.fish",
    "usr/lib/systemd/system/odmr-fetch@.service",
    "usr/lib/systemd/system/odmr-fetch@.timer",
    "usr/lib/sysusers.d/odmr-fetch.conf",
    "usr/share/doc/odmr-fetch/examples/example.org.conf",
    "usr/share/doc/odmr-fetch/examples/mail-store.conf",
]


def install(destdir: Path) -> Path:
    """Runs `cmake --install` into DESTDIR and returns DESTDIR."""
    env = dict(os.environ, DESTDIR=str(destdir))
    subprocess.run(["cmake", "--install", str(BUILD), "--prefix", "/usr"], env=env,
                   check=True, capture_output=True, timeout=120)
    return destdir
