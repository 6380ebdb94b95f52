#!/usr/bin/env python3
"""Compiles every public header on its own, so that each stays self-contained.

Usage: check_headers.py BUILD_DIR [HEADER ...] [--jobs N]

Each header becomes a translation unit holding only `#include <strata/...>` (or the given
header's path), compiled with -fsyntax-only and the flags the library's own files were compiled
with (read from BUILD_DIR/compile_commands.json, minus the precompiled header, which would hide a
missing include). The headers run in parallel; every one that fails is named with the compiler's
first lines, and the exit status is 1 if one did.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import shlex
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def library_flags(build):
    """The compiler and its flags for a file of the library, without output, input and PCH flags."""
    commands = json.loads((build / "compile_commands.json").read_text())
    entry = next((c for c in commands if c["file"].endswith("src/core/error.cpp")), None)
    if entry is None:
        sys.exit(f"check_headers: {build}/compile_commands.json has no entry for src/core/error.cpp")
    args = entry.get("arguments") or shlex.split(entry["command"])
    compiler, rest, flags = args[0], args[1:], []
    skip_next = False
    for i, arg in enumerate(rest):
        if skip_next:
            skip_next = False
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ", "-include", "-include-pch"):
            skip_next = True
            continue
        if arg in ("-c", "-MD", "-MMD", "-Winvalid-pch") or arg == entry["file"] or arg.endswith("error.cpp"):
            continue
        if arg.startswith("-include") or arg.startswith("-o"):
            continue
        flags.append(arg)
    return compiler, flags, entry["directory"]


def check(compiler, flags, directory, header, include_line):
    start = time.monotonic()
    result = subprocess.run([compiler, *flags, "-fsyntax-only", "-x", "c++", "-"], input=include_line + "\n",
                            capture_output=True, text=True, cwd=directory)
    return header, result.returncode, result.stderr, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=pathlib.Path)
    parser.add_argument("headers", nargs="*", type=pathlib.Path, help="headers to check (default: every public one)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    compiler, flags, directory = library_flags(args.build)
    if args.headers:
        todo = [(str(h), f'#include "{h.resolve()}"') for h in args.headers]
    else:
        include = ROOT / "include"
        todo = [(str(h.relative_to(include)), f"#include <{h.relative_to(include)}>")
                for h in sorted((include / "strata").rglob("*.h"))]
    started = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for header, rc, stderr, _ in pool.map(lambda t: check(compiler, flags, directory, *t), todo):
            if rc != 0:
                failed.append(header)
                first = "\n".join(stderr.strip().splitlines()[:8])
                print(f"check_headers: {header} does not compile on its own:\n{first}\n")
    print(f"check_headers: {len(todo)} headers, {len(failed)} not self-contained "
          f"({time.monotonic() - started:.0f} s, {args.jobs} jobs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
