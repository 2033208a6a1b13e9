#!/usr/bin/env python3
"""Each installed completion, run by its own shell.

bash (with bash-completion's on-demand loader finding the installed file),
zsh (a clean `zsh -f` with compinit, driven through a terminal, since zsh
completes only in its line editor) and fish (`complete -C`). ODMR_BUILD_DIR
is the build to install (default: ./build).
"""

import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install_tree import install  # noqa: E402

KINDS = {"maildir:", "mda:", "lmtp:", "smtp:", "handoff:"}

BASH_COMPLETE = r"""
source /usr/share/bash-completion/bash_completion
_completion_loader odmr-fetch
complete -p odmr-fetch
complete_line() {
    COMP_LINE=$1 COMP_POINT=${#1}
    read -ra COMP_WORDS <<<"$1"
    [[ $1 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _odmr_fetch odmr-fetch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    echo "$1 => ${COMPREPLY[*]}"
}
complete_line 'odmr-fetch --del'
complete_line 'odmr-fetch --deliver '
complete_line 'odmr-fetch --tls '
"""


class Completions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="odmr-completion-")
        cls.share = install(Path(cls.tmp.name) / "root") / "usr/share"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def require(self, program, path=None):
        if not shutil.which(program) or (path and not Path(path).exists()):
            self.skipTest(f"{path or program} is not installed")

    def test_bash_loads_the_installed_file_and_completes(self):
        self.require("bash", "/usr/share/bash-completion/bash_completion")
        env = dict(os.environ, XDG_DATA_DIRS=f"{self.share}:/usr/share")
        out = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH_COMPLETE], env=env,
                             capture_output=True, text=True, timeout=60)
        print(out.stdout, out.stderr)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "complete -F _odmr_fetch odmr-fetch")
        self.assertEqual(lines[1], "odmr-fetch --del => --deliver")
        self.assertEqual(set(lines[2].split(" => ")[1].split()), KINDS)
        self.assertEqual(lines[3].split(" => ")[1].split(),
                         ["starttls", "starttls-optional", "implicit", "none"])

    def zsh_complete(self, *lines):
        """Types each line into an interactive `zsh -f` and returns what it showed."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe("zsh", ["zsh", "-f", "-i"], dict(os.environ, TERM="dumb"))

        def read(seconds):
            out, end = b"", time.monotonic() + seconds
            while time.monotonic() < end:
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
            return out.decode(errors="replace")

        try:
            functions = self.share / "zsh/vendor-completions"
            os.write(fd, f"fpath=({functions} $fpath); autoload -Uz compinit; "
                         "compinit -u -D\n".encode())
            read(3)
            return [(os.write(fd, b"\x15" + line.encode()), read(3))[1] for line in lines]
        finally:
            os.write(fd, b"\x15exit\n")
            read(0.5)
            os.waitpid(pid, 0)

    def test_zsh_completes_a_partial_option_and_delivery_kinds(self):
        self.require("zsh")
        option, kinds = self.zsh_complete("odmr-fetch --deli\t", "odmr-fetch --deliver=\t")
        print(option, kinds, sep="\n")
        self.assertIn("--deliver", option)
        for kind in KINDS:
            self.assertIn(kind, kinds)

    def fish_complete(self, line):
        script = self.share / "fish/vendor_completions.d/odmr-fetch.fish"
        out = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        print(f"{line} =>", out.stdout)
        return [candidate.split("\t")[0] for candidate in out.stdout.splitlines()]

    def test_fish_completes_a_partial_option_and_delivery_kinds(self):
        self.require("fish")
        self.assertEqual(self.fish_complete("odmr-fetch --del"), ["--deliver"])
        self.assertEqual(set(self.fish_complete("odmr-fetch --deliver ")), KINDS)
        self.assertIn("handoff:exec:", self.fish_complete("odmr-fetch --deliver handoff:"))


if __name__ == "__main__":
    unittest.main()
