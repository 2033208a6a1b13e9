#!/usr/bin/env python3
"""Every long option of `odmr-fetch --help` is documented everywhere.

The project's rule: an option appears, with the same name, in --help, in
odmr-fetch(1), in odmr-fetch.conf(5) (as a key, without the dashes; --help,
--version and --config excepted, which are not keys) and in both shell
completions (bash, zsh and fish). The systemd units use only options
that exist, and both man pages and the README name the units they ship.
Usage: check_docs.py ODMR_FETCH REPOSITORY_ROOT; exit 1 with
the list of what is missing.
"""

import re
import subprocess
import sys
from pathlib import Path

NOT_KEYS = {"help", "version", "config"}


UNITS = ("odmr-fetch@.service", "odmr-fetch@.timer")


def check_units(root: Path, options, page: str):
    """The units pass only real options, and the docs name each unit."""
    missing = []
    readme = (root / "README.md").read_text()
    for unit in UNITS:
        path = root / "packaging/systemd" / unit
        text = (path if path.exists() else path.with_name(unit + ".in")).read_text()
        for line in re.findall(r"^ExecStart=(.*)$", text, re.MULTILINE):
            for option in re.findall(r"--([a-z][a-z0-9-]*)", line):
                if option not in options:
                    missing.append(f"{unit} uses --{option}, which --help does not list")
        if unit not in page:
            missing.append(f"odmr-fetch.1 does not name {unit}")
        if unit not in readme:
            missing.append(f"README.md does not name {unit}")
    return missing


def main(argv) -> int:
    binary, root = argv[1], Path(argv[2])
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                               check=True, timeout=30).stdout
    options = sorted(set(re.findall(r"--([a-z][a-z0-9-]*)", help_text)))
    if len(options) < 10:
        print(f"found only {options} in --help", file=sys.stderr)
        return 1
    # The man pages escape hyphens as "\-".
    page = (root / "man/odmr-fetch.1").read_text().replace("\\-", "-")
    conf = (root / "man/odmr-fetch.conf.5").read_text().replace("\\-", "-")
    bash = (root / "completions/odmr-fetch.bash").read_text()
    zsh = (root / "completions/_odmr-fetch").read_text()
    fish = (root / "completions/odmr-fetch.fish").read_text()
    missing = []
    for option in options:
        if not re.search(rf"^\.B[IR]? .*--{option}\b", page, re.MULTILINE):
            missing.append(f"odmr-fetch.1 has no entry for --{option}")
        if option not in NOT_KEYS and not re.search(rf"^\.BR {option} ", conf, re.MULTILINE):
            missing.append(f"odmr-fetch.conf.5 has no key {option}")
        if not re.search(rf"--{option}\b", bash):
            missing.append(f"completions/odmr-fetch.bash does not know --{option}")
        if not re.search(rf"--{option}(?![a-z-])", zsh):
            missing.append(f"completions/_odmr-fetch does not know --{option}")
        if not re.search(rf"^complete -c odmr-fetch .*-l {option}(?![a-z-])", fish, re.MULTILINE):
            missing.append(f"completions/odmr-fetch.fish does not know --{option}")
    missing += check_units(root, options, page)
    for line in missing:
        print(line, file=sys.stderr)
    print(f"{len(options)} options checked, {len(missing)} omissions")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
