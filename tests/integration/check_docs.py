#!/usr/bin/env python3
"""Every long option of `odmr-fetch --help` is documented everywhere, and
every document has the exit statuses of --help's table.

The project's rule: an option appears, with the same name, in --help, in
odmr-fetch(1), in odmr-fetch.conf(5) (as a key, without the dashes; --help,
--version, --config, --all and --print-config excepted, which are not keys) and in
the shell completions (bash, zsh and fish). The exit statuses
(src/app/exit_code.h, printed at the end of --help) are the README's "Exit
status" table, row for row, and the entries of odmr-fetch(1)'s EXIT STATUS
section, each of which starts with the same sentence and the sysexits.h
name. The systemd units use only options that exist, and both man pages and
the README name the units they ship. Usage: check_docs.py ODMR_FETCH
REPOSITORY_ROOT; exit 1 with the list of what is missing.
"""

import re
import subprocess
import sys
from pathlib import Path

NOT_KEYS = {"help", "version", "config", "all", "print-config"}


def words(text: str) -> str:
    return " ".join(text.split())


def help_statuses(help_text: str):
    """{code: (name, meaning)} from the table at the end of --help."""
    table = help_text[help_text.index("Exit status:"):].splitlines()[1:]
    statuses, last = {}, None
    for line in table:
        row = re.match(r"^ *(\d+)  (EX_[A-Z]+)? +(.*)$", line)
        if row:
            last = int(row[1])
            statuses[last] = (row[2] or "", row[3])
        elif line.startswith(" " * 8) and last is not None:
            name, meaning = statuses[last]
            statuses[last] = (name, meaning + " " + line.strip())
        elif line.strip():
            break
    return {code: (name, words(meaning)) for code, (name, meaning) in statuses.items()}


def readme_statuses(readme: str):
    section = readme[readme.index("## Exit status"):]
    rows = re.findall(r"^\| *(\d+) *\| *(EX_[A-Z]+)? *\| *(.*?) *\|$", section, re.MULTILINE)
    return {int(code): (name, words(meaning)) for code, name, meaning in rows}


def man_statuses(page: str):
    """{code: text of the entry} from the EXIT STATUS section (hyphens unescaped)."""
    section = page[page.index(".SH EXIT STATUS"):]
    section = section[:section.index("\n.SH ", 1)]
    entries = re.findall(r"^\.B (\d+)\n(.*?)(?=^\.TP|^\.PP|\Z)", section,
                         re.MULTILINE | re.DOTALL)
    return {int(code): words(text) for code, text in entries}


def check_exit_statuses(help_text: str, root: Path):
    missing = []
    table = help_statuses(help_text)
    if len(table) < 5:
        return [f"found only {sorted(table)} in --help's exit status table"]
    readme = readme_statuses((root / "README.md").read_text())
    if readme != table:
        for code in sorted(set(table) | set(readme)):
            if readme.get(code) != table.get(code):
                missing.append(f"README.md's exit status {code} is {readme.get(code)}, "
                               f"--help says {table.get(code)}")
    page = man_statuses((root / "man/odmr-fetch.1").read_text().replace("\\-", "-"))
    if sorted(page) != sorted(table):
        missing.append(f"odmr-fetch.1 documents exit statuses {sorted(page)}, "
                       f"--help {sorted(table)}")
    for code, (name, meaning) in table.items():
        text = page.get(code, "")
        first = meaning[0].upper() + meaning[1:] + (f" ({name})." if name else ".")
        if code in page and not text.startswith(first):
            missing.append(f"odmr-fetch.1's exit status {code} does not start with "
                           f"\"{first}\" (it says \"{text[:len(first) + 20]}...\")")
    return missing


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
    missing += check_exit_statuses(help_text, root)
    for line in missing:
        print(line, file=sys.stderr)
    print(f"{len(options)} options and the exit statuses checked, {len(missing)} omissions")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
