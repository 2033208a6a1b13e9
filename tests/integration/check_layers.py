#!/usr/bin/env python3
"""No file under src/ includes a header from a layer above its own.

The layers and what each may use are read from the odmr_layer() calls of
src/CMakeLists.txt (the build's own table, see DESIGN.md "Layers"): a layer
may include its own headers and those of every layer it links, directly or
through another. src/main.cpp may include anything. Every folder of src/
must be a layer. Usage: check_layers.py REPOSITORY_ROOT; exit 1 with one
line per wrong-way include.
"""

import re
import sys
from pathlib import Path

LAYER_CALL = re.compile(r"^odmr_layer\((\w+)(?:\s+DEPENDS\s+([\w\s]+))?\)", re.MULTILINE)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"', re.MULTILINE)


def read_layers(cmake_text):
    """{layer: set of layers it links directly}, in the order declared."""
    layers = {}
    for name, depends in LAYER_CALL.findall(cmake_text):
        layers[name] = set(depends.split()) if depends else set()
    return layers


def reachable(layers):
    """{layer: itself and every layer below it}."""
    out = {}
    for name in layers:
        seen, todo = {name}, list(layers[name])
        while todo:
            below = todo.pop()
            if below not in seen:
                seen.add(below)
                todo.extend(layers.get(below, ()))
        out[name] = seen
    return out


def problems(src):
    layers = read_layers((src / "CMakeLists.txt").read_text())
    if len(layers) < 2:
        return [f"{src}/CMakeLists.txt declares no layers (odmr_layer calls)"]
    found = []
    for name, depends in layers.items():
        found += [f"layer {name} links {d}, which is not a layer" for d in depends - layers.keys()]
    allowed = reachable(layers)
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        if folder.name not in layers:
            found.append(f"src/{folder.name}/ is not a layer in src/CMakeLists.txt")
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp") or path.parent == src:
            continue
        layer = path.relative_to(src).parts[0]
        text = path.read_text(errors="replace")
        for match in INCLUDE.finditer(text):
            target = match.group(1)
            if target in layers and target not in allowed.get(layer, {layer}):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"src/{path.relative_to(src)}:{line}: {layer}/ includes "
                             f"{target}/, a layer {layer} does not link")
    return found


def main(argv) -> int:
    if len(argv) != 2:
        print("usage: check_layers.py REPOSITORY_ROOT", file=sys.stderr)
        return 2
    found = problems(Path(argv[1]) / "src")
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
