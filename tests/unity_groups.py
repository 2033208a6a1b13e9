#!/usr/bin/env python3
"""Unity batches for the unit tests: which test files may share one
translation unit.

Usage: unity_groups.py MAX_FILES FILE...   (prints "GROUP=FILE" lines)

Each test file defines its helpers at namespace scope (clang-format puts them
at column 0, in an anonymous namespace or not), and a file of a batch sees
the helpers and the using-directives of the files before it. So two files
share a batch only when they are in the same folder, have the same
using-directives (`using namespace odmr::smtp;`), and neither mentions a
name the other defines there (a struct TempDir, a function quiet(), a
constant). An identical namespace alias (`namespace fs = std::filesystem;`)
at the same scope is no clash. The rule is conservative: a name it only
thinks is defined costs a little sharing, never a build. Batches hold at
most MAX_FILES files; tests/CMakeLists.txt runs this at configure time.
"""

import re
import sys
from pathlib import Path

DEFINITION = [
    re.compile(r"^(?:template\s*<.*>\s*)?(?:struct|class|union|enum(?:\s+class)?)\s+(\w+)"
               r"\b(?!\s*;)"),
    re.compile(r"^using\s+(\w+)\s*="),
    re.compile(r"^#define\s+(\w+)"),
    # functions, variables and constants: the last identifier before ( = { [
    re.compile(r"^(?:[\w:<>,\*&\[\]]+\s+)+[\*&]?(\w+)\s*[\(=\{\[]"),
]
ALIAS = re.compile(r"^namespace\s+(\w+)\s*=\s*([\w:]+)\s*;")
NOT_NAMES = {"TEST_CASE", "TEST_SUITE", "TEST_CASE_FIXTURE", "SUBCASE", "namespace", "return",
             "main", "operator", "if", "for", "while", "switch"}


USING = re.compile(r"^using\s+namespace\s+(?:::)?([\w:]+)\s*;")
HARMLESS = {"std::chrono_literals", "std::string_literals", "std::literals"}
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


class Claims:
    """What a file brings into the translation unit, and what it refers to."""

    def __init__(self, path: Path):
        text = path.read_text(encoding="utf-8", errors="replace")
        self.names, self.aliases = definitions(text)
        self.using = frozenset(m.group(1) for m in map(USING.match, text.splitlines())
                               if m and m.group(1) not in HARMLESS)
        self.words = set(IDENTIFIER.findall(text))


def definitions(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Names the file defines at namespace scope, and its aliases (name, scope:target)."""
    names, aliases = set(), set()
    anonymous = False
    for line in text.splitlines():
        if line.startswith("namespace {"):
            anonymous = True
        elif line.startswith("}  // namespace") or line == "}":
            anonymous = False
        alias = ALIAS.match(line)
        if alias:
            aliases.add((alias.group(1), f"{'anon' if anonymous else 'global'}:{alias.group(2)}"))
            continue
        for pattern in DEFINITION:
            match = pattern.match(line)
            if match and match.group(1) not in NOT_NAMES:
                names.add(match.group(1))
                break
    return names, aliases


def clash(a: Claims, b: Claims) -> bool:
    """A file sees the using-directives and helpers of the files before it in its batch:
    only files with the same directives share one, and neither may mention a name
    the other defines (it could mean another entity by it)."""
    if a.using != b.using or a.names & b.words or b.names & a.words:
        return True
    seen = dict(a.aliases)
    return any(name in seen and seen[name] != how for name, how in b.aliases)


def main() -> int:
    limit = int(sys.argv[1])
    files = sorted(sys.argv[2:], key=lambda f: (str(Path(f).parent), f))
    groups: list[tuple[str, list[str], list[Claims]]] = []  # (folder, files, their claims)
    for file in files:
        mine = Claims(Path(file))
        folder = str(Path(file).parent)
        fits = [g for g in groups if g[0] == folder and len(g[1]) < limit
                and not any(clash(mine, other) for other in g[2])]
        if fits:
            group = fits[0]
        else:
            group = (folder, [], [])
            groups.append(group)
        group[1].append(file)
        group[2].append(mine)
    for number, (_, members, _) in enumerate(groups):
        for file in members:
            print(f"unit_{number}={file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
