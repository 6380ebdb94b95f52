#!/usr/bin/env python3
"""Unpacks a PyPI package and everything it requires into one folder, one wheel at a time.

Usage: unpack_wheels.py FOLDER REQUIREMENT [--skip NAME ...]

`pip install --target` first downloads every wheel, then unpacks them all: for torch with CUDA the
disk held 10.7 GB at the peak for a 6.7 GB result (measured). Here the most it holds beyond the
result is one wheel (torch's, 0.9 GB), and pip's cache is not used. Only wheels are taken (no
builds from source); entry-point scripts are not made (nothing here runs them). A requirement's
first appearance decides its version, as in the dependency lists this is used for (torch pins its
CUDA libraries exactly). Extras are honoured wherever they are asked for (torch 2.11 requires
`cuda-toolkit[cudart,cufile,...]`, whose libraries hide behind `extra == "cufile"` markers).
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name


def download_wheel(requirement, folder):
    spec = f"{requirement.name}{requirement.specifier}"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                    "--no-deps", "--no-cache-dir", "--only-binary=:all:", "-d", folder, spec],
                   check=True, stdout=sys.stderr)
    # pip fails (naming the requirement) unless it got exactly this one wheel with valid metadata.
    return next(pathlib.Path(folder).glob("*.whl"))


def unpack(wheel, target):
    """Extracts the wheel, keeping executable bits, and returns the Requires-Dist lines of its METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            path = archive.extract(info, target)
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                os.chmod(path, mode & 0o777)
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(metadata).decode("utf-8"))
    return headers.get_all("Requires-Dist") or []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("requirement")
    parser.add_argument("--skip", action="append", default=[], help="a package not to install")
    args = parser.parse_args()

    skipped = {canonicalize_name(name) for name in args.skip}
    requires = {}  # name -> Requires-Dist lines of its unpacked wheel
    extras_done = {}  # name -> the extras whose requirements were queued
    queue = [Requirement(args.requirement)]

    def queue_requirements(name, extras):
        """Queues the requirements of `name` that apply without extras or with one of `extras`."""
        for line in requires[name]:
            dependency = Requirement(line)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": extra}) for extra in ["", *extras]):
                queue.append(dependency)

    while queue:
        requirement = queue.pop(0)
        name = canonicalize_name(requirement.name)
        if name in skipped:
            continue
        extras = {canonicalize_name(extra) for extra in requirement.extras}
        if name in requires:  # unpacked already: only extras not seen before add requirements
            new = extras - extras_done[name]
            extras_done[name] |= new
            if new:  # re-queued plain requirements are already done: no-ops
                queue_requirements(name, new)
            continue
        with tempfile.TemporaryDirectory(prefix="strata-wheel-") as folder:
            try:
                wheel = download_wheel(requirement, folder)
            except subprocess.CalledProcessError:
                sys.exit(f"unpack_wheels: pip could not download '{requirement}' (its message is above)")
            print(f"unpack_wheels: {wheel.name} ({wheel.stat().st_size / 2**20:.0f} MiB)", file=sys.stderr)
            requires[name] = unpack(wheel, args.target)
        extras_done[name] = extras
        queue_requirements(name, extras)

if __name__ == "__main__":
    main()
