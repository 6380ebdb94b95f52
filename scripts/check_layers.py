#!/usr/bin/env python3
"""Fails when a strata layer includes a header of a layer above it (docs/architecture.md).

Usage: check_layers.py [ROOT]   (default: the checkout this script is in)

Reads every `#include "strata/<layer>/..."` (or <...>) in include/strata/<layer>/ and
src/<layer>/, and checks it against LAYERS below: a layer may include itself and the layers it
lists, nothing else. Each violation is printed as `file:line: ...` naming both layers and the
header; the exit status is 1 if there is one. The umbrella header strata/strata.h and the
generated strata/version.h are not layers: only applications include the first, anyone the second.
"""
import pathlib
import re
import sys

# Each layer and the layers below it that it may include, bottom first.
LAYERS = {
    "core": [],
    "transforms": ["core"],
    "data": ["core", "transforms"],
    "models": ["core"],
    "optim": ["core"],
    "learner": ["core", "transforms", "data", "models", "optim"],
    "callbacks": ["core", "transforms", "data", "models", "optim", "learner"],
    "vision": ["core", "transforms", "data", "models", "optim", "learner", "callbacks"],
    "distributed": ["core", "transforms", "data", "models", "optim", "learner", "callbacks"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]strata/([^">]+)[">]')
SOURCES = (".h", ".hpp", ".cpp", ".cc")


def files_of(root):
    """(layer, path) for every source file of a layer folder under include/strata and src."""
    for base in (root / "include" / "strata", root / "src"):
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            for path in sorted(folder.rglob("*")):
                if path.suffix in SOURCES:
                    yield folder.name, path


def violations(root):
    found = []
    for layer, path in files_of(root):
        if layer not in LAYERS:
            found.append(f"{path.relative_to(root)}: '{layer}' is not a layer of docs/architecture.md "
                         f"(known: {', '.join(LAYERS)}); add it to LAYERS in scripts/check_layers.py")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            if "/" not in header:  # strata/strata.h, strata/version.h
                if header == "strata.h":
                    found.append(f"{path.relative_to(root)}:{number}: the {layer} layer includes the umbrella "
                                 f"strata/strata.h (library code includes the narrow headers it needs)")
                continue
            target = header.split("/", 1)[0]
            if target == layer or target in LAYERS[layer]:
                continue
            allowed = ", ".join(LAYERS[layer]) or "nothing below it"
            where = "above it" if target in LAYERS else "not a layer"
            found.append(f"{path.relative_to(root)}:{number}: the {layer} layer includes strata/{header} "
                         f"({target} is {where}; {layer} may include: {allowed})")
    return found


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    found = violations(root)
    for v in found:
        print(v)
    checked = sum(1 for _ in files_of(root))
    print(f"check_layers: {checked} files, {len(found)} layer violation(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
